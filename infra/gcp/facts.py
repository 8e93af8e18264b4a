"""GCP accelerator facts the price table does not carry.

Zones, spot markets and prices come from ``costs/data/prices.csv`` and TPU
generations from ``ailab.core.tpu``; this module holds the disk types each GPU
machine series takes and the number of extra GPU NICs an A3 type has for
GPUDirect. Sources: Compute Engine "GPU machine types", "Supported disk types"
and "Maximize GPU network bandwidth" pages (as of 2026-11). A type missing here
is refused with the list of known ones.
"""

from __future__ import annotations

from dataclasses import dataclass

IAP_SSH_RANGE = "35.235.240.0/20"
"""Source range of IAP TCP forwarding (``gcloud compute ssh --tunnel-through-iap``)."""


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
