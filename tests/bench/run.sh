#!/usr/bin/env bash
# Benchmarks. Usage: ./salix bench [nvme-vs-builtin] [--runtime SECONDS]
#
# nvme-vs-builtin: one VM with one salix-nvme SSD (personality nossd, RAM) and
# QEMU's built-in nvme device backed by a file in /dev/shm (RAM); the same fio
# jobs (4 KiB random read and write at QD32, random read at QD1; io_uring,
# direct) run against both, and the script prints IOPS, mean latency and the
# ratio salix/built-in. Guest numbers are bound by TCG: compare the ratio.
set -euo pipefail
: "${SALIX_ROOT:?run through ./salix bench}"
name=nvme-vs-builtin
runtime=10
while [[ $# -gt 0 ]]; do
  case $1 in
    nvme-vs-builtin) name=$1 ;;
    --runtime) runtime=$2; shift ;;
    *) echo "unknown benchmark argument '$1' (see tests/bench/run.sh)" >&2; exit 2 ;;
  esac
  shift
done

work=$(mktemp -d /tmp/salix-bench.XXXXXX)
ref=/dev/shm/salix-bench-ref.$$.img
trap 'rm -rf "$work" "$ref"' EXIT
truncate -s 1G "$ref"
echo "$runtime" >"$work/runtime"
log=$work/console.log
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
