"""Training-run cost model: FLOPs, memory floor, calibration, and the efficiency to use.

Model (pure numbers):

- FLOPs per token = ``6 N_active`` (forward + backward over the parameters each
  token uses, Kaplan et al. 2020; for a mixture-of-experts model only the active
  ones) plus, when ``layers`` and ``seq_len`` are given, the attention term
  ``12 L d T`` (PaLM, Chowdhery et al. 2022, appendix B), with ``d`` = ``d_model``
  or, if absent, ``sqrt(N_active / 12L)``. Total = FLOPs per token x tokens.
- GPU-hours = FLOPs / (peak x MFU x goodput) / 3600 with MFU and goodput from
  ``costs.efficiency`` (accelerator family, width, sequence length, nodes or TPU
  slices, precision, mixture-of-experts, in-node link, failures).
- Memory floor: mixed-precision Adam keeps 16 bytes per parameter (all of them,
  experts included: bf16 weights and gradients, fp32 master weights and two
  moments; ZeRO, Rajbhandari et al. 2020), fully sharded over the GPUs, and only
  80% of each GPU's memory is given to them: min GPUs = ceil(16 N / 0.8 M).
- Checkpoints (for spot): 14 bytes per parameter written at 1 GB/s per node plus
  one minute of coordination; a restart costs 10 minutes plus reading it back.

Calibration file contract (written by the benchmark workload, read by
``ailab estimate train --calibration FILE``), one JSON object, no other keys::

    {"gpu": "H100-80GB", "gpus": 1, "params": 124475904, "seq_len": 1024,
     "layers": 12, "d_model": 768, "tokens_per_s": 310000.0}

``gpu`` is any spelling ``--gpu`` accepts and must name the same accelerator as
the estimate; ``gpus`` is how many ran the measurement; ``tokens_per_s`` is the
aggregate training throughput over them. Measured MFU = tokens_per_s x FLOPs per
token (with the attention term) / (gpus x peak). It replaces the family base at
the measured size and is carried to the target model with the same width and
sequence terms as the default model: ``x width(d_target) / width(d_measured)``
and ``x seq(T_target) / seq(T_measured)``. The target ``d`` is ``--d-model``,
else ``sqrt(N / 12L)`` with ``--layers``, else ``(128 N / 12) ** (1/3)`` (depth/
width ratio of 1/128, as Llama and GPT-3 use). Scale, precision and failures
apply on top, as for the default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ailab.core.errors import EstimateError
from ailab.core.inputs import invalid_field, read_json
from ailab.costs import efficiency
from ailab.costs.accelerators import Accelerator, get_accelerator

BYTES_PER_PARAM = 16.0
USABLE_MEMORY = 0.8
CHECKPOINT_BYTES_PER_PARAM = 14.0
CHECKPOINT_GBPS_PER_NODE = 1.0
CHECKPOINT_FIXED_H = 1.0 / 60.0
RESTART_FIXED_H = 10.0 / 60.0
GIB = 2.0**30


@dataclass(frozen=True)
class TrainingJob:
    """What is trained: parameters (active ones for mixture-of-experts), tokens, the shape."""

    params: float
    tokens: float
    layers: int | None = None
    seq_len: int | None = None
    d_model: int | None = None
    active_params: float | None = None
    precision: str = "bf16"

    def __post_init__(self) -> None:
        for name in ("params", "tokens"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise EstimateError(f"must be a positive number, got {value}", field=name)
        for name in ("layers", "seq_len", "d_model"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise EstimateError(f"must be > 0, got {value}", field=name)
        active = self.active_params
        if active is not None and not (math.isfinite(active) and 0 < active <= self.params):
            raise EstimateError(f"must be > 0 and at most params ({self.params:.3g}), got "
                                f"{active}", field="active_params")
        if self.precision not in efficiency.PRECISIONS:
            raise EstimateError(f"unknown precision {self.precision!r}; known: "
                                f"{', '.join(efficiency.PRECISIONS)}", field="precision")

    @property
    def active(self) -> float:
        """Parameters each token uses: all of them for a dense model."""
        return self.params if self.active_params is None else self.active_params

    @property
    def moe(self) -> bool:
        return self.active < self.params


def flops_per_token(job: TrainingJob) -> float:
    """Training FLOPs per token: 6 N_active, plus 12·L·d·T when layers and seq_len are known."""
    base = 6.0 * job.active
    if job.layers is None or job.seq_len is None:
        return base
    d = job.d_model or math.sqrt(job.active / (12.0 * job.layers))
    return base + 12.0 * job.layers * d * job.seq_len


def total_flops(job: TrainingJob) -> float:
    return flops_per_token(job) * job.tokens


def min_gpus(params: float, memory_gib: float) -> int:
    """Fewest accelerators whose memory holds weights, gradients and optimizer states."""
    return max(1, math.ceil(BYTES_PER_PARAM * params / (USABLE_MEMORY * memory_gib * GIB)))


def gpu_hours(flops: float, acc: Accelerator, efficiency_share: float) -> float:
    """GPU-hours at a share of peak (MFU x goodput)."""
    return flops / (acc.peak_flops * efficiency_share) / 3600.0


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

    gpu: str
    gpus: int = Field(gt=0)
    params: float = Field(gt=0)
    seq_len: int = Field(gt=0)
    layers: int = Field(gt=0)
    d_model: int = Field(gt=0)
    tokens_per_s: float = Field(gt=0)


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
    """d_model given, or inferred from the active parameters (and layers when known)."""
    if job.d_model:
        return float(job.d_model)
    if job.layers:
        return math.sqrt(job.active / (12.0 * job.layers))
    return (128.0 * job.active / 12.0) ** (1.0 / 3.0)


def calibrated_base(cal: Calibration, acc: Accelerator, job: TrainingJob) -> float:
    """The measured MFU carried to the target's width and sequence length (see above).

    Returned as a base for ``costs.efficiency.breakdown``: it already includes the
    width of the target, and the target's sequence term is applied there.
    """
    if get_accelerator(cal.gpu).name != acc.name:
        raise EstimateError(
            f"measured on {get_accelerator(cal.gpu).name}, estimate is for "
            f"{acc.name}; calibrate on the same accelerator or give no calibration",
            field="calibration")
    p = efficiency.load_params()
    width = (efficiency.width_factor(hidden_size(job), p.width_knee)
             / efficiency.width_factor(float(cal.d_model), p.width_knee))
    seq = efficiency.seq_factor(float(cal.seq_len), p.seq_exponent)
    return float(measured_mfu(cal) * width / seq)


def calibrated_mfu(cal: Calibration, acc: Accelerator, job: TrainingJob) -> float:
    """The calibrated one-node MFU for the target model (width and sequence applied)."""
    seq = efficiency.seq_factor(np.nan if job.seq_len is None else float(job.seq_len),
                                efficiency.load_params().seq_exponent)
    return float(np.clip(calibrated_base(cal, acc, job) * seq, *efficiency.MFU_BOUNDS))


@dataclass(frozen=True)
class MfuChoice:
    """Where the MFU comes from: the default model, a calibration, or a given figure.

    ``base`` replaces the family base and width (calibration); ``given`` is an MFU
    the user states for the job at its scale, so no scale term is applied to it;
    both None means the default model.
    """

    source: str
    base: float | None = None
    given: float | None = None


def resolve_mfu(acc: Accelerator, job: TrainingJob, mfu: float | None,
                calibration: Calibration | None) -> MfuChoice:
    """The MFU to use and where it came from: given, calibration, or the default model."""
    if mfu is not None and calibration is not None:
        raise EstimateError("give either an MFU or a calibration, not both", field="mfu")
    if mfu is not None:
        if not 0.0 < mfu <= 1.0:
            raise EstimateError(f"must be in (0, 1], got {mfu}", field="mfu")
        return MfuChoice("given (at the job's scale; failures still apply)", given=mfu)
    if calibration is not None:
        return MfuChoice("calibration", base=calibrated_base(calibration, acc, job))
    return MfuChoice(f"efficiency model ({acc.family} base, published runs)")
