#!/usr/bin/env bash
# Benchmarks. Usage: ./salix bench [nvme-vs-builtin|ftl-latency|array-vs-md|all]
# [--runtime SECONDS] (default all, in that order). array-vs-md also takes
# --configs, --append, --ssd-opts, --fio-args, --boots, --rounds, --qemu-arg
# and --plot (see tests/bench/array-vs-md.sh).
#
# nvme-vs-builtin: one VM with one salix-nvme SSD (personality nossd, RAM) and
# QEMU's built-in nvme device backed by a file in /dev/shm (RAM); the same fio
# jobs (4 KiB random read and write at QD32, random read at QD1; io_uring,
# direct) run against both, and the script prints IOPS, mean latency and the
# ratio salix/built-in. Guest numbers are bound by TCG: compare the ratio.
#
# ftl-latency: one VM with two personality=ftl SSDs (tlc-datacenter) that differ
# only in timing.mode (realtime / off). QD1 4 KiB random reads over a
# preconditioned 256 MiB on both: realtime minus off is the latency the timing
# model added, compared with the model's isolated 4 KiB read (80.446 us); then
# the completion lateness (posted - due; p50/p99 from the statistics page's
# histogram, the difference of two snapshots) at QD1 and QD32 on realtime.
#
# array-vs-md: one VM with five salix-nvme SSDs (nossd, RAM); a Salix 4+1
# array with device parity, then host parity, through the fio ioengine, then
# Linux md RAID-5 over the same five SSDs (tests/bench/array-vs-md.sh).
#
# engine-ab --base REV [--runtime S] [--rounds N]: this tree's array engine
# against another commit's in one VM (tests/bench/engine-ab.sh); run alone.
set -euo pipefail
: "${SALIX_ROOT:?run through ./salix bench}"
if [[ ${1:-} == engine-ab ]]; then
  shift
  exec "$SALIX_ROOT/tests/bench/engine-ab.sh" "$@"
fi
names=()
runtime=10
array_args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    nvme-vs-builtin | ftl-latency | array-vs-md) names+=("$1") ;;
    all) names+=(nvme-vs-builtin ftl-latency array-vs-md) ;;
    --runtime) runtime=$2; shift ;;
    --configs | --append | --ssd-opts | --fio-args | --boots | --rounds | --qemu-arg | --plot) array_args+=("$1" "$2"); shift ;;
    *) echo "unknown benchmark argument '$1' (see tests/bench/run.sh)" >&2; exit 2 ;;
  esac
  shift
