"""Training efficiency: the share of peak FLOP/s a run turns into model FLOPs, and its range.

Wall time = FLOPs / (chips x dense peak x MFU) / goodput, where

    MFU = base(family) x width(d) x seq(T) x scale(units) x precision x MoE x in-node x network

- ``base``: MFU of the accelerator family at the **reference conditions** of this
  model: one node (or one TPU slice), a wide model (``d_model`` 8,192), 2,048-token
  sequences, BF16, dense, no failures. The ampere, hopper and tpu bases are fitted
  to the published runs in ``published_runs.csv`` (``costs.validation``); other
  families use the pooled base of all runs (an assumption the table says so).
  Because the base is a one-node figure, the scale term multiplies it once: an
  at-scale figure (Meta's 38-43 % at 16k GPUs) is never scaled again.
- ``width``: ``e(d) / e(8192)`` with ``e(d) = d / (d + knee)``: narrow models
  underfeed the tensor cores (Pythia 70M vs 6.9B on the same A100s).
- ``seq``: ``(T / 2048) ** -b``: attention kernels get less efficient with longer
  sequences even when their FLOPs are counted (llm-foundry H100 tables).
- ``scale``: ``f ** log2(units)``; a unit is a node for GPUs and a **slice** for
  TPUs (within a slice the ICI torus is one machine; slices join over DCN).
- ``precision``: FP8 GEMMs speed a BF16-peak MFU up by ``fp8_speedup``.
- ``MoE``: expert routing and all-to-all cost ``moe_factor`` against a dense model
  of the same *active* parameters (FLOPs use active parameters).
- ``in-node``: accelerators that share a node over PCIe, not NVLink, pay
  ``pcie_node_factor``; ``network``: a multi-node job on a type without a fabric
  (only when asked for) pays ``slow_network_per_doubling`` per doubling of nodes.
- ``goodput = 1 / (1 + c x chips)``: failures, restarts and lost work grow with the
  number of chips (Llama 3: 466 interruptions in 54 days on 16k H100, >90 %
  effective training time, so ``c = (1/0.9 - 1) / 16384``).

Every parameter, its P10-P90 range, provenance (source, fit or assumption) and
citation is a row of ``costs/data/efficiency.csv``. The range of an estimate
moves one assumption at a time to its low and high value and adds the log
swings in quadrature (independent P10-P90 ranges of a product of factors); the
assumption with the largest swing is named as the one that dominates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

EFFICIENCY_CSV = Path(__file__).parent / "data" / "efficiency.csv"
REFERENCE_D_MODEL = 8192.0
REFERENCE_SEQ_LEN = 2048.0
PRECISIONS = ("bf16", "fp16", "fp8")
MFU_BOUNDS = (0.01, 0.90)


@dataclass(frozen=True)
class Assumption:
    """One row of the efficiency table."""

    name: str
    value: float
    low: float
    high: float
    provenance: str
    source: str


@dataclass(frozen=True)
class Params:
    """The efficiency model's parameters (see the module docstring)."""

    base: Mapping[str, float]
    width_knee: float
    seq_exponent: float
    scale_per_doubling_gpu: float
    scale_per_doubling_tpu: float
    failure_loss_per_gpu: float
    fp8_speedup: float
    moe_factor: float
    pcie_node_factor: float
    slow_network_per_doubling: float

    def base_for(self, family: str) -> float:
        """The family's base, or the pooled base of all published runs."""
        return float(self.base.get(family, self.base["pooled"]))

    def with_value(self, name: str, value: float) -> Params:
        """A copy with one assumption moved (``base_mfu.<family>`` or a field name)."""
        if name.startswith("base_mfu."):
            return replace(self, base={**self.base, name.removeprefix("base_mfu."): value})
        return replace(self, **{name: value})  # type: ignore[arg-type]


@lru_cache(maxsize=2)
def assumptions(path: Path = EFFICIENCY_CSV) -> dict[str, Assumption]:
    """Every row of the efficiency table by name."""
    frame = pd.read_csv(path, dtype={"provenance": str, "source": str})
    return {rec["parameter"]: Assumption(rec["parameter"], float(rec["value"]), float(rec["low"]),
                                         float(rec["high"]), rec["provenance"], rec["source"])
            for rec in frame.to_dict("records")}


@lru_cache(maxsize=2)
def load_params(path: Path = EFFICIENCY_CSV) -> Params:
    """The parameters as the table states them."""
    rows = assumptions(path)
    base = {n.removeprefix("base_mfu."): a.value for n, a in rows.items()
            if n.startswith("base_mfu.")}
    fields = {f: rows[f].value for f in Params.__dataclass_fields__ if f != "base"}
    return Params(base=base, **fields)


# --- the terms (numpy-friendly: every argument may be an array) --------------------------------

def width_factor(d_model: Any, knee: Any) -> Any:
    """``e(d) / e(8192)``, ``e(d) = d / (d + knee)``."""
    d = np.asarray(d_model, dtype=float)
    return (d / (d + knee)) / (REFERENCE_D_MODEL / (REFERENCE_D_MODEL + knee))


def seq_factor(seq_len: Any, exponent: float) -> Any:
    """``(T / 2048) ** -b``; an unknown length (NaN) is the reference length."""
    t = np.asarray(seq_len, dtype=float)
    return np.power(np.where(np.isnan(t), REFERENCE_SEQ_LEN, t) / REFERENCE_SEQ_LEN, -exponent)


