#!/usr/bin/env bash
# array-vs-md: the Salix array against Linux md RAID-5 over the same five
# salix-nvme SSDs, in one VM (guest side: guest-array-vs-md.sh).
#   tests/bench/array-vs-md.sh [--runtime SECONDS] [--configs "salix-device md"]
#                              [--append KERNEL-ARGS] [--ssd-opts 'k=v,...']
#                                                          (./salix bench array-vs-md)
# Every config takes NVMe completions by interrupt (polled passthrough,
# fio --polling=on, oopses the guest's Linux 6.1; see docs/BENCHMARKS.md).
# --append adds guest kernel arguments, --ssd-opts salix-nvme properties
# for all five devices (after size=512M,personality=nossd; e.g. poll-us=0).
# --configs picks of salix-device,
# salix-device-nocoalesce (fio --coalesce=0: one member command per chunk
# write, the engine before write coalescing), salix-device-fixed (fio
# --fixedbufs=1: registered buffers), salix-device-sqpoll (fio
# --sqthread_poll=1: submitted by a kernel thread, io_uring SQPOLL),
# salix-host, md, md-sqpoll (fio's io_uring engine with --sqthread_poll=1).
# Prints a markdown table: IOPS, bandwidth, ratio to md, and guest CPU time
# per I/O in the I/O phase (all guest CPUs' busy time from /proc/stat between
# fio's exec_prerun and exec_postrun, divided by the I/Os), split into user,
# system and irq+softirq, with NVMe interrupts and context switches per I/O;
# beside it the busy time per I/O over the whole fio run (array open and
# sync included) and fio's own usr+sys per I/O.
set -euo pipefail
: "${SALIX_ROOT:?run through ./salix bench}" "${SALIX_QEMU:?}" "${SALIX_GUEST:?}" "${SALIX_FIRMWARE:?}"
runtime=10
configs="salix-device salix-device-nocoalesce salix-host md"
append=()
ssd_opts=size=512M,personality=nossd
while [[ $# -gt 0 ]]; do
  case $1 in
    --runtime) runtime=$2; shift ;;
    --configs) configs=$2; shift ;;
    --append) append=(--append "$2"); shift ;;
    --ssd-opts) ssd_opts=$ssd_opts,$2; shift ;;
    *) echo "array-vs-md: unknown argument '$1' (--runtime S, --configs LIST, --append ARGS, --ssd-opts K=V,...)" >&2
       exit 2 ;;
  esac
  shift
done
for c in $configs; do
  case $c in salix-device | salix-device-nocoalesce | salix-device-fixed | salix-device-sqpoll | salix-host | md | md-sqpoll) ;;
    *) echo "array-vs-md: unknown config '$c' (salix-device, salix-device-nocoalesce, salix-device-fixed, salix-device-sqpoll, salix-host, md, md-sqpoll)" >&2
       exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/salix-bench-array.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "$runtime" >"$work/runtime"
echo "$configs" >"$work/configs"
log=${SALIX_BENCH_LOG:-$work/array-vs-md.log}
echo "[bench] array-vs-md: booting one VM with 5 SSDs ($ssd_opts; runtime ${runtime}s per job; configs: $configs)" >&2
"$SALIX_ROOT/images/salix-vm" --qemu "$SALIX_QEMU" --guest "$SALIX_GUEST" \
  --firmware "$SALIX_FIRMWARE" --ssds 5 --ssd-opts "$ssd_opts" \
  "${append[@]}" --job "$SALIX_ROOT/tests/bench/guest-array-vs-md.sh" \
  --job-file "$work/runtime:/salix/runtime" --job-file "$work/configs:/salix/configs" \
  --log "$log" --timeout 1800 >/dev/null

python3 - "$log" "$runtime" "$configs" "${append[*]:-}" "${ssd_opts#size=512M,personality=nossd}" <<'PY'
import json, re, sys
log, runtime, configs, append = open(sys.argv[1], errors="replace").read(), sys.argv[2], sys.argv[3].split(), sys.argv[4]
ssd_opts = sys.argv[5].lstrip(",")
HZ = 100  # USER_HZ of /proc/stat

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
for m in re.finditer(r"BENCH-SKIP (.*)", log):
    skipped.append(m.group(1).strip())
