"""Offline preview cost of the AWS cluster stack at 2, 16 and 64 nodes, and the
start-up cost of `ailab --help`.

Prints seconds per run, the per-node slope (preview cost should grow linearly
with nodes), and the ratio of `--help` to a bare `python -c pass` in the same
run (a peer, since these machines are noisy).

    uv run --no-sync python bench/bench_preview.py [--stack aws-h100-cluster]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _time_cmd(cmd: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", default="aws-h100-cluster")
    parser.add_argument("--nodes-key", default="ailab:clusterNodes")
    parser.add_argument("--nodes", default="2,16,64")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    from ailab.infra.preview import preview_stack

    preview_stack(args.stack)  # warm: imports, catalog, provider SDK modules
    print(f"first preview incl. imports: {time.perf_counter() - start:.2f} s")

    timings: dict[int, float] = {}
    for nodes in [int(n) for n in args.nodes.split(",")]:
        runs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            inv = preview_stack(args.stack, overrides={args.nodes_key: nodes})
            runs.append(time.perf_counter() - t0)
        timings[nodes] = statistics.median(runs)
        print(f"{args.stack} preview, {nodes:>3} nodes: {timings[nodes]:.3f} s "
              f"({len(inv.resources)} resources)")
    counts = sorted(timings)
    lo, hi = counts[0], counts[-1]
    slope = (timings[hi] - timings[lo]) / (hi - lo)
    mid = counts[len(counts) // 2]
    predicted = timings[lo] + slope * (mid - lo)
    print(f"per-node cost: {slope * 1000:.1f} ms; {mid}-node run vs linear prediction: "
          f"{timings[mid] / predicted:.2f}x")

    bare = _time_cmd([sys.executable, "-c", "pass"], args.repeat)
    help_s = _time_cmd([sys.executable, "-m", "ailab.cli.__main__", "--help"], args.repeat)
    print(f"python -c pass: {bare:.3f} s; ailab --help: {help_s:.3f} s "
          f"({help_s / bare:.1f}x a bare interpreter)")


if __name__ == "__main__":
    main()
