#!/usr/bin/env bash
# array-vs-md: the Salix array against Linux md RAID-5 over the same five
# salix-nvme SSDs, in one VM (guest side: guest-array-vs-md.sh).
#   tests/bench/array-vs-md.sh [--runtime SECONDS] [--configs "salix-device md"]
#                              [--append KERNEL-ARGS] [--ssd-opts 'k=v,...']
#                              [--fio-args 'ARGS'] [--boots N] [--rounds N]
#                              [--qemu-arg ARG] [--plot FILE.png]
#                                                          (./salix bench array-vs-md)
# Every config takes NVMe completions by interrupt (polled passthrough,
# fio --polling=on, oopses the guest's Linux 6.1; see docs/BENCHMARKS.md).
# --append adds guest kernel arguments, --ssd-opts salix-nvme properties
# for all five devices (after size=512M,personality=nossd; e.g. poll-us=0),
# --fio-args fio options added to every job of every config (both sides,
# e.g. --cpus_allowed=0), --qemu-arg one QEMU argument (repeatable; e.g.
# -mem-prealloc, so that no job pays the host's first touch of guest RAM). --boots N repeats the whole run in N VMs, one
# after the other; --rounds N runs every config N times in each boot, the
# order alternating (odd rounds Salix first, even rounds md first; every
# config starts from deallocated members). With either, the run ends with a
# summary per job over all (boot, round) pairs: each pair's ratio and host
# steal, the median, how many met the goal, and with rounds the medians of
# the Salix-first and md-first rounds apart. --plot draws every job's IOPS
# against the host's steal during it (python3-matplotlib).
# --configs picks of salix-device,
# salix-device-nocoalesce (fio --coalesce=0: one member command per chunk
# write, the engine before write coalescing), salix-device-fixed (fio
# --fixedbufs=1: registered buffers), salix-device-nostaging (fio
# --staging=0: the engine's staging memory not registered, so every merged
# command's pages are pinned per command), salix-device-sqpoll (fio
# --sqthread_poll=1: submitted by a kernel thread, io_uring SQPOLL),
# salix-host, md, md-sqpoll (fio's io_uring engine with --sqthread_poll=1).
# Prints a markdown table: IOPS, bandwidth, ratio to md, and guest CPU time
# per I/O in the I/O phase (all guest CPUs' busy time from /proc/stat between
# fio's exec_prerun and exec_postrun, divided by the I/Os), split into user,
# system and irq+softirq, with NVMe interrupts and context switches per I/O;
# beside it the busy time per I/O over the whole fio run (array open and
# sync included) and fio's own usr+sys per I/O. And the host's side of each
# job's I/O phase: its CPUs' busy and steal share (the host's /proc/stat,
# sampled twice a second here, matched to the guest's wall clock at fio's
# exec_prerun / exec_postrun). Steal is CPU time the machine under this
# host gave to someone else; the guest cannot see it (TCG), but every one
# of its threads runs slower, and both sides' rates fall with it
# (docs/BENCHMARKS.md).
set -euo pipefail
: "${SALIX_ROOT:?run through ./salix bench}" "${SALIX_QEMU:?}" "${SALIX_GUEST:?}" "${SALIX_FIRMWARE:?}"
runtime=10
configs="salix-device salix-device-nocoalesce salix-host md"
append=()
qemu_args=()
ssd_opts=size=512M,personality=nossd
fio_args=""
boots=1
rounds=1
plot=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --runtime) runtime=$2; shift ;;
    --configs) configs=$2; shift ;;
    --append) append=(--append "$2"); shift ;;
    --ssd-opts) ssd_opts=$ssd_opts,$2; shift ;;
    --fio-args) fio_args=$2; shift ;;
    --qemu-arg) qemu_args+=(--qemu-arg "$2"); shift ;;
    --boots) boots=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --plot) plot=$2; shift ;;
    *) echo "array-vs-md: unknown argument '$1' (--runtime S, --configs LIST, --append ARGS, --ssd-opts K=V,..., --fio-args ARGS, --boots N, --rounds N, --qemu-arg ARG, --plot FILE)" >&2
       exit 2 ;;
  esac
  shift
