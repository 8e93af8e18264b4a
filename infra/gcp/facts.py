"""GCP facts the price table does not carry, in one table with its sources.

Zones, spot markets and prices come from ``costs/data/prices.csv`` and TPU
generations from ``ailab.core.tpu``; this module holds the disk types each GPU
machine series takes, the GPUs bundled with each machine type and the network
interfaces it may have (extra GPU NICs of the A3 8-GPU shapes for GPUDirect),
Filestore tier capacities, and which Google API serves which resource type.
Sources: Compute Engine "GPU machine types" (accelerator-optimized A3/A2 and
G2 tables), "Supported disk types", "Maximize GPU network bandwidth" and
"Network interfaces: maximum number"; Filestore "Service tiers" (as of 2026-11).
A type missing here is refused with the list of known ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from ailab.core import tokens

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


@dataclass(frozen=True)
class GpuMachine:
    """A machine type with its GPUs attached (no ``guestAccelerators`` to give)."""

    gpu: str
    """Google's accelerator type (``nvidia-h100-80gb``)."""
    count: int
    max_nics: int
    """vNICs the type takes: 1 + its GPU NICs on the A3 8-GPU shapes, else the
    general limit, one per vCPU up to 8."""


def _g2(vcpus: int, gpus: int) -> GpuMachine:
    return GpuMachine("nvidia-l4", gpus, min(vcpus, 8))


GPU_MACHINES: dict[str, GpuMachine] = {
    **{f"g2-standard-{v}": _g2(v, g) for v, g in
       ((4, 1), (8, 1), (12, 1), (16, 1), (24, 2), (32, 1), (48, 4), (96, 8))},
    **{f"a2-highgpu-{n}g": GpuMachine("nvidia-tesla-a100", n, 8) for n in (1, 2, 4, 8)},
    "a2-megagpu-16g": GpuMachine("nvidia-tesla-a100", 16, 8),
    **{f"a2-ultragpu-{n}g": GpuMachine("nvidia-a100-80gb", n, 8) for n in (1, 2, 4, 8)},
    **{f"a3-highgpu-{n}g": GpuMachine("nvidia-h100-80gb", n, 8) for n in (1, 2, 4)},
    "a3-highgpu-8g": GpuMachine("nvidia-h100-80gb", 8, 5),
    "a3-edgegpu-8g": GpuMachine("nvidia-h100-80gb", 8, 5),
    "a3-megagpu-8g": GpuMachine("nvidia-h100-mega-80gb", 8, 9),
}
CATALOG_GPU_NAMES = {"nvidia-l4": "L4", "nvidia-tesla-a100": "A100",
                     "nvidia-a100-80gb": "A100-80GB", "nvidia-h100-80gb": "H100",
                     "nvidia-h100-mega-80gb": "H100-MEGA"}
"""Google's accelerator types as the price catalog (SkyPilot's) names them."""

FILESTORE_CAPACITY = {"BASIC_HDD": (1024, 65434), "BASIC_SSD": (2560, 65434),
                      "ZONAL": (1024, 102400), "REGIONAL": (1024, 102400)}
"""Filestore tier -> (minimum, maximum) capacity in GiB."""


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


# Google APIs (service names as ``gcloud services list`` shows them). Sources: the
# "API" line of each resource page of the Google provider (registry.terraform.io /
# pulumi registry, gcp), Compute Engine "Set up OS Login / IAP TCP forwarding",
# Cloud TPU "Set up the Cloud TPU environment", Filestore "Before you begin",
# Cloud Billing "Budget API" (as of 2026-11).
COMPUTE_API = "compute.googleapis.com"
IAM_API = "iam.googleapis.com"
CRM_API = "cloudresourcemanager.googleapis.com"
STORAGE_API = "storage.googleapis.com"
LOGGING_API = "logging.googleapis.com"
MONITORING_API = "monitoring.googleapis.com"
TPU_API = "tpu.googleapis.com"
FILESTORE_API = "file.googleapis.com"
BUDGET_API = "billingbudgets.googleapis.com"
IAP_API = "iap.googleapis.com"
SQL_API = "sqladmin.googleapis.com"
SERVICE_NETWORKING_API = "servicenetworking.googleapis.com"
RUN_API = "run.googleapis.com"
SECRETS_API = "secretmanager.googleapis.com"
REGISTRY_API = "artifactregistry.googleapis.com"
TRACKING_APIS = (SQL_API, SERVICE_NETWORKING_API, RUN_API, SECRETS_API, REGISTRY_API)
"""A tracking server: Cloud SQL on a private IP, Cloud Run, its secret and image."""

