"""Published training runs: the efficiency model's error on each, its fit, and held-out errors.

``costs/data/published_runs.csv`` lists published pre-training runs with their
parameters (and active parameters for mixture-of-experts), tokens, accelerator,
count, the chips in one node or TPU slice, the reported GPU-hours or wall time,
what that figure measures (``basis``: ``wall`` = elapsed time including
failures and restarts, ``throughput`` = derived from measured throughput, so no
failures), and the citation. Rows with ``evaluate = no`` say why (no published
count, an access window instead of a training time, ...); their error is shown
where it can be computed but they take no part in the fit or the acceptance.

The fit (:func:`fit`) chooses, by least squares on log errors over the
evaluated runs: the base MFU of each family with runs (closed form: the
geometric mean), the pooled base, the width knee and the per-doubling scale
factor for GPU nodes, on a grid. Every other parameter comes from its source
row in ``efficiency.csv``. :func:`leave_one_out` refits without each run in turn
and predicts it, so the held-out error is the honest figure.

    python -m ailab.costs.validation     # refit and rewrite the fitted rows of efficiency.csv
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ailab.costs import efficiency as eff
from ailab.costs.accelerators import accelerators

RUNS_CSV = Path(__file__).parent / "data" / "published_runs.csv"
FITTED_FAMILIES = ("ampere", "hopper", "tpu")
KNEE_GRID = np.arange(0.0, 2001.0, 10.0)
SCALE_GRID = np.round(np.arange(0.95, 1.0001, 0.002), 3)
LLM_FOUNDRY_KNEE = 509.0
LLM_FOUNDRY_SCALE = 0.988


@lru_cache(maxsize=2)
def load_runs(path: Path = RUNS_CSV) -> pd.DataFrame:
    """The table with the columns the model needs: FLOPs, reported GPU-hours, units, family."""
    runs = pd.read_csv(path, dtype={"precision": str, "exclusion": str, "notes": str})
    specs = accelerators()
    active = runs["active_params"].fillna(runs["params"])
    d = runs["d_model"].astype(float)
    attention = 12.0 * runs["layers"] * d * runs["seq_len"]
    runs["flops"] = (6.0 * active + attention.fillna(0.0)) * runs["tokens"]
    wall = runs["reported_wall_days"] * 24.0 * runs["count"]
    runs["reported_hours"] = runs["reported_gpu_hours"].astype(float).fillna(wall)
    runs["units"] = np.ceil(runs["count"] / runs["chips_per_unit"])
    runs["family"] = runs["accelerator"].map({n: a.family for n, a in specs.items()})
    runs["peak"] = runs["accelerator"].map({n: a.peak_flops for n, a in specs.items()})
    runs["is_tpu"] = runs["accelerator"].map({n: a.is_tpu for n, a in specs.items()})
    runs["moe"] = runs["active_params"].notna() & (runs["active_params"] < runs["params"])
    runs["d_eff"] = d.fillna((128.0 * active / 12.0) ** (1.0 / 3.0))
    runs["precision"] = runs["precision"].fillna("bf16")
    return runs


def evaluated(runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """The runs in the fit and the acceptance set."""
    runs = load_runs() if runs is None else runs
    return runs[runs["evaluate"] == "yes"].reset_index(drop=True)


def _goodput(p: eff.Params, runs: pd.DataFrame) -> np.ndarray:
    """Failures count only where the published figure is elapsed time."""
    wall = (runs["basis"] == "wall").to_numpy(bool)
    return np.where(wall, eff.goodput(runs["count"].to_numpy(float), p.failure_loss_per_gpu), 1.0)


def _hours_at_unit_base(p: eff.Params, runs: pd.DataFrame) -> np.ndarray:
    """Predicted GPU-hours with a base MFU of 1 (divide by the base for the prediction)."""
    scale = np.where(runs["is_tpu"], p.scale_per_doubling_tpu, p.scale_per_doubling_gpu)
    mfu = (eff.width_factor(runs["d_eff"], p.width_knee)
           * eff.seq_factor(runs["seq_len"].astype(float), p.seq_exponent)
           * eff.scale_factor(runs["units"], scale)
           * np.where(runs["precision"] == "fp8", p.fp8_speedup, 1.0)
           * np.where(runs["moe"], p.moe_factor, 1.0))
    good = _goodput(p, runs)
    return np.asarray(runs["flops"] / (runs["peak"] * mfu * good) / 3600.0, dtype=float)


def predict_hours(p: eff.Params, runs: pd.DataFrame) -> np.ndarray:
    """GPU-hours the model predicts for each run (with default assumptions)."""
    base = runs["family"].map(p.base_for).to_numpy(float)
    return _hours_at_unit_base(p, runs) / base


def errors(p: eff.Params, runs: pd.DataFrame) -> np.ndarray:
    """Relative error of the prediction: predicted / reported - 1."""
    return predict_hours(p, runs) / runs["reported_hours"].to_numpy(float) - 1.0


def _log_fixed(p: eff.Params, runs: pd.DataFrame) -> np.ndarray:
    """log GPU-hours at base 1, width 1 and GPU scale 1: the part the grid does not move."""
    tpu_scale = np.where(runs["is_tpu"], eff.scale_factor(runs["units"], p.scale_per_doubling_tpu),
                         1.0)
    mfu = (eff.seq_factor(runs["seq_len"].astype(float), p.seq_exponent) * tpu_scale
           * np.where(runs["precision"] == "fp8", p.fp8_speedup, 1.0)
           * np.where(runs["moe"], p.moe_factor, 1.0))
    good = _goodput(p, runs)
    return np.log(np.asarray(runs["flops"] / (runs["peak"] * mfu * good) / 3600.0, dtype=float))


def fit(runs: pd.DataFrame, start: eff.Params | None = None) -> eff.Params:
    """Least-squares fit of the bases, the width knee and the GPU scale factor.

    The whole grid is one array (knee x scale x run): for each cell the base of a
    family is the geometric mean of its runs' (unit-base hours / reported hours),
    which minimises the squared log error for that cell; the best cell wins.
    """
    p = eff.load_params() if start is None else start
    log_rep = np.log(runs["reported_hours"].to_numpy(float))
    families = runs["family"].to_numpy(str)
    d = runs["d_eff"].to_numpy(float)
    gpu_units = np.where(runs["is_tpu"], 1.0, runs["units"].to_numpy(float))
    log_width = np.log(eff.width_factor(d[None, :], KNEE_GRID[:, None]))
    log_scale = np.log(eff.scale_factor(gpu_units[None, :], SCALE_GRID[:, None]))  # S x N
    gap = (_log_fixed(p, runs) - log_rep)[None, None, :] \
        - log_width[:, None, :] - log_scale[None, :, :]                           # K x S x N
    groups = [f for f in FITTED_FAMILIES if (families == f).any()]
    log_base = np.zeros_like(gap)
    for fam in groups:
        mask = families == fam
        log_base[:, :, mask] = gap[:, :, mask].mean(axis=2, keepdims=True)
    sse = ((gap - log_base) ** 2).sum(axis=2)
    k, s = np.unravel_index(int(np.argmin(sse)), sse.shape)
    bases = {fam: float(np.exp(gap[k, s, families == fam].mean())) for fam in groups}
    bases["pooled"] = float(np.exp(gap[k, s].mean()))
    return replace(p, base=bases, width_knee=float(KNEE_GRID[k]),
                   scale_per_doubling_gpu=float(SCALE_GRID[s]))


def leave_one_out(runs: pd.DataFrame, start: eff.Params | None = None) -> np.ndarray:
    """Each run's error when the model is fitted on all the other runs."""
    out = np.empty(len(runs))
    for i in range(len(runs)):
        rest = runs.drop(index=runs.index[i]).reset_index(drop=True)
        p = fit(rest, start)
        out[i] = errors(p, runs.iloc[[i]].reset_index(drop=True))[0]
    return out


