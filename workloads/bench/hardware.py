"""What the benchmark ran on: device names, accelerator identity and peak.

The accelerator facts come from the project's accelerator table
(``costs/data/accelerators.csv``), read with the csv module so the benchmark
runs on a bare machine with only NumPy (the cost package needs pandas).
"""

from __future__ import annotations

import csv
import os
import platform
import re
from functools import lru_cache
from pathlib import Path

ACCELERATORS_CSV = Path(__file__).resolve().parents[2] / "costs" / "data" / "accelerators.csv"


@lru_cache(maxsize=1)
def accelerator_table() -> dict[str, dict[str, str]]:
    """Canonical accelerator name -> its row (peak, aliases...); empty if the table is absent."""
    if not ACCELERATORS_CSV.is_file():
        return {}
    with ACCELERATORS_CSV.open(newline="") as fh:
        return {row["name"]: row for row in csv.DictReader(fh)}


def _spellings() -> list[tuple[str, str]]:
    pairs = []
    for name, row in accelerator_table().items():
        names = [name, *row["aliases"].split(";"), *row["catalog_names"].split(";")]
        pairs += [(s.strip().lower(), name) for s in names if s.strip()]
    return sorted(pairs, key=lambda p: -len(p[0]))


def accelerator_for(device_name: str) -> str | None:
    """The canonical accelerator for a driver's device name, e.g.
    ``NVIDIA H100 80GB HBM3`` -> ``H100``, ``NVIDIA A100-SXM4-80GB`` -> ``A100-80GB``."""
    text = device_name.lower().replace("_", "-")
    for spelling, name in _spellings():
        if re.search(rf"(?<![a-z0-9]){re.escape(spelling)}(?![a-z0-9])", text):
            return name
    return None


def peak_flops(accelerator: str | None) -> float | None:
    """Dense BF16 peak FLOP/s of one accelerator, None when unknown (CPUs)."""
    row = accelerator_table().get(accelerator or "")
    return float(row["peak_bf16_tflops"]) * 1e12 if row else None


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else what platform reports."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_hardware() -> dict[str, object]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"kind": "cpu", "name": cpu_name(), "accelerator": None, "count": 1,
            "cpu": cpu_name(), "cores": cores or 1}
