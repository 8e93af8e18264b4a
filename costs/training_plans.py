"""Priced training plans: clusters that could run the job, their wall time, cost and range.

A candidate is a price-table row (cloud, region, instance type) at a node count.
It must be a cluster that could run the job:

- its accelerators' memory holds the model with Adam states (``training.min_gpus``);
- a job on more than one node needs a scale-out fabric on that instance type
  (``costs.network``: EFA, InfiniBand, GPUDirect-TCPX/TCPXO, RDMA, or DCN between
  TPU slices). Types without one are left out, unless the caller allows a slow
  network: then the plan pays ``slow_network_per_doubling`` per doubling of nodes
  and carries a warning;
- its accelerator is the part the instance really has: Lambda's
  ``gpu_1x_h100_pcie`` is an H100 PCIe (756 dense TFLOP/s), not the SXM part;
- a TPU slice is one unit: a job on two v4-3072 slices is two units over DCN,
  however many chips each slice has.

Wall time and GPU-hours come from ``costs.efficiency``; spot plans add the
expected restart overhead (``costs.spot``). String columns are categorical so
that ranking hundreds of thousands of candidates stays fast under pandas 3's
default string dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ailab.costs import efficiency
from ailab.costs.accelerators import accelerators
from ailab.costs.network import network_columns
from ailab.costs.training import (
    BYTES_PER_PARAM,
    GIB,
    USABLE_MEMORY,
    MfuChoice,
    TrainingJob,
    checkpoint_hours,
    hidden_size,
    restart_hours,
    total_flops,
)

CATEGORIES = ("cloud", "region", "instance_type", "gpu", "accelerator", "zones", "source",
              "as_of", "in_node", "fabric")
SLOW_NETWORK_WARNING = "no fabric: plain TCP/IP between nodes, slow-network penalty applied"


@dataclass(frozen=True)
class SpotPolicy:
    """How spot candidates are costed: per-instance interruption rate and overrides."""

    rate_per_instance_h: float
    checkpoint_h: float | None = None
    restart_h: float | None = None
    interval_h: float | None = None


def as_categories(rows: pd.DataFrame) -> pd.DataFrame:
    """The string columns as categoricals: ranking copies codes, not Python strings."""
    present = {c: "category" for c in CATEGORIES if c in rows.columns}
    return rows.astype(present)


def priced_rows(prices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Price rows with a known accelerator (the real part), and their network facts."""
    from ailab.costs.catalog import with_accelerators

    rows = with_accelerators(prices)
    net = network_columns(rows)
    rows = rows.assign(in_node=net["in_node"].to_numpy(), fabric=net["fabric"].to_numpy(),
                       fabric_gbps=net["fabric_gbps"].to_numpy(),
                       multi_node=net["multi_node"].to_numpy(bool))
    return as_categories(rows)


def expand_nodes(rows: pd.DataFrame, node_counts: np.ndarray) -> pd.DataFrame:
    """Every price row at every node count (the bench's full candidate grid)."""
    idx = np.repeat(np.arange(len(rows)), len(node_counts))
    grid = rows.iloc[idx].reset_index(drop=True)
    grid["nodes"] = np.tile(np.asarray(node_counts, dtype=np.int64), len(rows))
    return grid


def _per_gpu(gpu: pd.Series, value: Any) -> np.ndarray:
    return gpu.map({n: value(a) for n, a in accelerators().items()}).to_numpy(float)


def _mfu(cands: pd.DataFrame, job: TrainingJob, choice: MfuChoice, p: efficiency.Params,
         slow: np.ndarray) -> np.ndarray:
    """Each candidate's MFU (before failures): see ``costs.efficiency``."""
    if choice.given is not None:
        return np.full(len(cands), choice.given)
    gpu, nodes = cands["gpu"], cands["nodes"].to_numpy(np.int64)
    tpu = _per_gpu(gpu, lambda a: float(a.is_tpu)) > 0
    if choice.base is None:
        base = _per_gpu(gpu, lambda a: p.base_for(a.family))
        base = base * efficiency.width_factor(hidden_size(job), p.width_knee)
    else:
        base = np.full(len(cands), choice.base)
    scale = np.where(tpu, efficiency.scale_factor(nodes, p.scale_per_doubling_tpu),
                     efficiency.scale_factor(nodes, p.scale_per_doubling_gpu))
    pcie = (cands["in_node"] == "PCIe").to_numpy(bool) & (cands["accelerator_count"] > 1)
    seq = efficiency.seq_factor(np.nan if job.seq_len is None else job.seq_len, p.seq_exponent)
    out = (base * scale * seq * (p.fp8_speedup if job.precision == "fp8" else 1.0)
           * (p.moe_factor if job.moe else 1.0) * np.where(pcie, p.pcie_node_factor, 1.0)
           * np.where(slow, efficiency.scale_factor(nodes, p.slow_network_per_doubling), 1.0))
    return np.clip(out, *efficiency.MFU_BOUNDS)


