#!/usr/bin/env bash
# array-vs-md: the Salix array against Linux md RAID-5 over the same five
# salix-nvme SSDs, in one VM (guest side: guest-array-vs-md.sh).
#   tests/bench/array-vs-md.sh [--runtime SECONDS]   (./salix bench array-vs-md)
# Prints a markdown table: IOPS, bandwidth, ratio to md, and guest CPU time
# per I/O (all guest CPUs' busy time from /proc/stat over the job, divided
# by the I/Os; fio's own usr+sys per I/O beside it).
set -euo pipefail
: "${SALIX_ROOT:?run through ./salix bench}" "${SALIX_QEMU:?}" "${SALIX_GUEST:?}" "${SALIX_FIRMWARE:?}"
runtime=10
while [[ $# -gt 0 ]]; do
  case $1 in
    --runtime) runtime=$2; shift ;;
    *) echo "array-vs-md: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d /tmp/salix-bench-array.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "$runtime" >"$work/runtime"
log=${SALIX_BENCH_LOG:-$work/array-vs-md.log}
echo "[bench] array-vs-md: booting one VM with 5 SSDs (runtime ${runtime}s per job, 6 jobs)" >&2
"$SALIX_ROOT/images/salix-vm" --qemu "$SALIX_QEMU" --guest "$SALIX_GUEST" \
  --firmware "$SALIX_FIRMWARE" --ssds 5 --ssd-opts size=512M,personality=nossd \
  --job "$SALIX_ROOT/tests/bench/guest-array-vs-md.sh" \
  --job-file "$work/runtime:/salix/runtime" --log "$log" --timeout 1800 >/dev/null

python3 - "$log" "$runtime" <<'PY'
import json, re, sys
log, runtime = open(sys.argv[1], errors="replace").read(), sys.argv[2]
HZ = 100  # USER_HZ of /proc/stat

def busy(line):
    v = [int(x) for x in line.split()[1:]]
    # user nice system idle iowait irq softirq steal
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]

rows, skipped = {}, []
for m in re.finditer(r"BENCH-SKIP (.*)", log):
    skipped.append(m.group(1).strip())
for m in re.finditer(r"BENCH-JSON-BEGIN (\S+) (\S+)\n(.*?)BENCH-JSON-END", log, re.S):
    config, job, text = m.groups()
    if "BENCH-FAILED" in text or "{" not in text:
        skipped.append(f"{config} {job}: fio failed")
        continue
    before = re.search(r"STAT-BEFORE (cpu .*)", text).group(1)
    after = re.search(r"STAT-AFTER (cpu .*)", text).group(1)
    body = text[text.index("{"):text.rindex("}") + 1]
    j = json.loads(body)["jobs"][0]
    w = j["write"]
    ios = w["total_ios"]
    secs = j["elapsed"] if j.get("elapsed") else int(runtime)
    guest_us = (busy(after) - busy(before)) / HZ * 1e6 / ios if ios else float("nan")
    fio_us = (j["usr_cpu"] + j["sys_cpu"]) / 100 * (w["runtime"] / 1000) * 1e6 / ios if ios else float("nan")
    rows[(config, job)] = (w["iops"], w["bw"] / 1024, guest_us, fio_us)

print("Salix 4+1 array (fio Salix ioengine) vs Linux md RAID-5 (io_uring, direct), same five")
print(f"salix-nvme SSDs (nossd, RAM, 512 MiB), one VM (TCG, 2 vCPUs); {runtime} s per job over 256 MiB.")
print()
print("| job | config | IOPS | MiB/s | vs md | guest CPU us/IO | fio usr+sys us/IO |")
print("|---|---|---|---|---|---|---|")
for job in ["randwrite-4k-qd32", "write-64k-qd32"]:
    md = rows.get(("md", job))
    for config in ["salix-device", "salix-host", "md"]:
        r = rows.get((config, job))
        if r is None:
            print(f"| {job} | {config} | not measured | | | | |")
            continue
        ratio = f"{r[0] / md[0]:.2f}x" if md else "-"
        print(f"| {job} | {config} | {r[0]:.0f} | {r[1]:.1f} | {ratio} | {r[2]:.1f} | {r[3]:.1f} |")
for s in skipped:
    print(f"not measured: {s}")
goals = {"randwrite-4k-qd32": 2.5, "write-64k-qd32": 1.2}
for job, goal in goals.items():
    s, md = rows.get(("salix-device", job)), rows.get(("md", job))
    if s and md:
        r = s[0] / md[0]
        print(f"{job}: salix device parity / md = {r:.2f}x: goal >= {goal}x {'met' if r >= goal else 'MISSED'}")
    else:
        print(f"{job}: goal >= {goal}x not evaluated (a side was not measured)")
print(f"rerun: ./salix bench array-vs-md --runtime {runtime}")
PY
