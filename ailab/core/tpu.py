"""TPU facts: generations, slice names, chips and topologies (Cloud TPU v2 API).

One table answers every TPU question the project asks: the config check (type,
runtime, topology), stack pricing and guardrails (the catalog name of a slice
given as ``acceleratorType`` or as ``acceleratorConfig`` type + topology), the
price-table build (chips per slice) and workloads (single host or pod slice).

Sources: Cloud TPU "TPU versions", "TPU software versions" and "TPU v2 API:
AcceleratorConfig" pages (as of 2026-11). An accelerator-type suffix counts
TensorCores (two per chip) for v2-v5p, chips for v5e (``v5litepod``) and v6e.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TpuGeneration:
    """One TPU generation, as named in accelerator types like ``v5litepod-8``."""

    api_type: str
    """``AcceleratorConfig.type`` enum value of the TPU v2 API."""
    dims: int
    """Topology dimensions: 2 (2D torus) or 3 (3D torus)."""
    cores_per_chip: int
    """The type suffix counts TensorCores for v2-v5p (2 per chip), chips for v5e/v6e."""
    runtimes: tuple[str, ...]
    disk_types: tuple[str, ...]
    host_chips: int = 8
    """Chips one TPU VM host drives: larger slices are multi-host pods (v2-8, v4-8 and
    v5p-8 are 4 chips on one host; v5litepod-8 and v6e-8 are 8)."""


_BASE_RUNTIMES = ("tpu-ubuntu2204-base", "tpu-vm-base", "tpu-vm-tf-2.16.1-pjrt",
                  "tpu-vm-tf-2.16.1-pod-pjrt", "tpu-vm-pt-2.0")

TPU_GENERATIONS: dict[str, TpuGeneration] = {
    "v2": TpuGeneration("V2", 2, 2, _BASE_RUNTIMES, ("pd-balanced", "pd-ssd"), 4),
    "v3": TpuGeneration("V3", 2, 2, _BASE_RUNTIMES, ("pd-balanced", "pd-ssd"), 4),
    "v4": TpuGeneration("V4", 3, 2, ("tpu-ubuntu2204-base", "tpu-vm-v4-base",
                                     "tpu-vm-v4-pt-2.0", "tpu-vm-tf-2.16.1-pjrt",
                                     "tpu-vm-tf-2.16.1-pod-pjrt"), ("pd-balanced", "pd-ssd"), 4),
    "v5litepod": TpuGeneration("V5LITE_POD", 2, 1, ("v2-alpha-tpuv5-lite",),
                               ("pd-balanced", "pd-ssd", "hyperdisk-balanced")),
    "v5p": TpuGeneration("V5P", 3, 2, ("v2-alpha-tpuv5",),
                         ("hyperdisk-balanced", "pd-balanced"), 4),
    "v6e": TpuGeneration("V6E", 2, 1, ("v2-alpha-tpuv6e",), ("hyperdisk-balanced",)),
}


def split_tpu_type(tpu_type: str) -> tuple[str, int] | None:
    """``v5litepod-8`` -> (``v5litepod``, 8); None when it is not ``<gen>-<n>``."""
    gen, _, size = tpu_type.rpartition("-")
    if gen in TPU_GENERATIONS and size.isdigit() and int(size) > 0:
        return gen, int(size)
    return None


def tpu_chips(tpu_type: str) -> int:
    """Chips in a slice of ``tpu_type`` (the type must split)."""
    parts = split_tpu_type(tpu_type)
    assert parts is not None
    gen, size = parts
    return max(1, size // TPU_GENERATIONS[gen].cores_per_chip)


def _power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def valid_topology(tpu_type: str, topology: str) -> bool:
    """Whether ``topology`` (``2x4``, ``2x2x1``) shapes a slice of ``tpu_type``:
    the generation's number of dimensions, power-of-two sides whose product is
    the chip count; 2D tori at most twice as long as wide, 3D sides ascending
    (``2x2x1`` being the one single-host 3D form)."""
    parts = split_tpu_type(tpu_type)
    if parts is None:
        return False
    gen = TPU_GENERATIONS[parts[0]]
    try:
        sides = [int(s) for s in topology.lower().split("x")]
    except ValueError:
        return False
    if len(sides) != gen.dims or not all(_power_of_two(s) for s in sides):
        return False
    if math.prod(sides) != tpu_chips(tpu_type):
        return False
    if gen.dims == 2:
        return sides[0] <= sides[1] <= 2 * sides[0]
    return sides == sorted(sides) or sides == [2, 2, 1]


def default_topology(tpu_type: str) -> str:
    """The topology Google uses for a type when none is given."""
    chips = tpu_chips(tpu_type)
    gen = TPU_GENERATIONS[tpu_type.rpartition("-")[0]]
    if gen.dims == 2:
        short = 2 ** (int(math.log2(chips)) // 2)
        return f"{short}x{chips // short}"
    if chips == 4:
        return "2x2x1"
    sides = [1, 1, 1]
    for i in range(int(math.log2(chips))):
        sides[2 - i % 3] *= 2
    return "x".join(map(str, sorted(sides)))




API_TYPES: dict[str, str] = {gen.api_type: name for name, gen in TPU_GENERATIONS.items()}
"""``AcceleratorConfig.type`` enum value (``V5LITE_POD``) -> generation name (``v5litepod``)."""


def type_from_config(api_type: str, topology: str) -> str | None:
    """``V5LITE_POD`` + ``2x4`` -> ``v5litepod-8``; None when either is not understood.

    Accepts the enum in any case and the generation name itself (``v5p``), since
    hand-written configs use both."""
    name = API_TYPES.get(api_type.upper()) or (api_type.lower()
                                               if api_type.lower() in TPU_GENERATIONS else None)
    dims = topology.lower().split("x")
    if name is None or not dims or not all(d.isdigit() and int(d) > 0 for d in dims):
        return None
    chips = math.prod(int(d) for d in dims)
    return f"{name}-{chips * TPU_GENERATIONS[name].cores_per_chip}"


def node_type(node: Mapping[str, Any]) -> str | None:
    """The accelerator type of a TPU node spec, in camelCase or snake_case inputs:
    ``acceleratorType`` as given, else ``acceleratorConfig`` type + topology."""
    explicit = node.get("acceleratorType") or node.get("accelerator_type")
    if explicit:
        return str(explicit).removeprefix("tpu-")
    config = node.get("acceleratorConfig") or node.get("accelerator_config") or {}
    if not isinstance(config, Mapping):
        return None
    return type_from_config(str(config.get("type", "")), str(config.get("topology", "")))


def catalog_name(tpu_type: str) -> str:
    """The price table's spelling of a slice: ``v5litepod-8`` -> ``tpu-v5litepod-8``."""
    return tpu_type if tpu_type.startswith("tpu-") else f"tpu-{tpu_type}"


def is_pod(tpu_type: str) -> bool:
    """True for multi-host slices (``v4-32``, ``v5litepod-16``); False for one host or
    a name that is not a TPU slice."""
    parts = split_tpu_type(tpu_type.removeprefix("tpu-"))
    if parts is None:
        return False
    return tpu_chips(tpu_type.removeprefix("tpu-")) > TPU_GENERATIONS[parts[0]].host_chips
