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
}
"""The API each GCP resource type is created through."""
DYNAMIC_KIND_APIS = {"tpu.v2.QueuedResource": TPU_API}
"""APIs of ailab's dynamic resources, by their ``kind`` input."""