def summary(errs: np.ndarray) -> dict[str, float]:
    """Median and maximum absolute error."""
    absolute = np.abs(errs)
    return {"median_abs": float(np.median(absolute)), "max_abs": float(absolute.max()),
            "runs": float(len(errs))}


def report(p: eff.Params | None = None, runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every run: reported and predicted GPU-hours, error, held-out error where evaluated."""
    p = eff.load_params() if p is None else p
    runs = load_runs() if runs is None else runs
    known = runs["reported_hours"].notna() & runs["count"].notna() & runs["family"].notna()
    out = runs.loc[:, ["name", "accelerator", "count", "evaluate", "exclusion"]].copy()
    out["reported_gpu_hours"] = runs["reported_hours"]
    out["predicted_gpu_hours"] = np.nan
    out.loc[known, "predicted_gpu_hours"] = predict_hours(p, runs[known])
    out["error"] = out["predicted_gpu_hours"] / out["reported_gpu_hours"] - 1.0
    chosen = runs["evaluate"] == "yes"
    out["loo_error"] = np.nan
    out.loc[chosen, "loo_error"] = leave_one_out(evaluated(runs), p)
    return out


def fitted_rows(runs: pd.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    """The fitted rows of efficiency.csv: value, low and high."""
    runs = evaluated(runs)
    p = fit(runs)
    held_out = np.log1p(leave_one_out(runs, p))
    lo, hi = np.quantile(held_out, [0.10, 0.90])
    # A held-out error e means the run's real MFU was (1 + e) x the prediction.
    rows = {f"base_mfu.{f}": {"value": b, "low": b * math.exp(lo), "high": b * math.exp(hi)}
            for f, b in p.base.items()}
    knee = p.width_knee
    rows["width_knee"] = {"value": knee, "low": min(knee, LLM_FOUNDRY_KNEE),
                          "high": max(knee, LLM_FOUNDRY_KNEE)}
    scale = p.scale_per_doubling_gpu
    rows["scale_per_doubling_gpu"] = {"value": scale, "low": min(scale, LLM_FOUNDRY_SCALE),
                                      "high": max(scale, 1.0)}
    return rows


def write_fit(path: Path = eff.EFFICIENCY_CSV) -> dict[str, dict[str, Any]]:
    """Refit and rewrite the fitted rows of the efficiency table (other rows untouched)."""
    rows = fitted_rows()
    table = pd.read_csv(path, dtype=str)
    for name, values in rows.items():
        mask = table["parameter"] == name
        for column, value in values.items():
            table.loc[mask, column] = f"{value:.6g}"
    table.to_csv(path, index=False)
    eff.assumptions.cache_clear()
    eff.load_params.cache_clear()
    return rows


if __name__ == "__main__":
    written = write_fit()
    for name, values in written.items():
        print(f"{name}: {values['value']:.4g} [{values['low']:.4g}, {values['high']:.4g}]")
