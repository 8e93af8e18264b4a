"""The AWS part of the lab spec, validated against the price table and facts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ailab.core.errors import ConfigError
from ailab.costs import catalog
from ailab.infra.aws.ami import DEFAULT_FILTER, ended_lines
from ailab.infra.aws.facts import efa_interfaces
from ailab.infra.cidr import check_subnets, parse_cidr
from ailab.infra.keys import AWS_KEYS, GCP_KEYS
from ailab.infra.machines import MachineGroup

NS = "ailab"
TIERINGS = ("lifecycle", "intelligent-tiering", "none")
VOLUME_TYPES = ("gp3", "io2")
FSX_THROUGHPUTS = (125, 250, 500, 1000)


@dataclass(frozen=True)
class NetworkSpec:
    vpc_cidr: str
    public_subnets: tuple[str, ...]
    private_subnets: tuple[str, ...]
    azs: tuple[str, ...]
    nat_gateway: bool


@dataclass(frozen=True)
class InstancesSpec:
    """Stand-alone GPU lab machines."""

    instance_type: str
    count: int
    spot: bool
    public_ip: bool
    root_volume_gb: int
    ami_name_filter: str


@dataclass(frozen=True)
class DataVolumeSpec:
    size_gb: int
    type: str
    iops: int
    throughput: int | None


@dataclass(frozen=True)
class SpotPoolSpec:
    instance_types: tuple[str, ...]
    min: int
    desired: int
    max: int
    on_demand_base: int
    on_demand_percent: int


@dataclass(frozen=True)
class ClusterSpec:
    """N nodes of one EFA-capable type in a cluster placement group, one AZ."""

    instance_type: str
    nodes: int
    efa_interfaces: int
    spot: bool
    az: str


@dataclass(frozen=True)
class BucketSpec:
    tiering: str
    ia_days: int
    glacier_ir_days: int
    deep_archive_days: int
    abort_multipart_days: int


@dataclass(frozen=True)
class FsxSpec:
    storage_gb: int
    deployment_type: str
    throughput_per_tib: int


@dataclass(frozen=True)
class AutoStopSpec:
    """Stop a GPU machine after ``minutes`` with every GPU below ``gpu_percent`` (and,
    when ``cpu_percent`` > 0, the CPU below it too)."""

    minutes: int
    gpu_percent: int
    cpu_percent: int = 0

    @property
    def on_instance(self) -> bool:
        """The decision runs on the machine (watchdog): a CloudWatch alarm that stops
        an instance reads one metric, so it cannot add the CPU condition."""
        return self.cpu_percent > 0


@dataclass(frozen=True)
class BudgetSpec:
    monthly_usd: int
    emails: tuple[str, ...]
    thresholds: tuple[int, ...]


@dataclass(frozen=True)
class AwsLabSpec:
    network: NetworkSpec
    instances: InstancesSpec | None
    data_volume: DataVolumeSpec | None
    pool: SpotPoolSpec | None
    cluster: ClusterSpec | None
    bucket: BucketSpec
    efs: bool
    fsx: FsxSpec | None
    auto_stop: AutoStopSpec | None
    budget: BudgetSpec | None
    ami_name_filter: str
    spot_exempt: str | None = None
    """Why on-demand machines are intended (``ailab:spotExempt``); tagged on them."""

    def monthly_budget(self) -> float | None:
        """``budgetMonthlyUsd`` when the stack declares a budget."""
        return float(self.budget.monthly_usd) if self.budget is not None else None

    def machine_groups(self) -> list[MachineGroup]:
        """Stand-alone instances, the cluster, then the spot pool (spot above its base)."""
        groups = []
        if self.instances is not None:
            groups.append(MachineGroup("instances", (self.instances.instance_type,),
                                       self.instances.count, self.instances.spot))
        if self.cluster is not None:
            groups.append(MachineGroup("cluster", (self.cluster.instance_type,),
                                       self.cluster.nodes, self.cluster.spot))
        if self.pool is not None:
            groups.append(MachineGroup("pool", self.pool.instance_types, self.pool.desired,
                                       True))
        return groups


def _no_gcp_keys(values: dict[str, Any]) -> None:
    """A GCP-only key set on an AWS stack is a mistake, not something to ignore."""
    aws_names = {k.name for k in AWS_KEYS}
    for key in GCP_KEYS:
        if key.name not in aws_names and values[key.name] != key.default:
            raise ConfigError(f"{NS}:{key.name}", values[key.name], "is a GCP-only key and this "
                              "stack has cloud aws; remove it (see Pulumi.yaml)")


def build_aws_spec(values: dict[str, Any], common: Any,
                   explicit: frozenset[str] = frozenset()) -> AwsLabSpec:
    """Validate the AWS keys; ``common`` is the cloud-neutral LabSpec, ``explicit``
    the ``ailab:`` keys the stack sets itself (for migration messages)."""
    _no_gcp_keys(values)
    region = common.region
    if not catalog.regions_for_cloud("aws").__contains__(region):
        raise ConfigError("aws:region", region, "not a region in the price table; known: "
                          + ", ".join(sorted(catalog.regions_for_cloud("aws"))))
    network = _network(values, region)
    cluster = _cluster(values, region, network)
    _ami_filter(values["amiNameFilter"])
    return AwsLabSpec(
        network=network,
        instances=_instances(values, region),
        data_volume=_data_volume(values),
        pool=_pool(values, region),
        cluster=cluster,
        bucket=_bucket(values),
        efs=values["efs"],
        fsx=_fsx(values),
        auto_stop=_auto_stop(values, explicit, cluster),
        budget=_budget(values),
        ami_name_filter=values["amiNameFilter"],
        spot_exempt=values.get("spotExempt") or None,
    )


def _network(values: dict[str, Any], region: str) -> NetworkSpec:
    vpc = parse_cidr(f"{NS}:vpcCidr", values["vpcCidr"])
    public = [parse_cidr(f"{NS}:publicSubnetCidrs", c) for c in values["publicSubnetCidrs"]]
    private = [parse_cidr(f"{NS}:privateSubnetCidrs", c) for c in values["privateSubnetCidrs"]]
    if len(public) < 2:
        raise ConfigError(f"{NS}:publicSubnetCidrs", values["publicSubnetCidrs"],
                          "need at least 2 subnets (one per availability zone)")
    if len(private) != len(public):
        raise ConfigError(f"{NS}:privateSubnetCidrs", values["privateSubnetCidrs"],
                          f"need {len(public)} subnets, one per public subnet")
    check_subnets(f"{NS}:vpcCidr", vpc, f"{NS}:publicSubnetCidrs/privateSubnetCidrs",
                  public + private)
    azs = values["availabilityZones"] or [f"{region}{chr(ord('a') + i)}"
                                          for i in range(len(public))]
    for az in azs:
        if not re.fullmatch(re.escape(region) + r"[a-z]", az):
            raise ConfigError(f"{NS}:availabilityZones", az, f"expected a zone of {region}, "
                              f"like {region}a")
    if len(azs) != len(public):
        raise ConfigError(f"{NS}:availabilityZones", azs, f"need {len(public)} zones, one per "
                          "subnet")
    return NetworkSpec(str(vpc), tuple(map(str, public)), tuple(map(str, private)), tuple(azs),
                       values["natGateway"])


def check_instance_type(key: str, itype: str, region: str, spot: bool) -> catalog.PriceRow:
    """Known type, offered in the region, with a spot market when spot is asked."""
    known = catalog.instance_types("aws")
    if itype not in known:
        gpu = sorted(t for t in known if t.split(".")[0] in ("g5", "g6", "g6e", "p4d", "p5"))
        raise ConfigError(key, itype, "unknown instance type; e.g. " + ", ".join(gpu[:8]))
    row = catalog.find_price("aws", itype, region)
    if row is None:
        offered = ", ".join(catalog.regions_for("aws", itype))
        raise ConfigError(key, itype, f"not offered in {region}; offered in: {offered}")
    if spot and not row.has_spot:
        raise ConfigError(key, itype, f"has no spot market in {region}; set spot to false")
    return row


def _positive(key: str, value: int) -> int:
    if value <= 0:
        raise ConfigError(f"{NS}:{key}", value, "must be 1 or more")
    return value


def _instances(values: dict[str, Any], region: str) -> InstancesSpec | None:
    itype = values["instanceType"]
    if not itype:
        return None
    check_instance_type(f"{NS}:instanceType", itype, region, values["spot"])
    return InstancesSpec(itype, _positive("instanceCount", values["instanceCount"]),
                         values["spot"], values["publicIp"],
                         _positive("rootVolumeGb", values["rootVolumeGb"]),
                         values["amiNameFilter"])


def _data_volume(values: dict[str, Any]) -> DataVolumeSpec | None:
    size = values["dataVolumeGb"]
    if size == 0:
        return None
    _positive("dataVolumeGb", size)
    vtype = values["dataVolumeType"]
    if vtype not in VOLUME_TYPES:
        raise ConfigError(f"{NS}:dataVolumeType", vtype, f"allowed: {', '.join(VOLUME_TYPES)}")
    iops = values["dataVolumeIops"]
    low, high = (3000, 16000) if vtype == "gp3" else (100, 256000)
    if not low <= iops <= high:
        raise ConfigError(f"{NS}:dataVolumeIops", iops, f"{vtype} allows {low}..{high}")
    throughput = values["dataVolumeThroughput"] if vtype == "gp3" else None
    if throughput is not None and not 125 <= throughput <= 1000:
        raise ConfigError(f"{NS}:dataVolumeThroughput", throughput, "gp3 allows 125..1000 MiB/s")
    return DataVolumeSpec(size, vtype, iops, throughput)


def _pool(values: dict[str, Any], region: str) -> SpotPoolSpec | None:
    types = values["poolInstanceTypes"]
    if not types:
        return None
    for itype in types:
        row = check_instance_type(f"{NS}:poolInstanceTypes", itype, region, spot=True)
        if row.accelerator_count <= 0:
            raise ConfigError(f"{NS}:poolInstanceTypes", itype, "is not a GPU instance type")
    lo, want, hi = values["poolMin"], values["poolDesired"], values["poolMax"]
    _positive("poolMax", hi)
    if lo < 0:
        raise ConfigError(f"{NS}:poolMin", lo, "must be 0 or more")
    if lo > hi:
        raise ConfigError(f"{NS}:poolMin", lo, f"must not exceed poolMax ({hi})")
    if not lo <= want <= hi:
        raise ConfigError(f"{NS}:poolDesired", want, f"must be within poolMin..poolMax "
                          f"({lo}..{hi})")
    pct = values["poolOnDemandPercent"]
    if not 0 <= pct <= 100:
        raise ConfigError(f"{NS}:poolOnDemandPercent", pct, "must be 0..100")
    base = values["poolOnDemandBase"]
    if not 0 <= base <= hi:
        raise ConfigError(f"{NS}:poolOnDemandBase", base, f"must be within 0..poolMax ({hi})")
    return SpotPoolSpec(tuple(types), lo, want, hi, base, pct)


def _cluster(values: dict[str, Any], region: str, network: NetworkSpec) -> ClusterSpec | None:
    itype = values["clusterInstanceType"]
    if not itype:
        return None
    key = f"{NS}:clusterInstanceType"
    check_instance_type(key, itype, region, values["clusterSpot"])
    nodes = _positive("clusterNodes", values["clusterNodes"])
    efa = efa_interfaces(itype) if values["clusterEfa"] else 0
    if values["clusterEfa"] and efa == 0:
        raise ConfigError(key, itype, "has no EFA; use an EFA type (p4d, p5, p5e, p5en, trn1, "
                          "...) or set clusterEfa to false")
    azs = values["clusterAzs"] or [network.azs[0]]
    if efa and len(azs) > 1:
        raise ConfigError(f"{NS}:clusterAzs", azs, "EFA nodes must share one availability zone "
                          "(one subnet, one cluster placement group); give exactly one")
    for az in azs:
        if az not in network.azs:
            raise ConfigError(f"{NS}:clusterAzs", az, f"not one of the lab's zones: "
                              f"{', '.join(network.azs)}")
    return ClusterSpec(itype, nodes, efa, values["clusterSpot"], azs[0])


def _bucket(values: dict[str, Any]) -> BucketSpec:
    tiering = values["bucketTiering"]
    if tiering not in TIERINGS:
        raise ConfigError(f"{NS}:bucketTiering", tiering, f"allowed: {', '.join(TIERINGS)}")
    ia, gir, deep = values["bucketIaDays"], values["bucketGlacierIrDays"], \
        values["bucketDeepArchiveDays"]
    steps = [(k, d) for k, d in (("bucketIaDays", ia), ("bucketGlacierIrDays", gir),
                                 ("bucketDeepArchiveDays", deep)) if d]
    for key, days in steps:
        if days < 0:
            raise ConfigError(f"{NS}:{key}", days, "must be 0 (skip) or more")
    if ia and ia < 30:
        raise ConfigError(f"{NS}:bucketIaDays", ia, "S3 needs at least 30 days before "
                          "STANDARD_IA")
    for (prev_key, prev), (key, days) in zip(steps, steps[1:], strict=False):
        if days <= prev:
            raise ConfigError(f"{NS}:{key}", days, f"must be later than {prev_key} ({prev})")
    abort = _positive("abortMultipartDays", values["abortMultipartDays"])
    return BucketSpec(tiering, ia, gir, deep, abort)


def _fsx(values: dict[str, Any]) -> FsxSpec | None:
    if not values["fsxLustre"]:
        return None
    size, dtype, tput = values["fsxStorageGb"], values["fsxDeploymentType"], \
        values["fsxThroughputPerTib"]
    if dtype != "PERSISTENT_2":
        raise ConfigError(f"{NS}:fsxDeploymentType", dtype, "only PERSISTENT_2 supports the "
                          "data repository association to the bucket")
    if not (size == 1200 or (size > 0 and size % 2400 == 0)):
        raise ConfigError(f"{NS}:fsxStorageGb", size, "must be 1200 or a multiple of 2400")
    if tput not in FSX_THROUGHPUTS:
        raise ConfigError(f"{NS}:fsxThroughputPerTib", tput,
                          f"allowed: {', '.join(map(str, FSX_THROUGHPUTS))}")
    return FsxSpec(size, dtype, tput)


MAX_AUTO_STOP_MINUTES = 1440
"""CloudWatch evaluates alarms with periods under an hour over at most one day."""


def _auto_stop(values: dict[str, Any], explicit: frozenset[str],
               cluster: ClusterSpec | None) -> AutoStopSpec | None:
    minutes, gpu, cpu = (values["autoStopMinutes"], values["autoStopGpuPercent"],
                         values["autoStopCpuPercent"])
    if "autoStopCpuPercent" in explicit and "autoStopGpuPercent" not in explicit and cpu:
        raise ConfigError(f"{NS}:autoStopCpuPercent", cpu, "auto-stop now decides on GPU "
                          "utilisation: set ailab:autoStopGpuPercent (e.g. 10) and drop this "
                          "key, or keep it beside autoStopGpuPercent as an extra condition")
    if minutes == 0:
        return None
    if minutes < 5 or minutes % 5 or minutes > MAX_AUTO_STOP_MINUTES:
        raise ConfigError(f"{NS}:autoStopMinutes", minutes, "must be 0 (off) or a multiple of "
                          f"5 minutes from 5 to {MAX_AUTO_STOP_MINUTES}")
    if not 1 <= gpu <= 100:
        raise ConfigError(f"{NS}:autoStopGpuPercent", gpu, "must be 1..100")
    if not 0 <= cpu <= 100:
        raise ConfigError(f"{NS}:autoStopCpuPercent", cpu, "must be 0 (no CPU condition) "
                          "or 1..100")
    if cpu and cluster is not None and cluster.spot:
        raise ConfigError(f"{NS}:autoStopCpuPercent", cpu, "a CPU condition stops the machine "
                          "from inside, and one-time spot cluster nodes cannot be stopped; "
                          "drop it or set clusterSpot to false")
    return AutoStopSpec(minutes, gpu, cpu)


def _ami_filter(name_filter: str) -> None:
    ended = ended_lines(name_filter)
    if ended:
        last, end = ended[-1]
        raise ConfigError(f"{NS}:amiNameFilter", name_filter, "matches only Deep Learning AMI "
                          f"lines past their end of patch (newest: {last.rsplit(' ', 1)[0]}, "
                          f"{end}); use {DEFAULT_FILTER!r}")


def _budget(values: dict[str, Any]) -> BudgetSpec | None:
    amount = values["budgetMonthlyUsd"]
    if amount == 0:
        return None
    _positive("budgetMonthlyUsd", amount)
    emails = values["budgetEmails"]
    if not emails:
        raise ConfigError(f"{NS}:budgetEmails", emails, "a budget needs at least one e-mail")
    for email in emails:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise ConfigError(f"{NS}:budgetEmails", email, "not an e-mail address")
    thresholds = values["budgetThresholds"]
    for pct in thresholds:
        if not 1 <= pct <= 1000:
            raise ConfigError(f"{NS}:budgetThresholds", pct, "percentages must be 1..1000")
    return BudgetSpec(amount, tuple(emails), tuple(sorted(thresholds)))
