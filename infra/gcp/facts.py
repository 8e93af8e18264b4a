"""GCP accelerator facts the price table does not carry.

Zones, spot markets and prices come from ``costs/data/prices.csv``; this module
holds what that table cannot: TPU generations (API enum, runtime versions,
topology shape, data disk types), the disk types each GPU machine series takes
and the number of extra GPU NICs an A3 type has for GPUDirect. Sources: Cloud
TPU "TPU versions" / "TPU software versions" and Compute Engine "GPU machine
types", "Supported disk types" and "Maximize GPU network bandwidth" pages (as of
2026-11). A type missing here is refused with the list of known ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

IAP_SSH_RANGE = "35.235.240.0/20"
"""Source range of IAP TCP forwarding (``gcloud compute ssh --tunnel-through-iap``)."""


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


_BASE_RUNTIMES = ("tpu-ubuntu2204-base", "tpu-vm-base", "tpu-vm-tf-2.16.1-pjrt",
                  "tpu-vm-tf-2.16.1-pod-pjrt", "tpu-vm-pt-2.0")

TPU_GENERATIONS: dict[str, TpuGeneration] = {
    "v2": TpuGeneration("V2", 2, 2, _BASE_RUNTIMES, ("pd-balanced", "pd-ssd")),
    "v3": TpuGeneration("V3", 2, 2, _BASE_RUNTIMES, ("pd-balanced", "pd-ssd")),
    "v4": TpuGeneration("V4", 3, 2, ("tpu-ubuntu2204-base", "tpu-vm-v4-base",
                                     "tpu-vm-v4-pt-2.0", "tpu-vm-tf-2.16.1-pjrt",
                                     "tpu-vm-tf-2.16.1-pod-pjrt"), ("pd-balanced", "pd-ssd")),
    "v5litepod": TpuGeneration("V5LITE_POD", 2, 1, ("v2-alpha-tpuv5-lite",),
                               ("pd-balanced", "pd-ssd", "hyperdisk-balanced")),
    "v5p": TpuGeneration("V5P", 3, 2, ("v2-alpha-tpuv5",),
                         ("hyperdisk-balanced", "pd-balanced")),
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


@dataclass(frozen=True)
class GpuSeries:
    """A GPU machine series whose machine types come with their GPUs attached."""

    disk_types: tuple[str, ...]
    gpudirect: str
    """GPUDirect flavour of the 8-GPU shape ('' when none)."""
    gpu_nics: int
    """Extra GPU NICs of the 8-GPU shape (each in its own VPC)."""


GPU_SERIES: dict[str, GpuSeries] = {
    "g2": GpuSeries(("pd-balanced", "pd-ssd", "hyperdisk-ml", "hyperdisk-throughput"), "", 0),
    "a2": GpuSeries(("pd-balanced", "pd-ssd", "pd-standard", "hyperdisk-ml"), "", 0),
    "a3-highgpu": GpuSeries(("pd-balanced", "pd-ssd", "hyperdisk-balanced",
                             "hyperdisk-extreme", "hyperdisk-ml", "hyperdisk-throughput"),
                            "GPUDirect-TCPX", 4),
    "a3-edgegpu": GpuSeries(("pd-balanced", "pd-ssd", "hyperdisk-balanced",
                             "hyperdisk-extreme", "hyperdisk-ml", "hyperdisk-throughput"),
                            "GPUDirect-TCPX", 4),
    "a3-megagpu": GpuSeries(("pd-balanced", "pd-ssd", "hyperdisk-balanced",
                             "hyperdisk-extreme", "hyperdisk-ml", "hyperdisk-throughput"),
                            "GPUDirect-TCPXO", 8),
}


def gpu_series(machine_type: str) -> GpuSeries | None:
    """The series of a machine type (``a3-highgpu-8g`` -> a3-highgpu), or None."""
    for prefix in sorted(GPU_SERIES, key=len, reverse=True):
        if machine_type.startswith(prefix + "-"):
            return GPU_SERIES[prefix]
    return None


def gpu_nics(machine_type: str) -> int:
    """Extra GPU NICs of a machine type: only the 8-GPU A3 shapes have them."""
    series = gpu_series(machine_type)
    return series.gpu_nics if series and machine_type.endswith("-8g") else 0
