"""Is there enough evidence? Coverage of a series, and "every GPU idle" over a window.

Idle means the accelerators are idle: a GPU machine at 4 % CPU may be training
on all eight GPUs. So a GPU instance is idle only when every one of its GPUs
(one series each, as the agents publish them) and its CPU stayed below their
thresholds over the whole window, each series with enough datapoints. A busy
series anywhere means not idle; a missing or sparse one means unknown, which
is reported and never acted on.
"""

from __future__ import annotations

from typing import Any

from ailab.janitor.rules import SeriesSet, Unknown, Verdict


def well_covered(values: list[float], window_hours: float, period_minutes: int,
                 min_coverage: float) -> bool:
    """Enough datapoints in the window to call a resource idle: a gap is not idleness."""
    expected = window_hours * 60 / period_minutes
    return bool(values) and expected > 0 and len(values) / expected >= min_coverage


def window_series(values: list[float]) -> dict[str, Any]:
    """Evidence summary of a metric series."""
    if not values:
        return {"datapoints": 0}
    return {"max": round(max(values), 3), "mean": round(sum(values) / len(values), 3),
            "datapoints": len(values)}


def gpu_index(label: str, index_key: str) -> str:
    """The GPU a series belongs to, from its label (``index=3,name=...`` -> ``3``)."""
    for part in label.split(","):
        key, _, value = part.partition("=")
        if key == index_key:
            return value
    return label


def every_gpu_idle(series: SeriesSet, gpus: int, limit: float, index_key: str,
                   covered: Any, require: bool) -> Verdict:
    """Evidence that every GPU stayed under ``limit``; None when one was busy; Unknown
    when a GPU's series is missing or too sparse (unless ``require`` is off and no GPU
    series exists at all).

    ``series`` maps labels to values; '' is an instance-level series (no per-GPU
    dimension): it can veto (busy) but cannot prove every GPU idle.
    """
    busy = [label or "instance" for label, values in series.items()
            if values and max(values) >= limit]
    if busy:
        return None
    per_gpu = {label: values for label, values in series.items() if label}
    if not per_gpu:
        if not require:
            return {"gpu_percent": "not published (require_gpu_metric: false)"}
        what = ("only an instance-level GPU series, no per-GPU series"
                if "" in series else "no GPU utilisation series in the window")
        return Unknown(f"{what}: cannot tell the GPUs are idle (is the GPU agent running?)")
    sparse = sorted(label for label, values in per_gpu.items() if not covered(values))
    if sparse:
        return Unknown(f"{len(sparse)} of {len(per_gpu)} GPU series have too few datapoints "
                       f"in the window ({sparse[0]})")
    seen = {gpu_index(label, index_key) for label in per_gpu}
    if len(seen) < gpus:
        return Unknown(f"{len(seen)} of {gpus} GPUs publish utilisation")
    values = [v for vals in per_gpu.values() for v in vals]
    return {"gpu_series": len(per_gpu), "gpu_percent": window_series(values)}
