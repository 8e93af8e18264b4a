"""The accelerator table: peak throughput, memory, interconnect, and name spellings.

Facts live in ``costs/data/accelerators.csv``, one row per accelerator with the
datasheet it came from. Peaks are *dense* BF16 tensor TFLOP/s (FP16 where the
part has no BF16: V100, T4, RTX6000); datasheets quoting "with sparsity" are
halved. ``catalog_names`` maps the price table's accelerator names (SkyPilot's
spellings, e.g. ``A100`` = the 40 GB part, ``tpu-v5litepod`` = TPU v5e) onto
these canonical names, and ``aliases`` lists the spellings users type.

``family`` (ampere, hopper, blackwell, ada, turing, volta, tpu, trainium) picks
the base efficiency in ``costs.efficiency``; ``default_mfu`` is that base at the
model's reference conditions (one node, a wide model, 2,048-token sequences).
PCIe variants that the price table names like their SXM sibling (Lambda's
``gpu_1x_h100_pcie``) get their own row and peak, and ``costs.network`` maps the
instance type to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ailab.core.errors import CatalogError

ACCELERATORS_CSV = Path(__file__).parent / "data" / "accelerators.csv"

FAMILIES = ("ampere", "hopper", "blackwell", "ada", "turing", "volta", "tpu", "trainium")


@dataclass(frozen=True)
class Accelerator:
    """One accelerator model with the datasheet figures the cost models need."""

    name: str
    kind: str
    peak_bf16_tflops: float
    memory_gib: float
    interconnect: str
    interconnect_gbps: float
    family: str
    catalog_names: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str

    @property
    def default_mfu(self) -> float:
        """Base MFU of the family at the efficiency model's reference conditions."""
        from ailab.costs.efficiency import load_params

        return load_params().base_for(self.family)

    @property
    def is_tpu(self) -> bool:
        return self.kind == "tpu"

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
            family=rec["family"],
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
    """The accelerator table as a DataFrame, with each family's base MFU."""
    rows = [
        {
            "name": a.name,
            "kind": a.kind,
            "peak_bf16_tflops": a.peak_bf16_tflops,
            "memory_gib": a.memory_gib,
            "interconnect": a.interconnect,
            "family": a.family,
            "default_mfu": a.default_mfu,
            "source": a.source,
        }
        for a in accelerators().values()
    ]
    return pd.DataFrame(rows)