BASE_APIS = (COMPUTE_API, IAM_API, CRM_API, STORAGE_API)
"""Every lab: network, service account, project IAM and project look-up, bucket."""
NODE_APIS = (LOGGING_API, MONITORING_API)
"""Labs with machines: their agents write logs and metrics."""

API_OF_TYPE: dict[str, str] = {
    tokens.GCP_COMPUTE_NETWORK: COMPUTE_API,
    tokens.GCP_COMPUTE_SUBNETWORK: COMPUTE_API,
    tokens.GCP_COMPUTE_FIREWALL: COMPUTE_API,
    tokens.GCP_COMPUTE_ROUTER: COMPUTE_API,
    tokens.GCP_COMPUTE_ROUTER_NAT: COMPUTE_API,
    tokens.GCP_COMPUTE_INSTANCE: COMPUTE_API,
    tokens.GCP_COMPUTE_INSTANCE_TEMPLATE: COMPUTE_API,
    tokens.GCP_COMPUTE_INSTANCE_GROUP_MANAGER: COMPUTE_API,
    tokens.GCP_COMPUTE_AUTOSCALER: COMPUTE_API,
    tokens.GCP_COMPUTE_DISK: COMPUTE_API,
    tokens.GCP_COMPUTE_RESOURCE_POLICY: COMPUTE_API,
    tokens.GCP_SERVICEACCOUNT_ACCOUNT: IAM_API,
    tokens.GCP_PROJECTS_IAM_MEMBER: CRM_API,
    tokens.GCP_STORAGE_BUCKET: STORAGE_API,
    tokens.GCP_STORAGE_BUCKET_IAM_MEMBER: STORAGE_API,
    tokens.GCP_TPU_V2_VM: TPU_API,
    tokens.GCP_TPU_V2_QUEUED_RESOURCE: TPU_API,
    tokens.GCP_FILESTORE_INSTANCE: FILESTORE_API,
    tokens.GCP_BILLING_BUDGET: BUDGET_API,
    tokens.GCP_MONITORING_NOTIFICATION_CHANNEL: MONITORING_API,
    tokens.GCP_MONITORING_DASHBOARD: MONITORING_API,
    tokens.GCP_COMPUTE_GLOBAL_ADDRESS: COMPUTE_API,
    tokens.GCP_SERVICENETWORKING_CONNECTION: SERVICE_NETWORKING_API,
    tokens.GCP_SQL_DATABASE_INSTANCE: SQL_API,
    tokens.GCP_SQL_DATABASE: SQL_API,
    tokens.GCP_SQL_USER: SQL_API,
    tokens.GCP_SECRETMANAGER_SECRET: SECRETS_API,
    tokens.GCP_SECRETMANAGER_SECRET_VERSION: SECRETS_API,
    tokens.GCP_SECRETMANAGER_SECRET_IAM_MEMBER: SECRETS_API,
    tokens.GCP_CLOUDRUNV2_SERVICE: RUN_API,
    tokens.GCP_ARTIFACTREGISTRY_REPOSITORY: REGISTRY_API,
}
"""The API each GCP resource type is created through."""
DYNAMIC_KIND_APIS = {"tpu.v2.QueuedResource": TPU_API}
"""APIs of ailab's dynamic resources, by their ``kind`` input."""
