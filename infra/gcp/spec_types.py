"""Typed parts of the GCP lab spec (frozen dataclasses the components take).

Validation lives in ``infra.gcp.spec``; these are the values it produces.
"""

from __future__ import annotations

from dataclasses import dataclass

from ailab.core import tpu as tpu_facts
from ailab.infra.machines import MachineGroup


@dataclass(frozen=True)
class GcpNetworkSpec:
    subnet_cidr: str
    ssh_sources: tuple[str, ...]
    """The IAP TCP-forwarding range, and sshCidr for VMs with an external IP."""
    gpu_nic_cidrs: tuple[str, ...]
    """One /24 per extra A3 GPU NIC network (empty without a GPUDirect cluster)."""


@dataclass(frozen=True)
class DiskSpec:
    size_gb: int
    type: str


@dataclass(frozen=True)
class VmSpec:
    """Stand-alone GPU VMs."""

    machine_type: str
    count: int
    spot: bool
    public_ip: bool
    boot_disk_gb: int
    data_disk: DiskSpec | None
    reservation: str | None


@dataclass(frozen=True)
class TpuSpec:
    tpu_type: str
    api_type: str
    topology: str
    runtime: str
    count: int
    spot: bool
    queued: bool
    reservation: str | None
    data_disk: DiskSpec | None


@dataclass(frozen=True)
class PoolSpec:
    machine_type: str
    min: int
    max: int
    target_utilization: float


@dataclass(frozen=True)
class ClusterSpec:
    """N nodes of one type under a compact placement policy in one zone."""

    machine_type: str
    nodes: int
    spot: bool
    zone: str
    gpu_nics: int
    gpudirect: str
    reservation: str | None


@dataclass(frozen=True)
class BucketSpec:
    tiering: str
    nearline_days: int
    coldline_days: int
    archive_days: int
    abort_upload_days: int


@dataclass(frozen=True)
class FilestoreSpec:
    tier: str
    capacity_gb: int


@dataclass(frozen=True)
class ScheduleSpec:
    start: str | None
    stop: str
    time_zone: str


@dataclass(frozen=True)
class WatchdogSpec:
    minutes: int
    gpu_percent: int


@dataclass(frozen=True)
class BudgetSpec:
    billing_account: str
    monthly_usd: int
    emails: tuple[str, ...]
    thresholds: tuple[int, ...]


@dataclass(frozen=True)
class GcpLabSpec:
    project: str
    zone: str
    network: GcpNetworkSpec
    vms: VmSpec | None
    tpu: TpuSpec | None
    pool: PoolSpec | None
    cluster: ClusterSpec | None
    bucket: BucketSpec
    gcsfuse: bool
    filestore: FilestoreSpec | None
    schedule: ScheduleSpec | None
    watchdog: WatchdogSpec | None
    budget: BudgetSpec | None
    image_family: str
    image_project: str
    spot_exempt: str | None = None
    """Why on-demand accelerators are intended (``ailab:spotExempt``), labelled on them."""

    def monthly_budget(self) -> float | None:
        """``budgetMonthlyUsd`` when the stack declares a budget."""
        return float(self.budget.monthly_usd) if self.budget is not None else None

    def machine_groups(self) -> list[MachineGroup]:
        """Stand-alone VMs, the cluster, TPU slices, then the spot pool (a SPOT template)."""
        groups = []
        if self.vms is not None:
            groups.append(MachineGroup("vms", (self.vms.machine_type,), self.vms.count,
                                       self.vms.spot))
        if self.cluster is not None:
            groups.append(MachineGroup("cluster", (self.cluster.machine_type,),
                                       self.cluster.nodes, self.cluster.spot))
        if self.tpu is not None:
            groups.append(MachineGroup("tpu", (tpu_facts.catalog_name(self.tpu.tpu_type),),
                                       self.tpu.count, self.tpu.spot))
        if self.pool is not None:
            groups.append(MachineGroup("pool", (self.pool.machine_type,), self.pool.min, True))
        return groups
