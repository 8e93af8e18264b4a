"""The accelerator table: peak throughput, memory, interconnect, and name spellings.

Facts live in ``costs/data/accelerators.csv``, one row per accelerator with the
datasheet it came from. Peaks are *dense* BF16 tensor TFLOP/s (FP16 where the
part has no BF16: V100, T4, RTX6000); datasheets quoting "with sparsity" are
halved. ``catalog_names`` maps the price table's accelerator names (SkyPilot's
spellings, e.g. ``A100`` = the 40 GB part, ``tpu-v5litepod`` = TPU v5e) onto
these canonical names, and ``aliases`` lists the spellings users type.

Default model FLOPs utilisation (MFU) per class, used when neither ``--mfu``
nor a calibration file is given:

- ``nvlink`` 0.40: SXM GPUs with NVLink; Meta reports 38-43% BF16 MFU for
  Llama 3 405B on H100 (2024), Megatron-LM 44-52% on A100 (Narayanan et al. 2021).
- ``tpu`` 0.45: PaLM reports 46.2% MFU on TPU v4 (Chowdhery et al. 2022).
- ``pcie`` 0.30: PCIe cards without NVLink (L4, L40S, A10G, T4...): gradient
  traffic crosses PCIe and the host, so a lower, conservative figure.
- ``trainium`` 0.30: no comparable public MFU figure; conservative assumption.

Multi-node scaling: each doubling of the node count keeps ``scaling_per_doubling``
of the per-accelerator throughput (0.97 on NVLink/EFA/InfiniBand-class and Trainium
clusters, 0.98 for TPU ICI/DCN, 0.90 for PCIe cards on commodity networks), so
efficiency(nodes) = factor ** log2(nodes). These are planning assumptions, not
measurements; a calibration file replaces the MFU with a measured one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ailab.core.errors import CatalogError

ACCELERATORS_CSV = Path(__file__).parent / "data" / "accelerators.csv"

DEFAULT_MFU: dict[str, float] = {"nvlink": 0.40, "tpu": 0.45, "pcie": 0.30, "trainium": 0.30}
SCALING_PER_DOUBLING: dict[str, float] = {
    "nvlink": 0.97,
    "tpu": 0.98,
    "pcie": 0.90,
    "trainium": 0.97,
}


@dataclass(frozen=True)
class Accelerator:
    """One accelerator model with the datasheet figures the cost models need."""

    name: str
    kind: str
    peak_bf16_tflops: float
    memory_gib: float
    interconnect: str
    interconnect_gbps: float
    mfu_class: str
    catalog_names: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str

    @property
    def default_mfu(self) -> float:
        return DEFAULT_MFU[self.mfu_class]

    @property
    def scaling_per_doubling(self) -> float:
        return SCALING_PER_DOUBLING[self.mfu_class]

    @property
    def peak_flops(self) -> float:
        """Peak dense FLOP/s (not TFLOP/s)."""
        return self.peak_bf16_tflops * 1e12


def _split(cell: object) -> tuple[str, ...]:
    return tuple(part for part in str(cell).split(";") if part and part != "nan")


def _key(name: str) -> str:
    """Spelling-insensitive key: case, spaces, underscores and 'nvidia' prefixes ignored."""
    key = re.sub(r"[\s_]+", "-", name.strip().lower())
    return key.removeprefix("nvidia-")


@lru_cache(maxsize=2)
def accelerators(path: Path = ACCELERATORS_CSV) -> dict[str, Accelerator]:
    """Every known accelerator by canonical name."""
    frame = pd.read_csv(path, dtype=str)
    out: dict[str, Accelerator] = {}
    for rec in frame.to_dict("records"):
        out[rec["name"]] = Accelerator(
            name=rec["name"],
            kind=rec["kind"],
            peak_bf16_tflops=float(rec["peak_bf16_tflops"]),
            memory_gib=float(rec["memory_gib"]),
            interconnect=rec["interconnect"],
            interconnect_gbps=float(rec["interconnect_gbps"]),
            mfu_class=rec["mfu_class"],
            catalog_names=_split(rec["catalog_names"]),
            aliases=_split(rec["aliases"]),
            source=rec["source"],
        )
    return out


@lru_cache(maxsize=1)
def _spellings() -> dict[str, str]:
    table: dict[str, str] = {}
    for acc in accelerators().values():
        for spelling in (acc.name, *acc.aliases, *acc.catalog_names):
            table.setdefault(_key(spelling), acc.name)
    return table


def known_names() -> list[str]:
    """Canonical accelerator names, in table order."""
    return list(accelerators())


def canonical_name(name: str) -> str:
    """The canonical name for a user spelling (H100, h100-80gb, a100_80gb...)."""
    found = _spellings().get(_key(name))
    if found is None:
        raise CatalogError(
            f"unknown accelerator {name!r}; known: {', '.join(known_names())}", field="gpu",
            hint="spellings are case-insensitive, e.g. H100, h100-80gb, A100-80GB, tpu-v5e",
        )
    return found


def get_accelerator(name: str) -> Accelerator:
    """The accelerator for a user spelling; an unknown name lists the known ones."""
    return accelerators()[canonical_name(name)]


@lru_cache(maxsize=1)
def catalog_name_map() -> dict[str, str]:
    """Price-table accelerator name -> canonical name (only names the table can price)."""
    return {cat: acc.name for acc in accelerators().values() for cat in acc.catalog_names}


def specs_frame() -> pd.DataFrame:
    """The accelerator table as a DataFrame, with default MFU and scaling columns."""
    rows = [
        {
            "name": a.name,
            "kind": a.kind,
            "peak_bf16_tflops": a.peak_bf16_tflops,
            "memory_gib": a.memory_gib,
            "interconnect": a.interconnect,
            "mfu_class": a.mfu_class,
            "default_mfu": a.default_mfu,
            "scaling_per_doubling": a.scaling_per_doubling,
            "source": a.source,
        }
        for a in accelerators().values()
    ]
    return pd.DataFrame(rows)