def scale_factor(units: Any, per_doubling: Any) -> Any:
    """``f ** log2(units)``: 1 on one node or slice."""
    return np.power(per_doubling, np.log2(np.maximum(np.asarray(units, dtype=float), 1.0)))


def goodput(chips: Any, loss_per_gpu: float) -> Any:
    """Share of wall time that trains: ``1 / (1 + c x chips)``."""
    return 1.0 / (1.0 + loss_per_gpu * np.asarray(chips, dtype=float))


@dataclass(frozen=True)
class Shape:
    """What the efficiency model needs to know about a run on one kind of cluster."""

    family: str
    d_model: float
    seq_len: float | None
    chips: int
    units: int
    is_tpu: bool = False
    precision: str = "bf16"
    moe: bool = False
    in_node_pcie: bool = False
    slow_network: bool = False


def breakdown(p: Params, s: Shape, base: float | None = None) -> dict[str, float]:
    """Each factor of the MFU, in order; ``base`` replaces the family base (calibration)."""
    terms = {
        "base": p.base_for(s.family) if base is None else base,
        "width": float(width_factor(s.d_model, p.width_knee)) if base is None else 1.0,
        "seq": float(seq_factor(np.nan if s.seq_len is None else s.seq_len, p.seq_exponent)),
        "scale": float(scale_factor(s.units, p.scale_per_doubling_tpu if s.is_tpu
                                    else p.scale_per_doubling_gpu)),
        "precision": p.fp8_speedup if s.precision == "fp8" else 1.0,
        "moe": p.moe_factor if s.moe else 1.0,
        "in_node": p.pcie_node_factor if s.in_node_pcie else 1.0,
        "network": (float(scale_factor(s.units, p.slow_network_per_doubling))
                    if s.slow_network else 1.0),
    }
    return terms


def mfu(p: Params, s: Shape, base: float | None = None) -> float:
    """The MFU of the run, clipped to a physically plausible range."""
    return float(np.clip(math.prod(breakdown(p, s, base).values()), *MFU_BOUNDS))


def effective(p: Params, s: Shape, base: float | None = None) -> float:
    """MFU x goodput: the share of peak turned into model FLOPs over the wall time."""
    return mfu(p, s, base) * float(goodput(s.chips, p.failure_loss_per_gpu))


# --- the range ------------------------------------------------------------------------------------

LABELS: dict[str, str] = {
    "base_mfu": "efficiency of the training stack (spread of published runs)",
    "width_knee": "width term (how much a narrow model underfeeds the tensor cores)",
    "seq_exponent": "sequence-length term",
    "scale_per_doubling_gpu": "multi-node scaling per doubling of nodes",
    "scale_per_doubling_tpu": "multislice scaling per doubling of TPU slices",
    "failure_loss_per_gpu": "failures and restarts (goodput)",
    "fp8_speedup": "FP8 speed-up",
    "moe_factor": "mixture-of-experts overhead",
    "pcie_node_factor": "PCIe instead of NVLink inside a node",
    "slow_network_per_doubling": "multi-node over a network without a fabric",
}


def _relevant(s: Shape, fixed_base: bool) -> list[str]:
    names = [] if fixed_base else [f"base_mfu.{s.family}", "width_knee"]
    names.append("failure_loss_per_gpu")
    if s.seq_len is not None and s.seq_len != REFERENCE_SEQ_LEN:
        names.append("seq_exponent")
    if s.units > 1 and not s.slow_network:
        names.append("scale_per_doubling_tpu" if s.is_tpu else "scale_per_doubling_gpu")
    for cond, name in ((s.precision == "fp8", "fp8_speedup"), (s.moe, "moe_factor"),
                       (s.in_node_pcie, "pcie_node_factor"),
                       (s.slow_network, "slow_network_per_doubling")):
        if cond:
            names.append(name)
    return names


def _bounds(name: str, family: str) -> tuple[float, float]:
    rows = assumptions()
    row = rows.get(name) or rows.get(f"base_mfu.{family}") or rows["base_mfu.pooled"]
    if name.startswith("base_mfu.") and name not in rows:
        # A family with no fitted base takes the pooled base's relative spread.
        point = load_params().base_for(family)
        return point * row.low / row.value, point * row.high / row.value
    return row.low, row.high


def spread(p: Params, s: Shape, base: float | None = None) -> dict[str, Any]:
    """P10 and P90 multipliers on the time, each assumption's swing, and the dominant one."""
    point = effective(p, s, base)
    swings: dict[str, tuple[float, float]] = {}
    for name in _relevant(s, base is not None):
        lo, hi = _bounds(name, s.family)
        logs = [math.log(point / effective(p.with_value(name, v), s, base)) for v in (lo, hi)]
        swings[name] = (min(logs), max(logs))
    slower = math.sqrt(sum(max(0.0, hi) ** 2 for _, hi in swings.values()))
    faster = math.sqrt(sum(min(0.0, lo) ** 2 for lo, _ in swings.values()))
    ranked = sorted(swings, key=lambda n: -max(abs(swings[n][0]), abs(swings[n][1])))
    dominant = ranked[0] if ranked else None
    key = None if dominant is None else ("base_mfu" if dominant.startswith("base_mfu.")
                                         else dominant)
    return {
        "p10_factor": math.exp(-faster),
        "p90_factor": math.exp(slower),
        "dominant": dominant,
        "dominant_label": None if key is None else LABELS[key],
        "swings": {n: {"faster": math.exp(lo), "slower": math.exp(hi)}
                   for n, (lo, hi) in swings.items()},
    }