done
[[ $boots =~ ^[1-9][0-9]*$ ]] || { echo "array-vs-md: --boots wants a positive count, not '$boots'" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "array-vs-md: --rounds wants a positive count, not '$rounds'" >&2; exit 2; }
for c in $configs; do
  case $c in salix-device | salix-device-nocoalesce | salix-device-nostaging | salix-device-fixed | salix-device-sqpoll | salix-host | md | md-sqpoll) ;;
    *) echo "array-vs-md: unknown config '$c' (salix-device, salix-device-nocoalesce, salix-device-nostaging, salix-device-fixed, salix-device-sqpoll, salix-host, md, md-sqpoll)" >&2
       exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/salix-bench-array.XXXXXX)
sampler=""
trap '[[ -n $sampler ]] && kill "$sampler" 2>/dev/null; rm -rf "$work"' EXIT
# The host's CPU counters, twice a second, for the whole VM run.
while :; do echo "$(date +%s.%N) $(head -n 1 /proc/stat)"; sleep 0.5; done >"$work/host-stat" &
sampler=$!
echo "$runtime" >"$work/runtime"
echo "$configs" >"$work/configs"
echo "$fio_args" >"$work/fio-args"
echo "$rounds" >"$work/rounds"
report() { # log boot: one boot's table; its rows go to $work/rows.jsonl
python3 - "$1" "$runtime" "$configs" "${append[*]:-}" "${ssd_opts#size=512M,personality=nossd}" \
  "$work/host-stat" "$fio_args" "$2" "$work/rows.jsonl" "$rounds" "${qemu_args[*]:-}" <<'PY'
import bisect, json, re, sys
log, runtime, configs, append = open(sys.argv[1], errors="replace").read(), sys.argv[2], sys.argv[3].split(), sys.argv[4]
ssd_opts = sys.argv[5].lstrip(",")
fio_args = sys.argv[7]
boot, rows_file, rounds = int(sys.argv[8]), sys.argv[9], int(sys.argv[10])
qemu_args = " ".join(a for a in sys.argv[11].split() if a != "--qemu-arg")
HZ = 100  # USER_HZ of /proc/stat

# The host's /proc/stat samples: (wall clock, [user nice system idle iowait
# irq softirq steal]).
host = []
for line in open(sys.argv[6]):
    f = line.split()
    if len(f) >= 10 and f[1] == "cpu":
        host.append((float(f[0]), [int(x) for x in f[2:10]]))

def host_share(t0, t1):
    """The host's busy and steal share between two guest wall-clock times
    (whole seconds, so each end is off by up to a second), or None."""
    if not host or t1 - t0 < 2:
        return None
    times = [t for t, _ in host]
    a = host[min(bisect.bisect_left(times, t0), len(host) - 1)][1]
    b = host[min(bisect.bisect_left(times, t1), len(host) - 1)][1]
    d = [y - x for x, y in zip(a, b)]
    total = sum(d)
    if total <= 0:
        return None
    return (total - d[3] - d[4]) / total * 100, d[7] / total * 100

def cpu(line):
    v = [int(x) for x in line.split()[1:]]
    # user nice system idle iowait irq softirq steal
    return {"busy": v[0] + v[1] + v[2] + v[5] + v[6] + v[7], "user": v[0] + v[1],
            "sys": v[2], "irq": v[5] + v[6]}

def snap(text, which):
    m = re.search(r"SNAP-BEGIN " + which + r"\n(.*?)SNAP-END", text, re.S)
    if not m:
        return None
    s = m.group(1)
    out = {"uptime": float(s.split()[0])}
    wall = re.search(r"^WALL (\d+)", s, re.M)
    out["wall"] = int(wall.group(1)) if wall else 0
    out.update(cpu(re.search(r"^cpu (.*)$", s, re.M).group(0)))
    out["ctxt"] = int(re.search(r"^ctxt (\d+)", s, re.M).group(1))
    nvme = 0
    ncpu = 0
    for line in s.splitlines():
        f = line.split()
        if f and f[0] == "CPU0":
            ncpu = len(f)
        if re.search(r"nvme\d+q\d+$", line) and ncpu:
            nvme += sum(int(x) for x in f[1:1 + ncpu])
    out["nvme_irq"] = nvme
    disk = 0
    for m2 in re.finditer(r"^\s*\d+\s+\d+\s+nvme\d+n\d+\s+(\d+)\s+\d+\s+\d+\s+\d+\s+(\d+)", s, re.M):
        disk += int(m2.group(1)) + int(m2.group(2))
    out["disk_ios"] = disk
    for name in ("BLOCK", "TASKLET", "TIMER", "SCHED", "RCU"):
        m2 = re.search(r"^\s*" + name + r":\s+([\d\s]+)$", s, re.M)
        out[name] = sum(int(x) for x in m2.group(1).split()) if m2 else 0
    return out

kernel = re.search(r"^(\d+\.\d+\.\S+)\s*$", log, re.M)
queues = sorted(set(re.findall(r"QUEUE \S+ (io_poll=\S* nr_hw_queues=\d+)", log)))
rows, skipped, notes = {}, [], []
# Which side ran first in each round (the guest alternates).
first = {int(r): o.split("-")[0] for r, o in re.findall(r"^ROUND (\d+) (\S+)$", log, re.M)}
for m in re.finditer(r"BENCH-SKIP (.*)", log):
    skipped.append(m.group(1).strip())
for m in re.finditer(r"salix fio engine: opened array [^;]*; (.*)", log):
    if m.group(1).strip() not in notes:
        notes.append(m.group(1).strip())
for m in re.finditer(r"BENCH-JSON-BEGIN (\S+) (\S+) (\d+)\n(.*?)BENCH-JSON-END", log, re.S):
    config, job, rnd, text = m.groups()
    rnd = int(rnd)
    if "BENCH-FAILED" in text or "{" not in text:
        skipped.append(f"{config} {job} round {rnd}: fio failed")
        continue
    before = cpu(re.search(r"STAT-BEFORE (cpu .*)", text).group(1))
    after = cpu(re.search(r"STAT-AFTER (cpu .*)", text).group(1))
    body = text[text.index("{"):text.rindex("}") + 1]
    j = json.loads(body)["jobs"][0]
    w = j["write"]
    ios = w["total_ios"]
    if not ios:
        skipped.append(f"{config} {job} round {rnd}: no I/O completed")
        continue
    whole_us = (after["busy"] - before["busy"]) / HZ * 1e6 / ios
    fio_us = (j["usr_cpu"] + j["sys_cpu"]) / 100 * (w["runtime"] / 1000) * 1e6 / ios
    a, b = snap(text, "postrun"), snap(text, "prerun")
    d = {k: (a[k] - b[k]) for k in a} if a and b else None
    hs = host_share(b["wall"], a["wall"]) if a and b and b["wall"] else None
    if config.startswith("md"):
        how = "irq"
    elif "completions polled" in text:
        how = "polled"
    else:
        how = "irq"
    if "fixed buffers on" in text:
        how += ", fixed bufs"
    if "submitted by a kernel thread" in text or config == "md-sqpoll":
        how += ", SQPOLL"
    enters = re.findall(r"io_uring_enter calls \((\d+\.\d+) per request\)", text)
    cmds = re.findall(r"member commands \((\d+\.\d+) per request\)", text)
    r = {"iops": w["iops"], "mib": w["bw"] / 1024, "whole": whole_us, "fio": fio_us, "d": d,
         "ios": ios, "how": how, "enters": enters[-1] if enters else "-",
         "cmds": cmds[-1] if cmds else "-",
         "host": f"{hs[0]:.0f} / {hs[1]:.0f}" if hs else "-"}
    rows[(config, job, rnd)] = r
    with open(rows_file, "a") as f:
        f.write(json.dumps({"boot": boot, "round": rnd, "first": first.get(rnd, "salix"),
                            "config": config, "job": job, "iops": w["iops"],
                            "busy": hs[0] if hs else None, "steal": hs[1] if hs else None}) + "\n")

def us(d, k, ios):
    return d[k] / HZ * 1e6 / ios

print("Salix 4+1 array (fio Salix ioengine) vs Linux md RAID-5 (io_uring, direct), same five")
print(f"salix-nvme SSDs (nossd, RAM, 512 MiB), one VM (TCG, 2 vCPUs); {runtime} s per job over 256 MiB.")
if kernel:
    print(f"Guest kernel {kernel.group(1)}{', appended: ' + append if append else ''}; NVMe queues: {'; '.join(queues)}.")
for n in notes:
    print(f"engine: {n}")
print()
print("| job | config | completions | IOPS | MiB/s | vs md | guest CPU us/IO (I/O phase) "
      "| usr / sys / irq+softirq us/IO | NVMe irqs/IO | ctx switches/IO | NVMe commands/IO | io_uring_enter/IO "
      "| guest CPU us/IO (whole run) | fio usr+sys us/IO | host busy / steal % |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
def label(job, rnd):
    """The job's name, with its round and order when a boot has several."""
    return job if rounds == 1 else f"{job} r{rnd} ({first.get(rnd, 'salix')} first)"

for rnd in range(1, rounds + 1):
    for job in ["randwrite-4k-qd32", "write-64k-qd32"]:
        md = rows.get(("md", job, rnd))
        for config in ["salix-device", "salix-device-nocoalesce", "salix-device-nostaging",
                       "salix-device-fixed",
                       "salix-device-sqpoll", "salix-host", "md", "md-sqpoll"]:
            if config not in configs:
                continue
            r = rows.get((config, job, rnd))
            if r is None:
                print(f"| {label(job, rnd)} | {config} | | not measured | | | | | | | | | | | |")
                continue
            ratio = f"{r['iops'] / md['iops']:.2f}x" if md else "-"
            d, ios = r["d"], r["ios"]
            if d:
                # I/Os in the snapshot window: fio's count (the window adds only
                # the prerun/postrun shells around the I/O).
                phase = f"{us(d, 'busy', ios):.0f}"
                split = f"{us(d, 'user', ios):.0f} / {us(d, 'sys', ios):.0f} / {us(d, 'irq', ios):.0f}"
                irqs = f"{d['nvme_irq'] / ios:.2f}"
                ctxt = f"{d['ctxt'] / ios:.2f}"
            else:
                phase = split = irqs = ctxt = "-"
            # Salix: the engine's member commands (passthrough is not in
            # /proc/diskstats); md: reads + writes the members completed.
            cmds = r["cmds"] if not config.startswith("md") else (f"{d['disk_ios'] / ios:.2f}" if d else "-")
            print(f"| {label(job, rnd)} | {config} | {r['how']} | {r['iops']:.0f} | {r['mib']:.1f} | {ratio} | {phase} "
                  f"| {split} | {irqs} | {ctxt} | {cmds} | {r['enters']} | {r['whole']:.0f} | {r['fio']:.0f} "
                  f"| {r['host']} |")
for s in skipped:
    print(f"not measured: {s}")
goals = {"randwrite-4k-qd32": 2.5, "write-64k-qd32": 1.2}
for rnd in range(1, rounds + 1):
    for job, goal in goals.items():
        s, md = rows.get(("salix-device", job, rnd)), rows.get(("md", job, rnd))
        if s and md:
            r = s["iops"] / md["iops"]
            print(f"{label(job, rnd)}: salix device parity / md = {r:.2f}x: goal >= {goal}x {'met' if r >= goal else 'MISSED'}")
        else:
            print(f"{label(job, rnd)}: goal >= {goal}x not evaluated (a side was not measured)")
        # Registered staging against none, same boot and round.
        s3 = rows.get(("salix-device-nostaging", job, rnd))
        if s and s3:
            print(f"{label(job, rnd)}: salix device parity, staging registered / not = "
                  f"{s['iops'] / s3['iops']:.2f}x")
        # With a kernel submission thread on both sides: each against md's
        # better configuration, so the help is never counted for Salix alone.
        s2 = rows.get(("salix-device-sqpoll", job, rnd))
        mds = [m for m in (md, rows.get(("md-sqpoll", job, rnd))) if m]
        if s2 and rows.get(("md-sqpoll", job, rnd)):
            best = max(m["iops"] for m in mds)
            r = s2["iops"] / best
            print(f"{label(job, rnd)}: salix device parity with SQPOLL / md's best ({best:.0f} IOPS) = {r:.2f}x: "
                  f"goal >= {goal}x {'met' if r >= goal else 'MISSED'}")
extra = "" if configs == ["salix-device", "salix-device-nocoalesce", "salix-host", "md"] else f" --configs '{' '.join(configs)}'"
extra += f" --append '{append.split(' ', 1)[1]}'" if append else ""
extra += f" --ssd-opts {ssd_opts}" if ssd_opts else ""
extra += f" --fio-args '{fio_args}'" if fio_args else ""
extra += f" --rounds {rounds}" if rounds > 1 else ""
extra += "".join(f" --qemu-arg {a}" for a in qemu_args.split())
print(f"rerun: ./salix bench array-vs-md --runtime {runtime}{extra}")
PY
}

for ((boot = 1; boot <= boots; boot++)); do
  log=${SALIX_BENCH_LOG:-$work/array-vs-md.log}
  [[ $boots -gt 1 ]] && log=$work/array-vs-md.$boot.log
  echo "[bench] array-vs-md: booting one VM with 5 SSDs ($ssd_opts; runtime ${runtime}s per job; configs: $configs${fio_args:+; fio $fio_args}; boot $boot of $boots)" >&2
  "$SALIX_ROOT/images/salix-vm" --qemu "$SALIX_QEMU" --guest "$SALIX_GUEST" \
    --firmware "$SALIX_FIRMWARE" --ssds 5 --ssd-opts "$ssd_opts" \
    "${append[@]}" "${qemu_args[@]}" --job "$SALIX_ROOT/tests/bench/guest-array-vs-md.sh" \
    --job-file "$work/runtime:/salix/runtime" --job-file "$work/configs:/salix/configs" \
    --job-file "$work/fio-args:/salix/fio-args" --job-file "$work/rounds:/salix/rounds" \
    --log "$log" --timeout $((1800 * rounds)) >/dev/null
  [[ $boots -gt 1 ]] && echo && echo "boot $boot of $boots, $(date -u +%H:%M) UTC:"
  report "$log" "$boot"
done
kill "$sampler" 2>/dev/null || true
sampler=""
[[ $boots -gt 1 || $rounds -gt 1 || -n $plot ]] || exit 0

# Across boots and rounds: each pair's ratio with the host's steal during
# both sides' jobs, the median, the goal count; and the plot.
py=python3
[[ -n $plot && -x /usr/bin/python3 ]] && py=/usr/bin/python3  # Debian's matplotlib
"$py" - "$work/rows.jsonl" "$boots" "$plot" "--boots $boots --rounds $rounds${plot:+ --plot $plot}" "$rounds" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
boots, plot, rerun, rounds = int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
goals = {"randwrite-4k-qd32": 2.5, "write-64k-qd32": 1.2}
by = {(r["boot"], r["round"], r["config"], r["job"]): r for r in rows}
pairs = [(b, r) for b in range(1, boots + 1) for r in range(1, rounds + 1)]
def pct(v):
    return "-" if v is None else f"{v:.0f}"

def points(job, config):
    return [(r["steal"], r["iops"]) for r in rows
            if r["job"] == job and r["config"] == config and r["steal"] is not None]

def fit(pts):
    """Least-squares line (a, b) of IOPS = a + b * steal, or None."""
    if len(pts) < 3:
        return None
    mx = statistics.fmean(p[0] for p in pts)
    my = statistics.fmean(p[1] for p in pts)
    var = sum((p[0] - mx) ** 2 for p in pts)
    if var == 0:
        return None
    b = sum((p[0] - mx) * (p[1] - my) for p in pts) / var
    return my - b * mx, b

def line(f, x):
    return f[0] + f[1] * x
print()
runs = f"{boots} boot{'s' if boots > 1 else ''}" + (f" x {rounds} rounds" if rounds > 1 else "")
print(f"Across {runs} (salix-device against md; host steal % during each side's job):")
for job, goal in goals.items():
    ratios, parts, order = [], [], {"salix": [], "md": []}
    for b, rnd in pairs:
        s, m = by.get((b, rnd, "salix-device", job)), by.get((b, rnd, "md", job))
        if s and m:
            ratios.append(s["iops"] / m["iops"])
            order[s["first"]].append(ratios[-1])
            parts.append(f"{ratios[-1]:.2f}x ({pct(s['steal'])} / {pct(m['steal'])})")
    if not ratios:
        print(f"{job}: not evaluated (a side was not measured)")
        continue
    met = sum(r >= goal for r in ratios)
    print(f"{job}: {', '.join(parts)}")
    print(f"{job}: median {statistics.median(ratios):.2f}x, goal >= {goal}x met in {met} of {len(ratios)}")
    if rounds > 1:
        print(f"{job}: " + ", ".join(
            f"{side} first: median {statistics.median(v):.2f}x over {len(v)}"
            for side, v in order.items() if v))
    # The two sides of one pair do not see the same host: compare them at
    # the same steal too, on each side's least-squares line over the pairs.
    fs, fm = fit(points(job, "salix-device")), fit(points(job, "md"))
    steals = [p[0] for c in ("salix-device", "md") for p in points(job, c)]
    # (Without steal to speak of, the lines say nothing the median does not.)
    if fs and fm and max(steals) >= 2:
        at = [0, statistics.median(steals)]
        print(f"{job}: at equal host steal (each side's line over the pairs): " +
              ", ".join(f"{s:.0f} % -> {line(fs, s) / line(fm, s):.2f}x" for s in at))
print(f"rerun: the rerun line above with {rerun}")
if not plot:
    sys.exit(0)
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("array-vs-md: matplotlib missing, no plot; install python3-matplotlib (./salix deps)")
jobs = list(goals)
fig, axes = plt.subplots(1, len(jobs), figsize=(10, 4.2))
for ax, job in zip(axes, jobs):
    for config, marker, color in (("salix-device", "o", "tab:blue"), ("md", "s", "tab:orange")):
        pts = points(job, config)
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], marker=marker, color=color,
                       label=config)
        f = fit(pts)
        if f:
            xs = [0, max(p[0] for p in pts)]
            ax.plot(xs, [line(f, x) for x in xs], color=color, alpha=0.5, linestyle="--")
    ax.set_title(job)
    ax.set_xlabel("host steal during the job (%)")
    ax.set_ylabel("IOPS")
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend()
fig.suptitle(f"Salix 4+1 vs md RAID-5, {runs} (TCG guest on a shared 2-core host)")
fig.tight_layout()
fig.savefig(plot, dpi=110)
print(f"plot: {plot}")
PY
