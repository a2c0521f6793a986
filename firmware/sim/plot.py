#!/usr/bin/env python3
"""plot.py - draw a salix-sim run: throughput, WAF and GC over simulated time.

usage: plot.py RUN.json OUT.png     (RUN.json: the output of salix-sim --json)

salix-sim --plot OUT.png calls this itself. Needs python3-matplotlib
(./salix deps installs it).
"""
import json
import sys


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    with open(argv[1]) as f:
        run = json.load(f)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot.py: matplotlib is missing; install python3-matplotlib (./salix deps)")

    ts = run.get("timeseries") or []
    if not ts:
        sys.exit("plot.py: the run has no time series to plot")
    t = [s["sim_seconds"] for s in ts]
    iops = [s["iops"] / 1e3 for s in ts]
    waf = [s["waf"] for s in ts]
    gc_pages = [s["gc_pages_moved"] for s in ts]
    # GC pages moved per interval, so bursts show as bursts.
    gc_rate = [b - a for a, b in zip([0] + gc_pages[:-1], gc_pages)]

    panels = 3 if any(w is not None for w in waf) else 1
    fig, axes = plt.subplots(panels, 1, sharex=True, figsize=(8, 2.4 * panels + 0.6))
    axes = axes if panels > 1 else [axes]
    axes[0].plot(t, iops, color="tab:blue")
    axes[0].set_ylabel("kIOPS")
    axes[0].grid(alpha=0.3)
    if panels > 1:
        axes[1].plot(t, waf, color="tab:red")
        axes[1].set_ylabel("WAF (cumulative)")
        axes[1].grid(alpha=0.3)
        axes[2].plot(t, gc_rate, color="tab:green")
        axes[2].set_ylabel("GC pages moved\nper sample")
        axes[2].grid(alpha=0.3)
    axes[-1].set_xlabel("simulated time (s)")
    cap = run.get("capacity_bytes", 0) / 2**30
    title = "{} {:.3g} GiB, OP {}%, GC {}, {} ({} store), seed {}".format(
        run.get("personality"), cap, run.get("op_percent"), run.get("gc_policy"),
        run.get("workload"), run.get("store"), run.get("seed"))
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(argv[2], dpi=110)


if __name__ == "__main__":
    main(sys.argv)
