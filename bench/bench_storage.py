"""Tiered-storage simulation: 10 million objects over 36 months, every tiering.

Times ``costs.storage.estimate_storage`` (Standard, the configured lifecycle,
Intelligent-Tiering or Autoclass, and the search over every candidate lifecycle
schedule) for an AWS and a GCP bucket of 10 million objects with three size
classes, 4 % monthly growth and age-banded reads. Target: under 2 s each.

Peer in the same run: the same scenario with 10 objects. The model simulates
cohorts, not objects, so the ratio should stay near 1.0; a per-object model
would be a million times slower. A second peer, 360 months, shows how the cost
grows with the horizon instead.

    uv run --no-sync python bench/bench_storage.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from ailab.costs.storage import estimate_storage
from ailab.costs.storage_scenario import StorageScenario


def _scenario(cloud: str, objects: float, months: int) -> StorageScenario:
    data: dict[str, Any] = {
        "name": f"bench-{cloud}", "cloud": cloud,
        "region": "us-east-1" if cloud == "aws" else "us-central1",
        "months": months, "objects": objects, "growth_per_month": 0.04,
        "size_distribution": [{"size_kb": 32, "fraction": 0.2},
                              {"size_kb": 512, "fraction": 0.5},
                              {"size_kb": 65536, "fraction": 0.3}],
        "access": [{"after_days": 0, "read_fraction": 1.0},
                   {"after_days": 30, "read_fraction": 0.05},
                   {"after_days": 90, "read_fraction": 0.0}],
        "expire_after_days": 900,
    }
    return StorageScenario.model_validate(data)


def _time(sc: StorageScenario, repeat: int) -> tuple[float, int, int]:
    runs = []
    est = estimate_storage(sc)  # warm the price-table cache
    for _ in range(repeat):
        start = time.perf_counter()
        est = estimate_storage(sc)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), len(est.tierings), est.searched_lifecycles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for cloud in ("aws", "gcp"):
        big, shown, searched = _time(_scenario(cloud, 1e7, 36), args.repeat)
        tiny, _, _ = _time(_scenario(cloud, 10, 36), args.repeat)
        long, _, _ = _time(_scenario(cloud, 1e7, 360), args.repeat)
        print(f"{cloud}: 10M objects x 36 months, {shown} tierings reported + {searched} "
              f"lifecycles searched: {big * 1000:.1f} ms (target < 2000 ms) "
              f"{'OK' if big < 2 else 'SLOW'}")
        print(f"{cloud}:   peer 10 objects x 36 months: {tiny * 1000:.1f} ms, "
              f"ratio 10M/10 = {big / tiny:.2f}")
        print(f"{cloud}:   peer 10M objects x 360 months: {long * 1000:.1f} ms, "
              f"ratio 360/36 months = {long / big:.2f}")


if __name__ == "__main__":
    main()