def evaluate_candidates(cands: pd.DataFrame, job: TrainingJob, spot: SpotPolicy | None, *,
                        choice: MfuChoice | None = None, params: efficiency.Params | None = None,
                        allow_slow_network: bool = False,
                        include_on_demand: bool = True) -> pd.DataFrame:
    """Wall time, GPU-hours and cost of every feasible candidate, cheapest first.

    ``cands`` has ``priced_rows`` columns plus ``nodes``. Candidates whose memory
    cannot hold the model, multi-node candidates on a type without a fabric (unless
    ``allow_slow_network``), and spot candidates without a spot price are dropped.
    The result is gathered once, in cost order, from the candidates' arrays (codes
    for the categorical columns), so its cost stays linear in the candidates.
    """
    p = efficiency.load_params() if params is None else params
    choice = choice or MfuChoice("efficiency model")
    nodes = cands["nodes"].to_numpy(np.int64)
    chips = nodes * cands["accelerator_count"].to_numpy(float)
    slow = (nodes > 1) & ~cands["multi_node"].to_numpy(bool)
    mem = _per_gpu(cands["gpu"], lambda a: a.memory_gib)
    keep = chips * mem * GIB * USABLE_MEMORY >= BYTES_PER_PARAM * job.params
    keep &= allow_slow_network | ~slow
    share = _mfu(cands, job, choice, p, slow)
    good = efficiency.goodput(chips, p.failure_loss_per_gpu)
    peak = _per_gpu(cands["gpu"], lambda a: a.peak_flops)
    wall = total_flops(job) / (chips * peak * share * good) / 3600.0
    rows, hourly, hours, is_spot = [], [], [], []
    if include_on_demand:
        rows.append(np.flatnonzero(keep))
        hourly.append((nodes * cands["price_usd_hr"].to_numpy(float))[rows[-1]])
        hours.append(wall[rows[-1]])
        is_spot.append(np.zeros(len(rows[-1]), bool))
    if spot is not None:
        price, spot_wall = _spot_hours(cands, job, spot, wall)
        rows.append(np.flatnonzero(keep & np.isfinite(price)))
        hourly.append((nodes * price)[rows[-1]])
        hours.append(spot_wall[rows[-1]])
        is_spot.append(np.ones(len(rows[-1]), bool))
    idx, usd_h, wall_h = np.concatenate(rows), np.concatenate(hourly), np.concatenate(hours)
    order = np.argsort(usd_h * wall_h, kind="stable")
    return _plan_frame(cands, idx[order], np.concatenate(is_spot)[order], usd_h[order],
                       wall_h[order], chips, share, slow)


def _spot_hours(cands: pd.DataFrame, job: TrainingJob, spot: SpotPolicy,
                wall: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spot price per node and expected wall hours with interruptions (``costs.spot``)."""
    from ailab.costs.spot import expected_hours

    nodes = cands["nodes"].to_numpy(np.int64)
    ckpt = checkpoint_hours(job.params, nodes) if spot.checkpoint_h is None else spot.checkpoint_h
    restart = restart_hours(job.params, nodes) if spot.restart_h is None else spot.restart_h
    hours = expected_hours(wall, nodes * spot.rate_per_instance_h, ckpt, restart, spot.interval_h)
    return cands["spot_usd_hr"].to_numpy(float), np.asarray(hours, dtype=float)


def _take(column: pd.Series, idx: np.ndarray) -> Any:
    """Rows ``idx`` of a column: categorical codes are gathered, not strings."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()[idx]
        return pd.Categorical.from_codes(codes, dtype=column.dtype)
    return column.to_numpy()[idx]


def _plan_frame(cands: pd.DataFrame, idx: np.ndarray, spot: np.ndarray, hourly: np.ndarray,
                wall: np.ndarray, chips: np.ndarray, share: np.ndarray,
                slow: np.ndarray) -> pd.DataFrame:
    gpus = chips[idx]
    warning = pd.Categorical.from_codes(slow[idx].astype(np.int8), ["", SLOW_NETWORK_WARNING])
    return pd.DataFrame({
        "cloud": _take(cands["cloud"], idx), "region": _take(cands["region"], idx),
        "instance_type": _take(cands["instance_type"], idx), "gpu": _take(cands["gpu"], idx),
        "nodes": cands["nodes"].to_numpy(np.int64)[idx],
        "gpus_per_node": cands["accelerator_count"].to_numpy(np.int64)[idx],
        "gpus": gpus.astype(np.int64), "fabric": _take(cands["fabric"], idx),
        "in_node": _take(cands["in_node"], idx), "spot": spot, "hourly_usd": hourly,
        "wall_hours": wall, "gpu_hours": wall * gpus, "cost_usd": hourly * wall,
        "mfu": share[idx], "warning": warning, "source": _take(cands["source"], idx),
        "as_of": _take(cands["as_of"], idx),
    })
