"""Rank every candidate for one training job, and time SkyPilot's optimizer on the same question.

Ours: every price-table row with a known accelerator (cloud x region x instance
type) x node counts 1..64 x {on-demand, spot}, costed by ``costs.training_plans``
with the memory check, the fabric check, the efficiency model and the spot
restart model, then sorted. Target: < 1 s. The same ranking with the string
columns in pandas' default string dtype (pandas 3) is the peer for the
categorical columns the cost model uses; growth is shown at 2x, 4x and 16x the
node counts.

SkyPilot: ``sky.optimizer.Optimizer`` in-process (no API server, no launch), with
a temporary HOME whose ``~/.sky/catalogs/v8/<cloud>/vms.csv`` and
``common/accelerators.csv`` are written from a SkyPilot-format catalog directory
(SkyPilot's wheel ships none), the four clouds marked enabled, and every socket
to a non-loopback address refused. One optimizer call answers one node count
with an any-of set of every (accelerator, count) x {on-demand, spot}; the bench
times a few node counts and both per-call and full-grid (64 node counts) figures.

    python bench/bench_rank.py [--catalog-dir DIR] [--sky-nodes 1,8,64] [--no-sky] [--no-growth]
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

from ailab.costs.spot import bucket_rate  # noqa: E402
from ailab.costs.training import TrainingJob  # noqa: E402
from ailab.costs.training_plans import (  # noqa: E402
    SpotPolicy,
    evaluate_candidates,
    expand_nodes,
    priced_rows,
)

JOB = TrainingJob(params=7e9, tokens=2e11)
NODE_COUNTS = np.arange(1, 65)
LOCAL = ("127.0.0.1", "::1", "localhost")
FILES = {"aws": "aws_vms_accel.csv", "gcp": "gcp_vms_accel.csv", "lambda": "lambda_vms.csv",
         "nebius": "nebius_vms.csv"}


def rank_ours(node_counts: np.ndarray, rows: pd.DataFrame | None = None,
              repeats: int = 5) -> tuple[int, int, float, Any]:
    """(candidates, feasible, median seconds, cheapest row) over the grid."""
    rows = priced_rows() if rows is None else rows
    spot = SpotPolicy(bucket_rate("5-10%"))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        grid = expand_nodes(rows, node_counts)
        ranked = evaluate_candidates(grid, JOB, spot)
        times.append(time.perf_counter() - start)
    return len(grid) * 2, len(ranked), statistics.median(times), ranked.iloc[0]


def string_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The same rows with every categorical column in pandas' default string dtype."""
    cats = [c for c in rows.columns if isinstance(rows[c].dtype, pd.CategoricalDtype)]
    return rows.astype({c: "str" for c in cats})


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
    rows = priced_rows()
    return rows[~rows["accelerator"].astype(str).str.startswith("tpu-")].reset_index(drop=True)


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

    from sky import sky_logging

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
            with sky_logging.silent():  # no encoded status lines on stdout
                optimizer.optimize(dag, quiet=True)
            calls.append((nodes, time.perf_counter() - start, str(task.best_resources)))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return {"import_s": import_s, "resources": len(resources), "calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = Path(__file__).resolve().parents[2] / "shared" / "data" / "catalog-v8"
    parser.add_argument("--catalog-dir", type=Path, default=default_dir)
    parser.add_argument("--sky-nodes", default="1,8,64")
    parser.add_argument("--no-sky", action="store_true")
    parser.add_argument("--no-growth", action="store_true")
    args = parser.parse_args()
    _guard_network()

    rows = priced_rows()
    candidates, feasible, seconds, best = rank_ours(NODE_COUNTS, rows)
    print(f"ours: {candidates:,} candidates ({feasible:,} feasible) ranked in "
          f"{seconds * 1000:.0f} ms (median of 5); target < 1000 ms: "
          f"{'met' if seconds < 1.0 else 'MISSED'}")
    print(f"  cheapest: {best['cloud']} {best['region']} {best['instance_type']} x{best['nodes']} "
          f"{'spot' if best['spot'] else 'on-demand'} ${best['cost_usd']:,.0f} "
          f"in {best['wall_hours']:,.1f} h")
    _, _, plain, _ = rank_ours(NODE_COUNTS, string_rows(rows))
    print(f"peer, pandas {pd.__version__} default string dtype: {plain * 1000:.0f} ms "
          f"(categorical is {plain / seconds:.2f}x faster)")
    if not args.no_growth:
        for factor in (2, 4, 16):
            counts = np.arange(1, len(NODE_COUNTS) * factor + 1)
            n, _, secs, _ = rank_ours(counts, rows, repeats=1 if factor > 4 else 3)
            print(f"  growth {factor}x ({n:,} candidates): {secs * 1000:.0f} ms "
                  f"({secs / seconds:.1f}x the time)")
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