for m in re.finditer(r"salix fio engine: opened array [^;]*; (.*)", log):
    if m.group(1).strip() not in notes:
        notes.append(m.group(1).strip())
for m in re.finditer(r"BENCH-JSON-BEGIN (\S+) (\S+)\n(.*?)BENCH-JSON-END", log, re.S):
    config, job, text = m.groups()
    if "BENCH-FAILED" in text or "{" not in text:
        skipped.append(f"{config} {job}: fio failed")
        continue
    before = cpu(re.search(r"STAT-BEFORE (cpu .*)", text).group(1))
    after = cpu(re.search(r"STAT-AFTER (cpu .*)", text).group(1))
    body = text[text.index("{"):text.rindex("}") + 1]
    j = json.loads(body)["jobs"][0]
    w = j["write"]
    ios = w["total_ios"]
    if not ios:
        skipped.append(f"{config} {job}: no I/O completed")
        continue
    whole_us = (after["busy"] - before["busy"]) / HZ * 1e6 / ios
    fio_us = (j["usr_cpu"] + j["sys_cpu"]) / 100 * (w["runtime"] / 1000) * 1e6 / ios
    a, b = snap(text, "postrun"), snap(text, "prerun")
    d = {k: (a[k] - b[k]) for k in a} if a and b else None
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
         "cmds": cmds[-1] if cmds else "-"}
    rows[(config, job)] = r

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
      "| guest CPU us/IO (whole run) | fio usr+sys us/IO |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for job in ["randwrite-4k-qd32", "write-64k-qd32"]:
    md = rows.get(("md", job))
    for config in ["salix-device", "salix-device-nocoalesce", "salix-device-fixed",
                   "salix-device-sqpoll", "salix-host", "md", "md-sqpoll"]:
        if config not in configs:
            continue
        r = rows.get((config, job))
        if r is None:
            print(f"| {job} | {config} | | not measured | | | | | | | | | | |")
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
        print(f"| {job} | {config} | {r['how']} | {r['iops']:.0f} | {r['mib']:.1f} | {ratio} | {phase} "
              f"| {split} | {irqs} | {ctxt} | {cmds} | {r['enters']} | {r['whole']:.0f} | {r['fio']:.0f} |")
for s in skipped:
    print(f"not measured: {s}")
goals = {"randwrite-4k-qd32": 2.5, "write-64k-qd32": 1.2}
for job, goal in goals.items():
    s, md = rows.get(("salix-device", job)), rows.get(("md", job))
    if s and md:
        r = s["iops"] / md["iops"]
        print(f"{job}: salix device parity / md = {r:.2f}x: goal >= {goal}x {'met' if r >= goal else 'MISSED'}")
    else:
        print(f"{job}: goal >= {goal}x not evaluated (a side was not measured)")
    # With a kernel submission thread on both sides: each against md's
    # better configuration, so the help is never counted for Salix alone.
    s2 = rows.get(("salix-device-sqpoll", job))
    mds = [m for m in (md, rows.get(("md-sqpoll", job))) if m]
    if s2 and rows.get(("md-sqpoll", job)):
        best = max(m["iops"] for m in mds)
        r = s2["iops"] / best
        print(f"{job}: salix device parity with SQPOLL / md's best ({best:.0f} IOPS) = {r:.2f}x: "
              f"goal >= {goal}x {'met' if r >= goal else 'MISSED'}")
extra = "" if configs == ["salix-device", "salix-device-nocoalesce", "salix-host", "md"] else f" --configs '{' '.join(configs)}'"
extra += f" --append '{append.split(' ', 1)[1]}'" if append else ""
extra += f" --ssd-opts {ssd_opts}" if ssd_opts else ""
print(f"rerun: ./salix bench array-vs-md --runtime {runtime}{extra}")
PY