done
[[ ${#names[@]} -gt 0 ]] || names=(nvme-vs-builtin ftl-latency array-vs-md)
[[ $runtime =~ ^[0-9]+$ && $runtime -ge 1 ]] || {
  echo "--runtime wants whole seconds, got '$runtime'" >&2
  exit 2
}

work=$(mktemp -d /tmp/salix-bench.XXXXXX)
ref=/dev/shm/salix-bench-ref.$$.img
trap 'rm -rf "$work" "$ref"' EXIT
echo "$runtime" >"$work/runtime"

bench_nvme_vs_builtin() {
  local name=nvme-vs-builtin log=$work/nvme-vs-builtin.log
  truncate -s 1G "$ref"
  echo "[bench] $name: booting one VM (runtime ${runtime}s per job)" >&2
  "$SALIX_ROOT/images/salix-vm" --qemu "$SALIX_QEMU" --guest "$SALIX_GUEST" \
    --firmware "$SALIX_FIRMWARE" --ssds 1 --ssd-opts size=1G,personality=nossd \
    --qemu-arg -drive --qemu-arg "file=$ref,if=none,id=ref0,format=raw" \
    --qemu-arg -device --qemu-arg nvme,drive=ref0,serial=REF0 \
    --expect-nvme 2 --job "$SALIX_ROOT/tests/bench/guest-nvme-vs-builtin.sh" \
    --job-file "$work/runtime:/salix/runtime" --log "$log" --timeout 1200 >/dev/null

python3 - "$log" "$runtime" <<'PY'
import json, re, sys
log, runtime = open(sys.argv[1], errors="replace").read(), sys.argv[2]
rows = {}
for m in re.finditer(r"BENCH-JSON-BEGIN (\S+) (\S+) (\S+)\n(.*?)BENCH-JSON-END", log, re.S):
    dev, rw, qd, text = m.groups()
    job = json.loads(text[text.index("{"):])["jobs"][0]
    side = job["read"] if "read" in rw else job["write"]
    rows[(rw, qd, dev)] = (side["iops"], side["clat_ns"]["mean"] / 1000.0)
if len(rows) != 6:
    sys.exit(f"expected 6 fio results in the console log, found {len(rows)}")
print(f"salix-nvme (nossd, RAM) vs QEMU built-in nvme (raw file in /dev/shm), same VM, TCG")
print(f"| job | salix IOPS | built-in IOPS | ratio | salix mean lat (us) | built-in mean lat (us) |")
print(f"|---|---|---|---|---|---|")
for rw, qd in [("randread", "32"), ("randwrite", "32"), ("randread", "1")]:
    s, b = rows[(rw, qd, "salix")], rows[(rw, qd, "builtin")]
    print(f"| 4 KiB {rw} QD{qd} | {s[0]:.0f} | {b[0]:.0f} | {s[0]/b[0]:.2f}x | {s[1]:.1f} | {b[1]:.1f} |")
print(f"rerun: ./salix bench nvme-vs-builtin --runtime {runtime}")
PY
  rm -f "$ref"
}

bench_ftl_latency() {
  local log=$work/ftl-latency.log
  local opts=size=1G,personality=ftl,flash.profile=tlc-datacenter
  echo "[bench] ftl-latency: booting one VM (runtime ${runtime}s per job)" >&2
  "$SALIX_ROOT/images/salix-vm" --qemu "$SALIX_QEMU" --guest "$SALIX_GUEST" \
    --firmware "$SALIX_FIRMWARE" --ssds 2 --ssd-opts "$opts" \
    --ssd 0:timing.mode=realtime --ssd 1:timing.mode=off \
    --job "$SALIX_ROOT/tests/bench/guest-ftl-latency.sh" \
    --job-file "$work/runtime:/salix/runtime" --log "$log" --timeout 1200 >/dev/null

python3 - "$log" "$runtime" <<'PY'
import json, re, sys
log, runtime = open(sys.argv[1], errors="replace").read(), sys.argv[2]
# The model's isolated 4 KiB read on tlc-datacenter (firmware/flash/profiles.cc):
# firmware overhead + tR + channel transfer + PCIe transfer.
MODEL_NS = 20_000 + 50_000 + 4096 / 450e6 * 1e9 + 4096 / 3050e6 * 1e9
GOAL = 0.05

fio = {}
for m in re.finditer(r"BENCH-JSON-BEGIN (\S+) (\S+)\n(.*?)BENCH-JSON-END", log, re.S):
    name, qd, text = m.groups()
    read = json.loads(text[text.index("{"):])["jobs"][0]["read"]
    fio[(name, qd)] = read
stats = {}
for m in re.finditer(r"BENCH-STATS-BEGIN (\S+)\n(.*?)BENCH-STATS-END", log, re.S):
    label, text = m.groups()
    stats[label] = json.loads(text[text.index("{"):])
if len(fio) != 3 or len(stats) != 6:
    sys.exit(f"expected 3 fio results and 6 stats snapshots in {sys.argv[1]}, "
             f"found {len(fio)} and {len(stats)}")

def quantile(hist, q, max_ns):
    """q-quantile from [(low, high, count)], as salixctl estimates it."""
    total = sum(c for _, _, c in hist)
    if total == 0:
        return 0.0
    rank, below = q * total, 0
    for low, high, n in sorted(hist):
        if n == 0 or below + n < rank:
            below += n
            continue
        high = max(low, max_ns) if high is None else high
        return min(low + (high - low) * (rank - below) / n, max_ns)
    return float(max_ns)

def lateness(label):
    """Lateness over one fio run: the difference of two snapshots."""
    a, b = stats[label + "-before"]["lateness"], stats[label + "-after"]["lateness"]
    before = {h["low_ns"]: h["count"] for h in a["histogram"]}
    hist = [(h["low_ns"], h["high_ns"], h["count"] - before.get(h["low_ns"], 0))
            for h in b["histogram"]]
    n = b["samples"] - a["samples"]
    mean = (b["sum_ns"] - a["sum_ns"]) / n if n else 0
    # max_ns is cumulative: only an upper bound for this run's maximum.
    return n, mean, quantile(hist, 0.50, b["max_ns"]), quantile(hist, 0.99, b["max_ns"])

us = lambda ns: ns / 1000.0
rt, off = fio[("rt", "1")], fio[("off", "1")]
print("FTL timing in a VM: two personality=ftl SSDs (tlc-datacenter, 1 GiB), timing.mode")
print(f"realtime vs off, same VM (TCG); fio 4 KiB randread, io_uring, direct, {runtime} s each")
print("over a preconditioned 256 MiB.")
print()
print("| QD1 4 KiB randread | realtime | off | realtime - off | model | difference/model |")
print("|---|---|---|---|---|---|")
verdicts = []
for what, get in [("mean completion latency (us)", lambda r: r["clat_ns"]["mean"]),
                  ("p50 completion latency (us)", lambda r: r["clat_ns"]["percentile"]["50.000000"])]:
    d = get(rt) - get(off)
    err = d / MODEL_NS - 1
    verdicts.append((what.split()[0], d, err))
    print(f"| {what} | {us(get(rt)):.1f} | {us(get(off)):.1f} | {us(d):.1f} | "
          f"{us(MODEL_NS):.3f} | {100 * (1 + err):.1f}% |")
print(f"| IOPS | {rt['iops']:.0f} | {off['iops']:.0f} | | | |")
print()
for what, d, err in verdicts:
    ok = abs(err) <= GOAL
    print(f"{what}: realtime - off = {us(d):.1f} us, {100 * err:+.1f}% from the model's "
          f"{us(MODEL_NS):.3f} us: goal (within {100 * GOAL:.0f}%) "
          f"{'met' if ok else 'MISSED'}")
print()
print("| completion lateness (posted - due) | completions | mean (us) | p50 (us) | p99 (us) | fio mean clat (us) |")
print("|---|---|---|---|---|---|")
for label, title in [("rt-qd1", "realtime, QD1"), ("rt-qd32", "realtime, QD32"),
                     ("off-qd1", "off, QD1 (due at once)")]:
    n, mean, p50, p99 = lateness(label)
    name, qd = label.split("-qd")
    print(f"| {title} | {n} | {us(mean):.1f} | {us(p50):.1f} | {us(p99):.1f} | "
          f"{us(fio[(name, qd)]['clat_ns']['mean']):.1f} |")
print("(p50/p99 are estimated inside power-of-two histogram buckets, as salixctl stats does)")
print(f"rerun: ./salix bench ftl-latency --runtime {runtime}")
PY
}

for n in "${names[@]}"; do
  case $n in
    nvme-vs-builtin) bench_nvme_vs_builtin ;;
    ftl-latency) bench_ftl_latency ;;
    array-vs-md) "$SALIX_ROOT/tests/bench/array-vs-md.sh" --runtime "$runtime" "${array_args[@]}" ;;
  esac
done
