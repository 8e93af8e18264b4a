"""Training-run cost model: FLOPs, GPU-hours, memory floor, and priced plans.

Model (pure numbers; prices from the embedded table):

- FLOPs per token = ``6 N`` (forward + backward over ``N`` parameters, Kaplan et
  al. 2020) plus, when ``layers`` and ``seq_len`` are given, the attention term
  ``12 L d T`` (PaLM, Chowdhery et al. 2022, appendix B), with ``d`` = ``d_model``
  or, if absent, ``sqrt(N / 12L)``. Total = FLOPs per token x tokens.
- GPU-hours = FLOPs / (peak x MFU x scaling) / 3600, where scaling =
  ``factor ** log2(nodes)`` (see ``costs.accelerators`` for MFU and factor defaults).
- Memory floor: mixed-precision Adam keeps 16 bytes per parameter (bf16 weights
  and gradients, fp32 master weights and two moments; ZeRO, Rajbhandari et al.
  2020), fully sharded over the GPUs, and only 80% of each GPU's memory is given
  to them (the rest is activations and buffers): min GPUs = ceil(16 N / 0.8 M).
- Checkpoints (for spot): 14 bytes per parameter written at 1 GB/s per node plus
  one minute of coordination; a restart costs 10 minutes plus reading it back.

Calibration file contract (written by the benchmark workload, read by
``ailab estimate train --calibration FILE``), one JSON object, no other keys::

    {"gpu": "H100-80GB", "gpus": 1, "params": 124475904, "seq_len": 1024,
     "layers": 12, "d_model": 768, "tokens_per_s": 310000.0}

``gpu`` is any spelling ``--gpu`` accepts and must name the same accelerator as
the estimate; ``gpus`` is how many ran the measurement; ``tokens_per_s`` is the
aggregate training throughput over them. Measured MFU = tokens_per_s x FLOPs per
token (with the attention term) / (gpus x peak). It is scaled to the target model
by ``e(d_target) / e(d_measured)`` with ``e(d) = d / (d + 512)``: small hidden
sizes underfeed the tensor cores, and the gain saturates for large ones. The
target ``d`` is ``--d-model``, else ``sqrt(N / 12L)`` with ``--layers``, else
``(128 N / 12) ** (1/3)`` (depth/width ratio of 1/128, as Llama and GPT-3 use).
The result is clipped to [0.01, 0.80].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationError

from ailab.core.errors import EstimateError
from ailab.core.inputs import invalid_field, parse_number, read_json
from ailab.costs.accelerators import Accelerator, accelerators, get_accelerator

BYTES_PER_PARAM = 16.0
USABLE_MEMORY = 0.8
CHECKPOINT_BYTES_PER_PARAM = 14.0
CHECKPOINT_GBPS_PER_NODE = 1.0
CHECKPOINT_FIXED_H = 1.0 / 60.0
RESTART_FIXED_H = 10.0 / 60.0
SIZE_KNEE = 512.0
MFU_BOUNDS = (0.01, 0.80)
MIN_MFU = 0.001
"""Smallest MFU taken from a user: below it the run would take longer than any plan
can be priced (and, near zero, forever)."""
GIB = 2.0**30
MAX_PARAMS = 1e15
"""Largest model priced (a quadrillion parameters, ~1000x today's largest): the
bound keeps every derived figure finite."""
MAX_TOKENS = 1e17
MAX_GPUS = 10_000_000
MAX_SHAPE = 100_000_000
"""Largest layer count, sequence length or hidden size taken."""


@dataclass(frozen=True)
class TrainingJob:
    """What is trained: parameters, tokens and (optionally) the shape."""

    params: float
    tokens: float
    layers: int | None = None
    seq_len: int | None = None
    d_model: int | None = None

    def __post_init__(self) -> None:
        for name, limit in (("params", MAX_PARAMS), ("tokens", MAX_TOKENS)):
            parse_number(getattr(self, name), name, minimum=0, exclusive_minimum=True,
                         maximum=limit, error=EstimateError)
        for name in ("layers", "seq_len", "d_model"):
            value = getattr(self, name)
            if value is not None:
                parse_number(value, name, integer=True, minimum=1, maximum=MAX_SHAPE,
                             error=EstimateError)


def flops_per_token(job: TrainingJob) -> float:
    """Training FLOPs per token: 6N, plus 12·L·d·T when layers and seq_len are known."""
    base = 6.0 * job.params
    if job.layers is None or job.seq_len is None:
        return base
    d = job.d_model or math.sqrt(job.params / (12.0 * job.layers))
    return base + 12.0 * job.layers * d * job.seq_len


def total_flops(job: TrainingJob) -> float:
    return flops_per_token(job) * job.tokens


def min_gpus(params: float, memory_gib: float) -> int:
    """Fewest accelerators whose memory holds weights, gradients and optimizer states."""
    return max(1, math.ceil(BYTES_PER_PARAM * params / (USABLE_MEMORY * memory_gib * GIB)))


def scaling_efficiency(nodes: int | np.ndarray, per_doubling: float | np.ndarray) -> np.ndarray:
    """Share of per-accelerator throughput kept at ``nodes`` nodes."""
    return np.power(per_doubling, np.log2(np.maximum(nodes, 1)))


def gpu_hours(flops: float, acc: Accelerator, mfu: float, efficiency: float = 1.0) -> float:
    return flops / (acc.peak_flops * mfu * efficiency) / 3600.0


def checkpoint_hours(params: float, nodes: int | np.ndarray) -> np.ndarray:
    """Time to write one checkpoint, sharded over the nodes."""
    write = CHECKPOINT_BYTES_PER_PARAM * params / (np.maximum(nodes, 1) * CHECKPOINT_GBPS_PER_NODE
                                                    * 1e9) / 3600.0
    return CHECKPOINT_FIXED_H + write


def restart_hours(params: float, nodes: int | np.ndarray) -> np.ndarray:
    """Time to come back after an interruption: new capacity plus reading the checkpoint."""
    return RESTART_FIXED_H + checkpoint_hours(params, nodes) - CHECKPOINT_FIXED_H


# --- calibration -----------------------------------------------------------------------------

class Calibration(BaseModel):
    """A measured run: see the module docstring for the contract."""

    model_config = ConfigDict(extra="forbid")

    gpu: str = Field(max_length=100)
    gpus: int = Field(gt=0, le=MAX_GPUS)
    params: FiniteFloat = Field(gt=0, le=MAX_PARAMS)
    seq_len: int = Field(gt=0, le=MAX_SHAPE)
    layers: int = Field(gt=0, le=MAX_SHAPE)
    d_model: int = Field(gt=0, le=MAX_SHAPE)
    tokens_per_s: FiniteFloat = Field(gt=0, le=MAX_TOKENS)


def load_calibration(path: Path) -> Calibration:
    """Read and validate a calibration file; any problem is one InputFileError line."""
    raw = read_json(path, hint="the calibration file is one JSON object", show_line=True)
    try:
        return Calibration.model_validate(raw)
    except ValidationError as exc:
        raise invalid_field(str(path), exc, hint="keys: gpu, gpus, params, seq_len, layers, "
                                                 "d_model, tokens_per_s") from None


def measured_mfu(cal: Calibration) -> float:
    acc = get_accelerator(cal.gpu)
    job = TrainingJob(cal.params, 1.0, cal.layers, cal.seq_len, cal.d_model)
    return cal.tokens_per_s * flops_per_token(job) / (cal.gpus * acc.peak_flops)


def hidden_size(job: TrainingJob) -> float:
    """d_model given, or inferred from params (and layers when known)."""
    if job.d_model:
        return float(job.d_model)
    if job.layers:
        return math.sqrt(job.params / (12.0 * job.layers))
    return (128.0 * job.params / 12.0) ** (1.0 / 3.0)


def _size_efficiency(d: float) -> float:
    return d / (d + SIZE_KNEE)


def calibrated_mfu(cal: Calibration, acc: Accelerator, job: TrainingJob) -> float:
    """The measured MFU, scaled from the measured model's width to the target's."""
    if get_accelerator(cal.gpu).name != acc.name:
        raise EstimateError(
            f"measured on {get_accelerator(cal.gpu).name}, estimate is for "
            f"{acc.name}; calibrate on the same accelerator or give no calibration",
            field="calibration")
    scale = _size_efficiency(hidden_size(job)) / _size_efficiency(float(cal.d_model))
    return float(np.clip(measured_mfu(cal) * scale, *MFU_BOUNDS))


def resolve_mfu(acc: Accelerator, job: TrainingJob, mfu: float | None,
                calibration: Calibration | None) -> tuple[float, str]:
    """The MFU to use and where it came from: flag, calibration, or class default."""
    if mfu is not None and calibration is not None:
        raise EstimateError("give either an MFU or a calibration, not both", field="mfu")
    if mfu is not None:
        if not 0.0 < mfu <= 1.0:
            raise EstimateError(f"must be in (0, 1], got {mfu}", field="mfu")
        if mfu < MIN_MFU:
            raise EstimateError(f"must be at least {MIN_MFU:g} (0.1 %), got {mfu:g}", field="mfu")
        return mfu, "given"
    if calibration is not None:
        return calibrated_mfu(calibration, acc, job), "calibration"
    return acc.default_mfu, f"default for {acc.mfu_class} accelerators"


# --- candidates ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpotPolicy:
    """How spot candidates are costed: per-instance interruption rate and overrides."""

    rate_per_instance_h: float
    checkpoint_h: float | None = None
    restart_h: float | None = None
    interval_h: float | None = None


def expand_nodes(rows: pd.DataFrame, node_counts: np.ndarray) -> pd.DataFrame:
    """Every price row at every node count (the bench's full candidate grid)."""
    idx = np.repeat(np.arange(len(rows)), len(node_counts))
    grid = rows.iloc[idx].reset_index(drop=True)
    grid["nodes"] = np.tile(np.asarray(node_counts, dtype=np.int64), len(rows))
    return grid


def evaluate_candidates(cands: pd.DataFrame, job: TrainingJob, mfu: dict[str, float],
                        spot: SpotPolicy | None, include_on_demand: bool = True) -> pd.DataFrame:
    """Wall time and cost of every (row, nodes) candidate, on-demand and/or spot, cheapest first.

    ``cands`` has price-table columns plus ``gpu`` (canonical) and ``nodes``; ``mfu`` maps
    each canonical name to the MFU to use. Candidates whose memory cannot hold the model,
    or spot candidates without a spot price, are dropped.
    """
    specs = accelerators()
    gpu = cands["gpu"]
    peak = gpu.map({n: a.peak_flops for n, a in specs.items()}).to_numpy(float)
    mem = gpu.map({n: a.memory_gib for n, a in specs.items()}).to_numpy(float)
    factor = gpu.map({n: a.scaling_per_doubling for n, a in specs.items()}).to_numpy(float)
    util = gpu.map(mfu).to_numpy(float)
    nodes = cands["nodes"].to_numpy(np.int64)
    count = cands["accelerator_count"].to_numpy(float)
    chips = nodes * count
    throughput = chips * peak * util * scaling_efficiency(nodes, factor)
    wall = total_flops(job) / throughput / 3600.0
    fits = chips * mem * GIB * USABLE_MEMORY >= BYTES_PER_PARAM * job.params
    parts = []
    if include_on_demand:
        hourly = nodes * cands["price_usd_hr"].to_numpy(float)
        parts.append(_plan_frame(cands, chips, False, hourly, wall, fits))
    if spot is not None:
        parts.append(_spot_frame(cands, job, spot, chips, wall, fits))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values("cost_usd", kind="stable", ignore_index=True)


def _spot_frame(cands: pd.DataFrame, job: TrainingJob, spot: SpotPolicy, chips: np.ndarray,
                wall: np.ndarray, fits: np.ndarray) -> pd.DataFrame:
    from ailab.costs.spot import expected_hours

    nodes = cands["nodes"].to_numpy(np.int64)
    price = cands["spot_usd_hr"].to_numpy(float)
    ckpt = checkpoint_hours(job.params, nodes) if spot.checkpoint_h is None else spot.checkpoint_h
    restart = restart_hours(job.params, nodes) if spot.restart_h is None else spot.restart_h
    rate = nodes * spot.rate_per_instance_h
    hours = expected_hours(wall, rate, ckpt, restart, spot.interval_h)
    return _plan_frame(cands, chips, True, nodes * price, hours, fits & np.isfinite(price))


def _plan_frame(cands: pd.DataFrame, chips: np.ndarray, spot: bool, hourly: np.ndarray,
                wall: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({
        "cloud": cands["cloud"].to_numpy(),
        "region": cands["region"].to_numpy(),
        "instance_type": cands["instance_type"].to_numpy(),
        "gpu": cands["gpu"].to_numpy(),
        "nodes": cands["nodes"].to_numpy(np.int64),
        "gpus": chips.astype(np.int64),
        "spot": spot,
        "hourly_usd": hourly,
        "wall_hours": wall,
        "cost_usd": hourly * wall,
        "source": cands["source"].to_numpy(),
        "as_of": cands["as_of"].to_numpy(),
    })
    return frame[keep]


# --- the estimate behind `ailab estimate train` ------------------------------------------------

def _rows_for(acc: Accelerator, gpus: int, cloud: str | None, region: str | None,
              prices: pd.DataFrame | None) -> pd.DataFrame:
    from ailab.costs.catalog import with_accelerators

    rows = with_accelerators(prices)
    rows = rows[rows["gpu"] == acc.name]
    if cloud is not None:
        rows = rows[rows["cloud"] == cloud]
    if region is not None:
        offered = sorted(set(rows["region"]))
        rows = rows[rows["region"] == region]
        if rows.empty:
            where = f" on {cloud}" if cloud else ""
            raise EstimateError(f"{acc.name} is not offered in {region!r}{where}; "
                                f"offered in: {', '.join(offered) or 'nowhere'}", field="region")
    if rows.empty:
        raise EstimateError(f"no instance type with {acc.name} in the price table"
                            + (f" for {cloud}" if cloud else ""), field="gpu",
                            hint="see `ailab catalog show --gpu " + acc.name + "`")
    # Instances with more accelerators than asked for are not candidates, unless nothing fits.
    small = rows[rows["accelerator_count"] <= gpus]
    return small if not small.empty else rows


def estimate_training(job: TrainingJob, gpu: str, gpus: int, *, mfu: float | None = None,
                      calibration: Calibration | None = None, spot: SpotPolicy | None = None,
                      cloud: str | None = None, region: str | None = None,
                      prices: pd.DataFrame | None = None) -> dict[str, object]:
    """FLOPs, GPU-hours, wall time and every priced plan for ``gpus`` of ``gpu``."""
    acc = get_accelerator(gpu)
    parse_number(gpus, "gpus", integer=True, minimum=1, maximum=MAX_GPUS, error=EstimateError)
    need = min_gpus(job.params, acc.memory_gib)
    if gpus < need:
        raise EstimateError(f"{gpus} x {acc.name} ({acc.memory_gib:g} GiB) cannot hold "
                            f"{job.params:.3g} parameters with Adam states; need at least {need}",
                            field="gpus")
    util, util_source = resolve_mfu(acc, job, mfu, calibration)
    rows = _rows_for(acc, gpus, cloud, region, prices)
    per_node = int(rows["accelerator_count"].max())
    ref_nodes = math.ceil(gpus / per_node)
    eff = float(scaling_efficiency(ref_nodes, acc.scaling_per_doubling))
    flops = total_flops(job)
    hours = gpu_hours(flops, acc, util, eff)
    cands = rows.assign(nodes=np.ceil(gpus / rows["accelerator_count"]).astype(np.int64))
    plans = evaluate_candidates(cands, job, {acc.name: util}, spot)
    return {
        "gpu": acc.name,
        "gpus": gpus,
        "params": job.params,
        "tokens": job.tokens,
        "flops_per_token": flops_per_token(job),
        "total_flops": flops,
        "peak_tflops": acc.peak_bf16_tflops,
        "mfu": util,
        "mfu_source": util_source,
        "nodes": ref_nodes,
        "scaling_efficiency": eff,
        "gpu_hours": hours,
        "wall_hours": hours / gpus,
        "min_gpus": need,
        "spot_interruption_rate_per_instance_h": None if spot is None else spot.rate_per_instance_h,
        "plans": plans.drop(columns=["gpu"]).to_dict("records"),
    }
