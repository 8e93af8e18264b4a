"""Rank every candidate for one training job, and time SkyPilot's optimizer on the same question.

Ours: every price-table row with a known accelerator (cloud x region x instance
type) x node counts 1..64 x {on-demand, spot}, costed by ``costs.training`` with
the memory check, scaling and the spot restart model, then sorted. Target: < 1 s.

SkyPilot: ``sky.optimizer.Optimizer`` in-process (no API server, no launch), with
a temporary HOME whose ``~/.sky/catalogs/v8/<cloud>/vms.csv`` and
``common/accelerators.csv`` are written from a SkyPilot-format catalog directory
(SkyPilot's wheel ships none), the four clouds marked enabled, and every socket
to a non-loopback address refused. One optimizer call answers one node count
with an any-of set of every (accelerator, count) x {on-demand, spot}; the bench
times a few node counts and both per-call and full-grid (64 node counts) figures.

    python bench/bench_rank.py [--catalog-dir DIR] [--sky-nodes 1,8,64] [--no-sky]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ailab.costs.catalog import with_accelerators  # noqa: E402
from ailab.costs.spot import bucket_rate  # noqa: E402
from ailab.costs.training import SpotPolicy, TrainingJob, evaluate_candidates, expand_nodes  # noqa: E402

JOB = TrainingJob(params=7e9, tokens=2e11)
NODE_COUNTS = np.arange(1, 65)
LOCAL = ("127.0.0.1", "::1", "localhost")
FILES = {"aws": "aws_vms_accel.csv", "gcp": "gcp_vms_accel.csv", "lambda": "lambda_vms.csv",
         "nebius": "nebius_vms.csv"}


def rank_ours(node_counts: np.ndarray, rows: pd.DataFrame | None = None,
              repeats: int = 5) -> tuple[int, int, float, Any]:
    """(candidates, feasible, median seconds, cheapest row) over the grid."""
    from ailab.costs.accelerators import accelerators

    rows = with_accelerators() if rows is None else rows
    mfu = {name: acc.default_mfu for name, acc in accelerators().items()}
    spot = SpotPolicy(bucket_rate("5-10%"))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        grid = expand_nodes(rows, node_counts)
        ranked = evaluate_candidates(grid, JOB, mfu, spot)
        times.append(time.perf_counter() - start)
    return len(grid) * 2, len(ranked), statistics.median(times), ranked.iloc[0]


def _guard_network() -> None:
    """Refuse DNS and connections to anything but loopback: nothing leaves this machine."""
    connect, resolve = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and address[0] not in LOCAL:
            raise OSError(f"network disabled in bench: {address[0]}")
        return connect(self, address)

    def guarded_resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOCAL:
            raise OSError(f"network disabled in bench: {host}")
        return resolve(host, *args, **kwargs)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = guarded_resolve


def _sky_home(catalog_dir: Path) -> Path:
    home = Path(tempfile.mkdtemp(prefix="ailab-bench-sky-"))
    root = home / ".sky" / "catalogs" / "v8"
    for cloud, name in FILES.items():
        (root / cloud).mkdir(parents=True)
        frame = pd.read_csv(catalog_dir / name)
        # SkyPilot asserts one row per instance type and zone; the snapshot repeats some.
        keys = [c for c in ("InstanceType", "AcceleratorName", "AcceleratorCount", "Region",
                            "AvailabilityZone") if c in frame.columns]
        frame.drop_duplicates(subset=keys).to_csv(root / cloud / "vms.csv", index=False)
    (root / "common").mkdir()
    shutil.copy(catalog_dir / "accelerators.csv", root / "common" / "accelerators.csv")
    return home


def _sky_setup(catalog_dir: Path) -> tuple[Any, Any, list[Any], Path]:
    home = _sky_home(catalog_dir)
    os.environ["HOME"] = str(home)
    os.environ["SKYPILOT_DISABLE_USAGE_COLLECTION"] = "1"
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(var, None)
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.environ["AWS_CONFIG_FILE"] = os.devnull
    import sky
    import sky.optimizer as sky_optimizer
    from sky import clouds

    enabled = [clouds.AWS(), clouds.GCP(), clouds.Lambda(), clouds.Nebius()]
    sky_optimizer.sky_check.get_cached_enabled_clouds_or_refresh = (  # type: ignore[assignment]
        lambda *args, **kwargs: enabled)
    return sky, sky_optimizer.Optimizer, enabled, home


def gpu_rows() -> pd.DataFrame:
    """GPU rows only: the question SkyPilot's optimizer can answer for multi-node tasks."""
    rows = with_accelerators()
    return rows[~rows["accelerator"].str.startswith("tpu-")].reset_index(drop=True)


