#!/usr/bin/env bash
# sim-waf-vs-op.sh - write amplification against over-provisioning for the
# greedy, cost-benefit and FIFO GC policies under uniform random 4 KiB writes,
# measured with the simulator (metadata-only store, virtual clock).
#
# usage: tests/bench/sim-waf-vs-op.sh [--capacity 4G] [--writes 2]
#          [--op "5 7 10 15 20 30 40 50"] [--gc "greedy cost-benefit fifo"]
#          [--seed 1] [--plot docs/img/waf-vs-op.png] [--sim PATH] [-- EXTRA SIM ARGS]
#
# Each point is one salix-sim run: the namespace is filled sequentially once
# (preconditioning), then --writes times its capacity is written at random;
# WAF is NAND pages programmed / host pages written over the second half of
# that measured phase (steady_waf: the transient after the fill is over); the
# whole phase's figure is printed beside it.
# Prints a Markdown table (one row per OP, one column per policy) with the
# command of every point, and draws the plot (python3-matplotlib).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
capacity=4G
writes=2
ops="5 7 10 15 20 30 40 50"
policies="greedy cost-benefit fifo"
seed=1
plot=$root/docs/img/waf-vs-op.png
sim=${SALIX_SIM:-$root/build/firmware/sim/salix-sim}
extra=()
cmdline=$(printf "%q " "$0" "$@")
cmdline=${cmdline% }
while [[ $# -gt 0 ]]; do
  case $1 in
    --capacity) capacity=$2; shift ;;
    --writes) writes=$2; shift ;;
    --op) ops=$2; shift ;;
    --gc) policies=$2; shift ;;
    --seed) seed=$2; shift ;;
    --plot) plot=$2; shift ;;
    --sim) sim=$2; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "sim-waf-vs-op: unknown argument '$1' (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
[[ -x $sim ]] || {
  echo "sim-waf-vs-op: no simulator at $sim; build it (./salix sim --help, or ninja -C build) or pass --sim PATH" >&2
  exit 1
}
python=python3
[[ -x /usr/bin/python3 ]] && python=/usr/bin/python3

work=$(mktemp -d /tmp/salix-waf-vs-op.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "[bench] $cmdline" >&2
echo "[bench] simulator $sim, capacity $capacity, $writes x capacity of uniform random 4 KiB writes per point" >&2

for op in $ops; do
  for gc in $policies; do
    args=(--capacity "$capacity" --op-percent "$op" --gc "$gc" --workload uniform
      --writes "$writes" --seed "$seed" --progress off --json "${extra[@]}")
    echo "[bench] OP $op% $gc: salix-sim ${args[*]}" >&2
    "$sim" "${args[@]}" >"$work/op$op-$gc.json" 2>"$work/op$op-$gc.err" || {
      cat "$work/op$op-$gc.err" >&2
      echo "sim-waf-vs-op: the run for OP $op% $gc failed (above)" >&2
      exit 1
    }
  done
done

"$python" - "$work" "$plot" "$cmdline" "$ops" "$policies" <<'PY'
import glob, json, os, sys
work, plot, cmdline, ops, policies = sys.argv[1:6]
ops = [int(o) for o in ops.split()]
policies = policies.split()
runs = {}
for path in glob.glob(os.path.join(work, "*.json")):
    r = json.load(open(path))
    runs[(r["op_percent"], r["gc_policy"])] = r
any_run = next(iter(runs.values()))
print(f"WAF vs over-provisioning, uniform random 4 KiB writes, {any_run['capacity_bytes'] / 2**30:g} GiB "
      f"{any_run['personality']} ({any_run['profile']}, {any_run['store']} store), "
      f"{any_run['writes_multiple']:g} x capacity after a sequential fill, seed {any_run['seed']}")
print()
print("Steady-state WAF (second half of the measured phase); in brackets the whole phase.")
print()
print("| OP % | " + " | ".join(policies) + " |")
print("|---|" + "---|" * len(policies))
for op in ops:
    cells = []
    for gc in policies:
        r = runs.get((op, gc))
        cells.append(f"{r['steady_waf']:.2f} ({r['waf']:.2f})"
                     if r and r["steady_waf"] is not None else "-")
    print(f"| {op} | " + " | ".join(cells) + " |")
print()
print("Each point reruns with:")
for op in ops:
    for gc in policies:
        r = runs.get((op, gc))
        if r:
            print(f"- OP {op}% {gc}: `{r['command']}` "
                  f"({r['wall_seconds']:.1f} s wall, {r['host_ops_per_wall_second']:.0f} host ops/s)")
print()
print(f"rerun all: {cmdline}")
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("sim-waf-vs-op: matplotlib missing, no plot; install python3-matplotlib (./salix deps)")
fig, ax = plt.subplots(figsize=(7, 4.2))
for gc in policies:
    xs = [op for op in ops if (op, gc) in runs]
    ax.plot(xs, [runs[(op, gc)]["steady_waf"] for op in xs], marker="o", label=gc)
ax.set_xlabel("over-provisioning (%)")
ax.set_ylabel("write amplification (steady state)")
ax.set_title(f"Salix ftl, uniform random 4 KiB writes, {any_run['capacity_bytes'] / 2**30:g} GiB, "
             f"{any_run['writes_multiple']:g}x capacity", fontsize=9)
ax.grid(alpha=0.3)
ax.legend()
fig.tight_layout()
os.makedirs(os.path.dirname(os.path.abspath(plot)), exist_ok=True)
fig.savefig(plot, dpi=110)
print(f"plot: {plot}", file=sys.stderr)
PY
