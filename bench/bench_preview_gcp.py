"""Offline preview cost of the GCP A3 cluster stack at 2, 16 and 64 nodes, next
to the AWS cluster stack at the same node counts in the same run.

Prints seconds per preview (median of --repeat runs), resources declared, the
per-node slope of each cloud, and the GCP/AWS ratio per node count: the GCP
cluster must stay within the AWS cluster's time bound.

    uv run --no-sync python bench/bench_preview_gcp.py [--nodes 2,16,64] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

STACKS = {"gcp": "gcp-a3-cluster", "aws": "aws-h100-cluster"}
NODES_KEY = "ailab:clusterNodes"


def _median_preview(stack: str, nodes: int, repeat: int) -> tuple[float, int]:
    from ailab.infra.preview import preview_stack

    runs, count = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        inv = preview_stack(stack, overrides={NODES_KEY: nodes})
        runs.append(time.perf_counter() - t0)
        count = len(inv.resources)
    return statistics.median(runs), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", default="2,16,64")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from ailab.infra.preview import preview_stack
    from ailab.infra.stacks import stacks_dir

    clouds = {c: s for c, s in STACKS.items() if (stacks_dir() / f"Pulumi.{s}.yaml").is_file()}
    for stack in clouds.values():
        preview_stack(stack)  # warm: imports, catalog, provider SDK modules
    counts = [int(n) for n in args.nodes.split(",")]
    timings: dict[str, dict[int, float]] = {c: {} for c in clouds}
    for nodes in counts:
        for cloud, stack in clouds.items():
            secs, resources = _median_preview(stack, nodes, args.repeat)
            timings[cloud][nodes] = secs
            print(f"{stack:<18} {nodes:>3} nodes: {secs:.3f} s ({resources} resources)")
        if "aws" in timings:
            print(f"  gcp/aws at {nodes} nodes: "
                  f"{timings['gcp'][nodes] / timings['aws'][nodes]:.2f}x")
    lo, hi = counts[0], counts[-1]
    for cloud, times in timings.items():
        slope = (times[hi] - times[lo]) / (hi - lo)
        print(f"{clouds[cloud]} per-node cost: {slope * 1000:.1f} ms")
    if "aws" not in timings:
        print(f"(no {STACKS['aws']} stack in {Path(stacks_dir())}: GCP figures only)")


if __name__ == "__main__":
    main()
