"""Every ``ailab:`` stack config key: type, default and meaning.

This table is the single source of truth for the config surface. ``Pulumi.yaml``
declares the same keys (a test keeps the two in step), ``infra.config`` parses
raw values with it, and unknown keys are rejected against it with a suggestion.
Pulumi project config supports only string, integer, boolean and array types,
so every key is flat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

KeyType = Literal["string", "integer", "boolean", "array"]


MAX_INTEGER = 1_000_000_000
"""Largest value any integer key takes unless it documents a smaller maximum: far
above every count and size ailab configures, and it keeps the arithmetic finite."""


@dataclass(frozen=True)
class ConfigKey:
    """One documented config key (without the ``ailab:`` namespace).

    ``maximum`` bounds an integer key (or each item of an integer array) and
    ``max_items`` an array's length: counts that multiply resources are capped so
    a typo cannot turn a preview into minutes of work (both are documented in
    Pulumi.yaml)."""

    name: str
    type: KeyType
    default: Any
    description: str
    required: bool = False
    items: KeyType = "string"
    maximum: int | None = None
    max_items: int | None = None

    @property
    def limit(self) -> int:
        """The largest integer the key (or each of its items) accepts."""
        return MAX_INTEGER if self.maximum is None else self.maximum

    @property
    def documented(self) -> str:
        """The description with the limits, as Pulumi.yaml shows it."""
        limits = []
        if self.maximum is not None:
            limits.append(f"at most {self.maximum:,}" + (" each" if self.type == "array"
                                                         else ""))
        if self.max_items is not None:
            limits.append(f"at most {self.max_items} items")
        return self.description + (f" Limit: {'; '.join(limits)}." if limits else "")


def _k(name: str, type_: KeyType, default: Any, description: str, **kw: Any) -> ConfigKey:
    return ConfigKey(name, type_, default, description, **kw)


COMMON_KEYS: list[ConfigKey] = [
    _k("cloud", "string", "aws", "Cloud of the lab: aws or gcp."),
    _k("owner", "string", None, "Owner tag/label on every resource (e-mail or team).",
       required=True),
    _k("expires", "string", "", "Expiry date (YYYY-MM-DD) tagged on every resource; "
       "empty means no expiry. The janitor acts on passed dates."),
    _k("retainOnDelete", "boolean", True, "Keep data stores (buckets, volumes, file "
       "systems) when the stack is destroyed."),
    _k("sshCidr", "string", "", "CIDR allowed to reach SSH (port 22). Empty: no SSH "
       "ingress at all (use SSM / IAP). 0.0.0.0/0 is refused."),
    _k("spotExempt", "string", "", "Why this lab's accelerators run on-demand (e.g. "
       "reserved capacity); empty: none. Non-empty exempts them from the spot-required "
       "guardrail: machines are tagged ailab:spot-exempt (GCP label ailab-spot-exempt)."),
    _k("dashboard", "boolean", True, "Declare the lab's dashboard (CloudWatch on aws, Cloud "
       "Monitoring on gcp): GPU utilisation and memory per machine, CPU, network, file "
       "systems, auto-stop state and budget. false: none (the dashboard guardrail warns "
       "on GPU stacks)."),
    _k("tracking", "string", "", "Experiment tracking server: mlflow (server in the private "
       "subnets, managed PostgreSQL, artifacts in the lab bucket, password in the cloud's "
       "secret manager); empty: none."),
]

AWS_KEYS: list[ConfigKey] = [
    # Network
    _k("vpcCidr", "string", "10.20.0.0/16", "VPC CIDR block."),
    _k("publicSubnetCidrs", "array", ["10.20.0.0/20", "10.20.16.0/20"],
       "Public subnet CIDRs, one per availability zone (at least 2).", max_items=16),
    _k("privateSubnetCidrs", "array", ["10.20.128.0/20", "10.20.144.0/20"],
       "Private subnet CIDRs, one per availability zone (same count as public).", max_items=16),
    _k("availabilityZones", "array", [], "Availability zones; default: <region>a, <region>b, ...",
       max_items=16),
    _k("natGateway", "boolean", False, "Create one NAT gateway for the private subnets."),
    # GPU instances
    _k("instanceType", "string", "", "GPU instance type of the lab machines; empty: none."),
    _k("instanceCount", "integer", 1, "Number of lab machines.", maximum=256),
    _k("spot", "boolean", True, "Run lab machines on spot capacity (persistent, stop on "
       "interruption)."),
    _k("publicIp", "boolean", False, "Give lab machines a public IP in a public subnet "
       "(SSH still limited to sshCidr)."),
    _k("rootVolumeGb", "integer", 200, "Encrypted gp3 root volume size in GiB.", maximum=16384),
    _k("amiNameFilter", "string", "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 24.04) *",
       "Name filter for the Amazon-owned Deep Learning AMI (newest wins); a filter that "
       "matches only DLAMI lines past their end of patch is refused."),
    # Block storage
    _k("dataVolumeGb", "integer", 0, "Size of one EBS data volume per lab machine; 0: none.",
       maximum=65536),
    _k("dataVolumeType", "string", "gp3", "EBS data volume type: gp3 or io2."),
    _k("dataVolumeIops", "integer", 3000, "Provisioned IOPS of data volumes."),
    _k("dataVolumeThroughput", "integer", 125, "gp3 throughput in MiB/s."),
    # Spot pool
    _k("poolInstanceTypes", "array", [], "Instance types of the spot Auto Scaling group "
       "(one GPU class); empty: no pool.", max_items=40),
    _k("poolMin", "integer", 0, "Spot pool minimum size.", maximum=1000),
    _k("poolDesired", "integer", 0, "Spot pool desired capacity.", maximum=1000),
    _k("poolMax", "integer", 4, "Spot pool maximum size.", maximum=1000),
    _k("poolOnDemandBase", "integer", 0, "On-demand base capacity of the pool.", maximum=1000),
    _k("poolOnDemandPercent", "integer", 0, "On-demand percentage above base capacity."),
    # High-bandwidth cluster
    _k("clusterInstanceType", "string", "", "EFA-capable instance type of the cluster; "
       "empty: no cluster."),
    _k("clusterNodes", "integer", 2, "Cluster node count.", maximum=2048),
    _k("clusterEfa", "boolean", True, "Attach the type's EFA interfaces to each node."),
    _k("clusterSpot", "boolean", False, "Run cluster nodes on spot capacity."),
    _k("clusterAzs", "array", [], "Zone(s) of the cluster; EFA requires exactly one "
       "(default: the first zone).", max_items=16),
    # Object storage
    _k("bucketTiering", "string", "lifecycle", "Bucket tiering. aws: lifecycle, "
       "intelligent-tiering or none; gcp: lifecycle, autoclass or none."),
    _k("bucketIaDays", "integer", 30, "Lifecycle: days until STANDARD_IA (0: skip)."),
    _k("bucketGlacierIrDays", "integer", 90, "Lifecycle: days until GLACIER_IR (0: skip)."),
    _k("bucketDeepArchiveDays", "integer", 0, "Lifecycle: days until DEEP_ARCHIVE (0: never)."),
    _k("abortMultipartDays", "integer", 7, "Abort incomplete multipart uploads after N days."),
    # File storage
    _k("efs", "boolean", False, "EFS file system for home directories."),
    _k("fsxLustre", "boolean", False, "FSx for Lustre linked to the bucket (training data)."),
    _k("fsxStorageGb", "integer", 1200, "FSx for Lustre capacity in GiB (1200 or a multiple "
       "of 2400)."),
    _k("fsxDeploymentType", "string", "PERSISTENT_2", "FSx for Lustre deployment type: "
       "PERSISTENT_2 (required for the bucket link)."),
    _k("fsxThroughputPerTib", "integer", 125, "FSx PERSISTENT_2 throughput per TiB: 125, "
       "250, 500 or 1000."),
    # Idle auto-stop and budget
    _k("autoStopMinutes", "integer", 60, "Stop a GPU machine after N minutes with every GPU "
       "below autoStopGpuPercent; 0: off. aws: a multiple of 5, at most 1440."),
    _k("autoStopGpuPercent", "integer", 10, "GPU utilisation (%) under which every GPU of a "
       "machine must stay for autoStopMinutes before it is stopped (aws: CloudWatch alarm on "
       "the agent's nvidia_smi_utilization_gpu; gcp: the idle watchdog)."),
    _k("autoStopCpuPercent", "integer", 0, "aws: extra condition, CPU utilisation (%) under "
       "which the machine must also stay (0: none); moves the stop decision onto the "
       "machine (idle watchdog). CPU alone never stops a GPU machine."),
    _k("budgetMonthlyUsd", "integer", 0, "Monthly AWS Budget for the stack's tag; 0: none."),
    _k("budgetEmails", "array", [], "E-mail addresses alerted by the budget.", max_items=10),
    _k("budgetThresholds", "array", [50, 80, 100], "Budget alert thresholds in percent.",
       items="integer", max_items=5),
]

# GCP-only keys. GCP labs also read these shared keys where they mean the same:
# spot, publicIp, poolMin, poolMax, clusterNodes, clusterSpot, bucketTiering,
# abortMultipartDays, autoStopMinutes, autoStopGpuPercent, budgetMonthlyUsd, budgetEmails,
# budgetThresholds.
GCP_KEYS: list[ConfigKey] = [
    # Network
    _k("subnetCidr", "string", "10.30.0.0/20", "gcp: primary subnet CIDR of the lab VPC."),
    _k("gpuNicCidr", "string", "10.31.0.0/16", "gcp: range split into one /24 subnet per "
       "extra A3 GPU NIC network (GPUDirect-TCPX/TCPXO data path)."),
    # GPU VMs
    _k("machineType", "string", "", "gcp: GPU machine type of the lab VMs (g2-standard-8, "
       "a2-highgpu-1g, a3-highgpu-8g, ...); empty: none."),
    _k("machineCount", "integer", 1, "gcp: number of lab VMs.", maximum=256),
    _k("bootDiskGb", "integer", 200, "gcp: boot disk size in GiB.", maximum=65536),
    _k("imageFamily", "string", "common-cu128-ubuntu-2204-nvidia-570",
       "gcp: Deep Learning VM image family (project imageProject)."),
    _k("imageProject", "string", "deeplearning-platform-release",
       "gcp: project of the image family."),
    _k("dataDiskGb", "integer", 0, "gcp: one data disk per lab VM in GiB; 0: none.", maximum=65536),
    _k("dataDiskType", "string", "pd-balanced", "gcp: data disk type (pd-balanced, pd-ssd, "
       "hyperdisk-balanced, ...), checked against the machine family."),
    _k("reservationName", "string", "", "gcp: consume this specific reservation "
       "(VMs, cluster, TPU); not allowed with spot."),
    # TPU VMs
    _k("tpuType", "string", "", "gcp: TPU accelerator type (v5litepod-8, v5p-8, v6e-8, ...); "
       "empty: none."),
    _k("tpuRuntime", "string", "", "gcp: TPU runtime version; empty: the type's default."),
    _k("tpuTopology", "string", "", "gcp: TPU topology (2x4, 2x2x1, ...); empty: from the "
       "type."),
    _k("tpuCount", "integer", 1, "gcp: number of TPU slices.", maximum=64),
    _k("tpuSpot", "boolean", True, "gcp: run TPU slices on spot capacity."),
    _k("tpuQueued", "boolean", False, "gcp: request TPU slices through a queued resource "
       "(waits for capacity) instead of creating them directly."),
    _k("tpuDataDiskGb", "integer", 0, "gcp: one data disk per TPU slice in GiB; 0: none.",
       maximum=65536),
    # Spot pool
    _k("poolMachineType", "string", "", "gcp: GPU machine type of the spot managed instance "
       "group; empty: no pool."),
    _k("poolTargetUtilization", "integer", 70, "gcp: autoscaler target CPU utilisation (%)."),
    # High-bandwidth cluster
    _k("clusterMachineType", "string", "", "gcp: machine type of the compact-placement "
       "cluster (a3-highgpu-8g, a3-megagpu-8g, ...); empty: no cluster."),
    _k("clusterZones", "array", [], "gcp: zone of the cluster; compact placement needs "
       "exactly one (default: gcp:zone).", max_items=16),
    _k("clusterGpuDirectNics", "boolean", True, "gcp: give A3 nodes their extra GPU NICs, "
       "each in its own VPC (GPUDirect-TCPX/TCPXO data path)."),
    # Object and file storage
    _k("bucketNearlineDays", "integer", 30, "gcp lifecycle: days until NEARLINE (0: skip)."),
    _k("bucketColdlineDays", "integer", 90, "gcp lifecycle: days until COLDLINE (0: skip)."),
    _k("bucketArchiveDays", "integer", 365, "gcp lifecycle: days until ARCHIVE (0: skip)."),
    _k("gcsfuse", "boolean", False, "gcp: mount the lab bucket on every VM at /mnt/gcs with "
       "Cloud Storage FUSE."),
    _k("filestore", "boolean", False, "gcp: Filestore instance for home directories, "
       "mounted at /home/shared."),
    _k("filestoreTier", "string", "BASIC_HDD", "gcp: Filestore tier: BASIC_HDD, BASIC_SSD, "
       "ZONAL or REGIONAL."),
    _k("filestoreCapacityGb", "integer", 1024, "gcp: Filestore capacity in GiB."),
    # Idle auto-stop and budget
    _k("scheduleStart", "string", "", "gcp: cron (5 fields) starting lab VMs; empty: none."),
    _k("scheduleStop", "string", "", "gcp: cron (5 fields) stopping lab VMs; empty: no "
       "instance schedule."),
    _k("scheduleTimeZone", "string", "UTC", "gcp: IANA time zone of the schedule."),
    _k("billingAccount", "string", "", "gcp: billing account ID for the budget "
       "(XXXXXX-XXXXXX-XXXXXX); empty: no budget."),
]

# Keys from other namespaces that the program reads.
PROVIDER_KEYS = {
    "aws:region": "AWS region of the lab (required on aws).",
    "gcp:project": "GCP project of the lab (required on gcp).",
    "gcp:region": "GCP region of the lab (required on gcp).",
    "gcp:zone": "GCP zone of the lab's zonal resources (required on gcp).",
    "gcp:billingProject": "Quota project the provider bills API calls to (required with a "
                          "budget: the Billing Budgets API needs one under user credentials).",
    "gcp:userProjectOverride": "Send gcp:billingProject as the quota project of every call "
                               "(true with a budget).",
}

ALL_KEYS: dict[str, ConfigKey] = {k.name: k for k in COMMON_KEYS + AWS_KEYS + GCP_KEYS}