def _sky_resources(sky: Any) -> set[Any]:
    """Every (GPU, count per instance) the table prices, on-demand and spot."""
    rows = gpu_rows()
    pairs = set(zip(rows["accelerator"], rows["accelerator_count"].astype(int), strict=True))
    return {sky.Resources(accelerators={name: count}, use_spot=spot)
            for name, count in sorted(pairs) for spot in (False, True)}


def time_sky(catalog_dir: Path, node_counts: list[int]) -> dict[str, Any]:
    """Per-call optimizer time for each node count (the first call also loads catalogs)."""
    start = time.perf_counter()
    sky, optimizer, _, home = _sky_setup(catalog_dir)
    import logging

    logging.getLogger("sky").setLevel(logging.ERROR)
    import_s = time.perf_counter() - start
    resources = _sky_resources(sky)
    calls = []
    try:
        for nodes in node_counts:
            with sky.Dag() as dag:
                task = sky.Task(run="true", num_nodes=nodes)
                task.set_resources(resources)
            start = time.perf_counter()
            optimizer.optimize(dag, quiet=True)
            calls.append((nodes, time.perf_counter() - start, str(task.best_resources)))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {"import_s": import_s, "resources": len(resources), "calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog"
    parser.add_argument("--catalog-dir", type=Path, default=default_dir)
    parser.add_argument("--sky-nodes", default="1,8,64")
    parser.add_argument("--no-sky", action="store_true")
    args = parser.parse_args()
    _guard_network()

    candidates, feasible, seconds, best = rank_ours(NODE_COUNTS)
    print(f"ours: {candidates:,} candidates ({feasible:,} feasible) ranked in "
          f"{seconds * 1000:.0f} ms (median of 5); target < 1000 ms: "
          f"{'met' if seconds < 1.0 else 'MISSED'}")
    print(f"  cheapest: {best['cloud']} {best['region']} {best['instance_type']} x{best['nodes']} "
          f"{'spot' if best['spot'] else 'on-demand'} ${best['cost_usd']:,.0f} "
          f"in {best['wall_hours']:,.1f} h")
    if args.no_sky:
        return
    if not args.catalog_dir.is_dir():
        print(f"skypilot: skipped, no catalog directory at {args.catalog_dir}")
        return
    nodes = [int(n) for n in args.sky_nodes.split(",")]
    sky = time_sky(args.catalog_dir, nodes)
    print(f"skypilot: import + setup {sky['import_s']:.2f} s; any-of set of "
          f"{sky['resources']} resources per call")
    for count, secs, best_res in sky["calls"]:
        print(f"  num_nodes={count}: {secs:.2f} s -> {best_res}")
    warm = [secs for _, secs, _ in sky["calls"][1:]] or [sky["calls"][0][1]]
    per_call = statistics.median(warm)
    _, _, ours_subset, mine = rank_ours(np.array(nodes), gpu_rows())
    print(f"  ours on the same GPU rows: {mine['cloud']} {mine['instance_type']} "
          f"{'[Spot]' if mine['spot'] else ''} x{mine['nodes']}")
    print(f"same GPU question, ours: {ours_subset * 1000:.1f} ms for {len(nodes)} node counts; "
          f"skypilot median warm call {per_call:.2f} s "
          f"(ratio {per_call * len(nodes) / ours_subset:,.0f}x)")
    print(f"full grid ({len(NODE_COUNTS)} node counts): ours {seconds:.3f} s, skypilot "
          f"~{per_call * len(NODE_COUNTS):.0f} s extrapolated from warm calls "
          f"(ratio ~{per_call * len(NODE_COUNTS) / seconds:,.0f}x)")


if __name__ == "__main__":
    main()
