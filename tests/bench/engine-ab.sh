#!/usr/bin/env bash
# engine-ab: this tree's array engine against the engine of another commit,
# in one VM, same SSDs, same fio jobs (guest side: guest-engine-ab.sh).
#   ./salix bench engine-ab --base REV [--runtime SECONDS] [--rounds N]
# The base commit's fio ioengine (libsalix-fio.so, which holds the whole
# engine) is built in a git worktree and cached under
# $SALIX_CACHE/engine-ab/<commit>; the guest gets both. Each round runs the
# 4 KiB random-write and 64 KiB sequential-write jobs of array-vs-md
# (QD32, 256 MiB) on a fresh 4+1 array with each engine, the order
# alternating between rounds, and prints IOPS and the new/base ratio per
# round and their median. The array is created and destroyed by this tree's
# salixctl, so the base must read this tree's superblock version.
# Why: within one boot, runs swing ~1.4x; comparing engines across boots
# needs many boots, within one boot a few rounds.
set -euo pipefail
: "${SALIX_ROOT:?run through ./salix bench}" "${SALIX_QEMU:?}" "${SALIX_GUEST:?}" "${SALIX_FIRMWARE:?}"
base=""
runtime=8
rounds=3
while [[ $# -gt 0 ]]; do
  case $1 in
    --base) base=$2; shift ;;
    --runtime) runtime=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    *) echo "engine-ab: unknown argument '$1' (--base REV, --runtime S, --rounds N)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n $base ]] || { echo "engine-ab: --base REV is required (the engine to compare with)" >&2; exit 2; }
[[ $runtime =~ ^[0-9]+$ && $runtime -ge 1 && $rounds =~ ^[0-9]+$ && $rounds -ge 1 ]] || {
  echo "engine-ab: --runtime and --rounds want whole numbers >= 1" >&2
  exit 2
}
rev=$(git -C "$SALIX_ROOT" rev-parse --verify --short "$base^{commit}") || {
  echo "engine-ab: '$base' is not a commit of $SALIX_ROOT" >&2
  exit 2
}
build=$SALIX_ROOT/build
cache=${SALIX_CACHE:-$HOME/.cache/salix}/engine-ab/$rev
base_lib=$cache/libsalix-fio-base.so
if [[ ! -f $base_lib ]]; then
  echo "[bench] engine-ab: building the fio ioengine of $rev (a git worktree)" >&2
  wt=$(mktemp -d /tmp/salix-engine-ab.XXXXXX)
  git -C "$SALIX_ROOT" worktree add --detach -q "$wt/src" "$rev"
  if meson setup "$wt/build" "$wt/src" >"$wt/setup.log" 2>&1 &&
     ninja -C "$wt/build" host-driver/fio/libsalix-fio.so >"$wt/ninja.log" 2>&1; then
    mkdir -p "$cache"
    cp "$wt/build/host-driver/fio/libsalix-fio.so" "$base_lib"
  else
    tail -n 20 "$wt/setup.log" "$wt/ninja.log" >&2 || true
    echo "engine-ab: building $rev's ioengine failed" >&2
  fi
  git -C "$SALIX_ROOT" worktree remove --force "$wt/src"
  rm -rf "$wt"
  [[ -f $base_lib ]] || exit 1
fi
guest=$("$SALIX_ROOT/images/build-guest.sh" --extra "$build/host-driver/salixctl" \
  --extra-lib "$build/host-driver/fio/libsalix-fio.so" --extra-lib "$base_lib" | tail -n 1)
work=$(mktemp -d /tmp/salix-engine-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "$runtime" >"$work/runtime"
echo "$rounds" >"$work/rounds"
echo "[bench] engine-ab: this tree against $rev, one VM with 5 SSDs (nossd, 512M), $rounds rounds of ${runtime}s jobs" >&2
"$SALIX_ROOT/images/salix-vm" --qemu "$SALIX_QEMU" --guest "$guest" --firmware "$SALIX_FIRMWARE" \
  --ssds 5 --ssd-opts size=512M,personality=nossd --job "$SALIX_ROOT/tests/bench/guest-engine-ab.sh" \
  --job-file "$work/runtime:/salix/runtime" --job-file "$work/rounds:/salix/rounds" \
  --log "$work/vm.log" --timeout $((rounds * runtime * 8 + 600)) >/dev/null
grep -q '^AB-DONE' "$work/vm.log" || { tail -n 30 "$work/vm.log" >&2; echo "engine-ab: the guest job did not finish" >&2; exit 1; }
python3 - "$work/vm.log" "$rev" "$runtime" "$rounds" <<'PY'
import statistics, sys
log, rev, runtime, rounds = sys.argv[1:]
runs = {}  # (round, job) -> {engine: iops}
for line in open(log, errors="replace"):
    f = line.split()
    if len(f) == 5 and f[0] == "AB":
        runs.setdefault((int(f[1]), f[3]), {})[f[2]] = float(f[4]) if f[4] != "-" else 0.0
print(f"Array engine of this tree (new) against {rev} (base), one VM: 4+1 over five salix-nvme")
print(f"SSDs (nossd, RAM, 512 MiB), fio QD32 over 256 MiB, {runtime} s per job, order alternating.\n")
print("| job | round | new IOPS | base IOPS | new / base |")
print("|---|---|---|---|---|")
ratios = {}
for (r, job), e in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    new, old = e.get("new", 0), e.get("base", 0)
    ratio = new / old if old > 0 else float("nan")
    ratios.setdefault(job, []).append(ratio)
    print(f"| {job} | {r} | {new:.0f} | {old:.0f} | {ratio:.2f}x |")
for job, rs in ratios.items():
    print(f"{job}: new / base median {statistics.median(rs):.2f}x over {len(rs)} rounds")
print(f"rerun: ./salix bench engine-ab --base {rev} --runtime {runtime} --rounds {rounds}")
PY
