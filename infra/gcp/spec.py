"""The GCP part of the lab spec, validated against the price table and facts.

Every check that Google would otherwise make at apply time (and some it never
makes, like spot on a reservation) fails here, before any resource, as a
one-line ``ConfigError`` naming the key: accelerator not offered in the zone,
TPU type/runtime mismatch, topology not valid for the type, compact placement
across zones, a disk type the machine series cannot attach, and so on.
"""

from __future__ import annotations

import math
import re
import zoneinfo
from typing import Any

from ailab.core import tpu
from ailab.core.errors import MISSING, ConfigError
from ailab.costs import catalog
from ailab.infra.cidr import parse_cidr
from ailab.infra.gcp import facts
from ailab.infra.gcp.spec_types import (
    BucketSpec,
    BudgetSpec,
    ClusterSpec,
    DiskSpec,
    FilestoreSpec,
    GcpLabSpec,
    GcpNetworkSpec,
    PoolSpec,
    ScheduleSpec,
    TpuSpec,
    VmSpec,
    WatchdogSpec,
)
from ailab.infra.keys import ALL_KEYS, AWS_KEYS

NS = "ailab"
TIERINGS = ("lifecycle", "autoclass", "none")
FILESTORE_CAPACITY = facts.FILESTORE_CAPACITY
SHARED_WITH_AWS = {"spot", "publicIp", "poolMin", "poolMax", "clusterNodes", "clusterSpot",
                   "bucketTiering", "abortMultipartDays", "autoStopMinutes", "autoStopGpuPercent",
                   "budgetMonthlyUsd", "budgetEmails", "budgetThresholds"}
AWS_ONLY = tuple(k.name for k in AWS_KEYS if k.name not in SHARED_WITH_AWS)
__all__ = [
    "build_gcp_spec",
    "check_machine_type",
    "GcpNetworkSpec",
    "DiskSpec",
    "VmSpec",
    "TpuSpec",
    "PoolSpec",
    "ClusterSpec",
    "BucketSpec",
    "FilestoreSpec",
    "ScheduleSpec",
    "WatchdogSpec",
    "BudgetSpec",
    "GcpLabSpec",
]


def build_gcp_spec(values: dict[str, Any], common: Any) -> GcpLabSpec:
    """Validate the GCP keys; ``common`` is the cloud-neutral LabSpec."""
    _no_aws_keys(values)
    region = common.region
    if region not in catalog.regions_for_cloud("gcp"):
        raise ConfigError("gcp:region", region, "not a region in the price table; known: "
                          + ", ".join(sorted(catalog.regions_for_cloud("gcp"))))
    project, zone = _project(values), _zone("gcp:zone", values.get("gcp:zone"), region)
    reservation = values["reservationName"] or None
    cluster = _cluster(values, region, zone, reservation)
    return GcpLabSpec(
        project=project, zone=zone,
        network=_network(values, common.ssh_cidr, cluster),
        vms=_vms(values, region, zone, reservation),
        tpu=_tpu(values, region, zone, reservation),
        pool=_pool(values, region, zone),
        cluster=cluster,
        bucket=_bucket(values),
        gcsfuse=values["gcsfuse"],
        filestore=_filestore(values),
        schedule=_schedule(values),
        watchdog=_watchdog(values),
        budget=_budget(values),
        image_family=values["imageFamily"], image_project=values["imageProject"],
        spot_exempt=values.get("spotExempt") or None,
    )


def _no_aws_keys(values: dict[str, Any]) -> None:
    for name in AWS_ONLY:
        if values[name] != ALL_KEYS[name].default:
            raise ConfigError(f"{NS}:{name}", values[name], "is an AWS-only key and this stack "
                              "has cloud gcp; remove it (GCP keys are marked gcp: in Pulumi.yaml)")


def _project(values: dict[str, Any]) -> str:
    project = values.get("gcp:project")
    if not project:
        raise ConfigError("gcp:project", MISSING, "this key is required on gcp",
                          hint="set it: pulumi config set gcp:project <project-id>")
    if not re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", str(project)):
        raise ConfigError("gcp:project", project, "not a project ID (6-30 lowercase letters, "
                          "digits and hyphens)")
    return str(project)


def _zone(key: str, zone: Any, region: str) -> str:
    if not zone:
        raise ConfigError(key, MISSING, "this key is required on gcp",
                          hint=f"set it: pulumi config set {key} {region}-a")
    if not re.fullmatch(re.escape(region) + r"-[a-z]", str(zone)):
        raise ConfigError(key, zone, f"expected a zone of {region}, like {region}-b")
    return str(zone)


def _positive(key: str, value: int) -> int:
    if value <= 0:
        raise ConfigError(f"{NS}:{key}", value, "must be 1 or more")
    return value


def _network(values: dict[str, Any], ssh_cidr: str | None,
             cluster: ClusterSpec | None) -> GcpNetworkSpec:
    subnet = parse_cidr(f"{NS}:subnetCidr", values["subnetCidr"])
    nic_cidrs: tuple[str, ...] = ()
    if cluster and cluster.gpu_nics:
        nic_range = parse_cidr(f"{NS}:gpuNicCidr", values["gpuNicCidr"])
        if nic_range.overlaps(subnet):
            raise ConfigError(f"{NS}:gpuNicCidr", str(nic_range), f"overlaps subnetCidr {subnet}")
        needed = 24 - math.ceil(math.log2(cluster.gpu_nics))
        if nic_range.prefixlen > needed:
            raise ConfigError(f"{NS}:gpuNicCidr", str(nic_range), f"too small for "
                              f"{cluster.gpu_nics} /24 subnets; use a /{needed} or larger")
        nets = list(nic_range.subnets(new_prefix=24))[:cluster.gpu_nics]
        nic_cidrs = tuple(str(n) for n in nets)
    return GcpNetworkSpec(str(subnet), ssh_sources(ssh_cidr, values), nic_cidrs)


def ssh_sources(ssh_cidr: str | None, values: dict[str, Any]) -> tuple[str, ...]:
    """Where SSH may come from: always IAP TCP forwarding (no lab machine needs an
    external IP for it: TPU VMs and cluster/pool nodes never have one), plus
    ``sshCidr`` for VMs given an external IP (``publicIp``); an sshCidr no
    machine could be reached through is a mistake, not something to ignore."""
    if not ssh_cidr:
        return (facts.IAP_SSH_RANGE,)
    if not (values["machineType"] and values["publicIp"]):
        raise ConfigError(f"{NS}:sshCidr", ssh_cidr, "no lab machine has an external IP, so "
                          "SSH goes through IAP only (gcloud compute ssh / gcloud compute tpus "
                          "tpu-vm ssh --tunnel-through-iap); remove it, or set machineType and "
                          "publicIp")
    return (facts.IAP_SSH_RANGE, ssh_cidr)


def check_machine_type(key: str, mtype: str, region: str, zone: str,
                       spot: bool) -> catalog.PriceRow:
    """A bundled-GPU machine type offered in the zone, with a spot market when asked."""
    known = catalog.instance_types("gcp")
    row = catalog.find_price("gcp", mtype, region)
    if mtype not in known or (row is not None and row.accelerator_count <= 0):
        gpu = sorted(t for t in known if facts.gpu_series(t))
        raise ConfigError(key, mtype, "not a GPU machine type; e.g. " + ", ".join(gpu[:6]))
    if facts.gpu_series(mtype) is None:
        raise ConfigError(key, mtype, "machine series not supported; use "
                          + ", ".join(sorted(facts.GPU_SERIES)))
    return _offered(key, mtype, row, catalog.regions_for("gcp", mtype), region, zone, spot)


def _offered(key: str, name: str, row: catalog.PriceRow | None, regions: list[str],
             region: str, zone: str, spot: bool) -> catalog.PriceRow:
    if row is None:
        raise ConfigError(key, name, f"not offered in {region}; offered in: {', '.join(regions)}")
    if row.zones and zone not in row.zones:
        raise ConfigError(key, name, f"accelerator not offered in zone {zone}; zones in "
                          f"{region}: {', '.join(row.zones)}")
    if spot and not row.has_spot:
        raise ConfigError(key, name, f"has no spot market in {region}; turn spot off")
    return row


def _no_spot_reservation(spot_key: str, spot: bool, reservation: str | None) -> None:
    if spot and reservation:
        raise ConfigError(f"{NS}:reservationName", reservation, f"spot capacity cannot consume "
                          f"a reservation; set {NS}:{spot_key} to false or drop the reservation")


def _vms(values: dict[str, Any], region: str, zone: str,
         reservation: str | None) -> VmSpec | None:
    mtype = values["machineType"]
    if not mtype:
        return None
    check_machine_type(f"{NS}:machineType", mtype, region, zone, values["spot"])
    _no_spot_reservation("spot", values["spot"], reservation)
    disk = _disk(values, "dataDiskGb", facts.gpu_series(mtype).disk_types,  # type: ignore[union-attr]
                 mtype)
    return VmSpec(mtype, _positive("machineCount", values["machineCount"]), values["spot"],
                  values["publicIp"], _positive("bootDiskGb", values["bootDiskGb"]), disk,
                  reservation)


def _disk(values: dict[str, Any], size_key: str, allowed: tuple[str, ...],
          what: str) -> DiskSpec | None:
    size = values[size_key]
    if size == 0:
        return None
    _positive(size_key, size)
    dtype = values["dataDiskType"]
    if dtype not in allowed:
        raise ConfigError(f"{NS}:dataDiskType", dtype, f"{what} cannot attach it; allowed: "
                          + ", ".join(allowed))
    return DiskSpec(size, dtype)


def _tpu(values: dict[str, Any], region: str, zone: str,
         reservation: str | None) -> TpuSpec | None:
    ttype = values["tpuType"]
    if not ttype:
        return None
    key = f"{NS}:tpuType"
    parts = tpu.split_tpu_type(ttype)
    if parts is None:
        raise ConfigError(key, ttype, "expected <generation>-<size>, generations: "
                          + ", ".join(tpu.TPU_GENERATIONS))
    spot = values["tpuSpot"]
    name = f"tpu-{ttype}"
    _offered(key, ttype, catalog.find_price("gcp", name, region),
             catalog.regions_for("gcp", name), region, zone, spot)
    gen = tpu.TPU_GENERATIONS[parts[0]]
    runtime = values["tpuRuntime"] or gen.runtimes[0]
    if runtime not in gen.runtimes:
        raise ConfigError(f"{NS}:tpuRuntime", runtime, f"does not run on {ttype}; "
                          f"{parts[0]} runtimes: {', '.join(gen.runtimes)}")
    topology = values["tpuTopology"] or tpu.default_topology(ttype)
    if not tpu.valid_topology(ttype, topology):
        raise ConfigError(f"{NS}:tpuTopology", topology, f"not a topology of {ttype} "
                          f"({tpu.tpu_chips(ttype)} chips, {gen.dims}D); e.g. "
                          f"{tpu.default_topology(ttype)}")
    _no_spot_reservation("tpuSpot", spot, reservation)
    if values["tpuQueued"] and reservation:
        raise ConfigError(f"{NS}:tpuQueued", True, "queued resources here request spot or "
                          "on-demand capacity; a reservation is consumed directly (set false)")
    disk = _disk(values, "tpuDataDiskGb", gen.disk_types, ttype)
    return TpuSpec(ttype, gen.api_type, topology, runtime,
                   _positive("tpuCount", values["tpuCount"]), spot, values["tpuQueued"],
                   reservation, disk)


def _pool(values: dict[str, Any], region: str, zone: str) -> PoolSpec | None:
    mtype = values["poolMachineType"]
    if not mtype:
        return None
    check_machine_type(f"{NS}:poolMachineType", mtype, region, zone, spot=True)
    lo, hi = values["poolMin"], values["poolMax"]
    _positive("poolMax", hi)
    if not 0 <= lo <= hi:
        raise ConfigError(f"{NS}:poolMin", lo, f"must be within 0..poolMax ({hi})")
    target = values["poolTargetUtilization"]
    if not 1 <= target <= 100:
        raise ConfigError(f"{NS}:poolTargetUtilization", target, "must be 1..100 (%)")
    return PoolSpec(mtype, lo, hi, target / 100)


def _cluster(values: dict[str, Any], region: str, zone: str,
             reservation: str | None) -> ClusterSpec | None:
    mtype = values["clusterMachineType"]
    if not mtype:
        return None
    zones = values["clusterZones"] or [zone]
    if len(zones) != 1:
        raise ConfigError(f"{NS}:clusterZones", zones, "compact placement keeps every node in "
                          "one zone; give exactly one")
    czone = _zone(f"{NS}:clusterZones", zones[0], region)
    spot = values["clusterSpot"]
    check_machine_type(f"{NS}:clusterMachineType", mtype, region, czone, spot)
    _no_spot_reservation("clusterSpot", spot, reservation)
    series = facts.gpu_series(mtype)
    nics = facts.gpu_nics(mtype) if values["clusterGpuDirectNics"] else 0
    return ClusterSpec(mtype, _positive("clusterNodes", values["clusterNodes"]), spot, czone,
                       nics, series.gpudirect if nics and series else "", reservation)


def _bucket(values: dict[str, Any]) -> BucketSpec:
    tiering = values["bucketTiering"]
    if tiering not in TIERINGS:
        raise ConfigError(f"{NS}:bucketTiering", tiering, f"allowed on gcp: {', '.join(TIERINGS)}")
    names = ("bucketNearlineDays", "bucketColdlineDays", "bucketArchiveDays")
    for name in names:
        if values[name] < 0:
            raise ConfigError(f"{NS}:{name}", values[name], "must be 0 (skip) or more")
    if tiering == "lifecycle":
        steps = [(n, values[n]) for n in names if values[n]]
        for (prev_key, prev), (key, days) in zip(steps, steps[1:], strict=False):
            if days <= prev:
                raise ConfigError(f"{NS}:{key}", days, f"must be later than {prev_key} ({prev})")
    abort = _positive("abortMultipartDays", values["abortMultipartDays"])
    return BucketSpec(tiering, values[names[0]], values[names[1]], values[names[2]], abort)


def _filestore(values: dict[str, Any]) -> FilestoreSpec | None:
    if not values["filestore"]:
        return None
    tier, size = values["filestoreTier"], values["filestoreCapacityGb"]
    if tier not in FILESTORE_CAPACITY:
        raise ConfigError(f"{NS}:filestoreTier", tier, "allowed: " + ", ".join(FILESTORE_CAPACITY))
    low, high = FILESTORE_CAPACITY[tier]
    if not low <= size <= high:
        raise ConfigError(f"{NS}:filestoreCapacityGb", size, f"{tier} takes {low}..{high} GiB")
    return FilestoreSpec(tier, size)


_CRON_FIELD = re.compile(r"[0-9*,/\-A-Za-z]+")


def _cron(key: str, text: str) -> str:
    fields = text.split()
    if len(fields) != 5 or not all(_CRON_FIELD.fullmatch(f) for f in fields):
        raise ConfigError(f"{NS}:{key}", text, "expected a 5-field cron like '0 19 * * 1-5'")
    return " ".join(fields)


def _schedule(values: dict[str, Any]) -> ScheduleSpec | None:
    start, stop = values["scheduleStart"].strip(), values["scheduleStop"].strip()
    if not start and not stop:
        return None
    if not stop:
        raise ConfigError(f"{NS}:scheduleStop", "", "a start schedule needs a stop schedule")
    tz = values["scheduleTimeZone"]
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{NS}:scheduleTimeZone", tz, "not an IANA time zone, e.g. "
                          "Europe/Berlin") from None
    return ScheduleSpec(_cron("scheduleStart", start) if start else None,
                        _cron("scheduleStop", stop), tz)


def _watchdog(values: dict[str, Any]) -> WatchdogSpec | None:
    minutes, pct = values["autoStopMinutes"], values["autoStopGpuPercent"]
    if minutes == 0:
        return None
    _positive("autoStopMinutes", minutes)
    if not 1 <= pct <= 100:
        raise ConfigError(f"{NS}:autoStopGpuPercent", pct, "must be 1..100")
    return WatchdogSpec(minutes, pct)


def _budget(values: dict[str, Any]) -> BudgetSpec | None:
    account, amount = values["billingAccount"], values["budgetMonthlyUsd"]
    if not account and not amount:
        return None
    if not account:
        raise ConfigError(f"{NS}:billingAccount", MISSING, "a GCP budget belongs to a billing "
                          "account; set it or set budgetMonthlyUsd to 0")
    if not re.fullmatch(r"[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}", account):
        raise ConfigError(f"{NS}:billingAccount", account, "expected XXXXXX-XXXXXX-XXXXXX")
    _positive("budgetMonthlyUsd", amount)
    for email in values["budgetEmails"]:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise ConfigError(f"{NS}:budgetEmails", email, "not an e-mail address")
    for pct in values["budgetThresholds"]:
        if not 1 <= pct <= 1000:
            raise ConfigError(f"{NS}:budgetThresholds", pct, "percentages must be 1..1000")
    _quota_project(values)
    return BudgetSpec(account, amount, tuple(values["budgetEmails"]),
                      tuple(sorted(values["budgetThresholds"])))


def _quota_project(values: dict[str, Any]) -> None:
    """The Billing Budgets API refuses user credentials without a quota project
    (403 "requires a quota project"): the provider must send one on every call."""
    if str(values.get("gcp:userProjectOverride", "")).lower() != "true":
        raise ConfigError("gcp:userProjectOverride", values.get("gcp:userProjectOverride",
                                                                MISSING),
                          "a budget needs it true (the Billing Budgets API bills calls to a "
                          "quota project)", hint="pulumi config set gcp:userProjectOverride true")
    billing = values.get("gcp:billingProject")
    if not billing:
        raise ConfigError("gcp:billingProject", MISSING, "a budget needs a quota project for "
                          "the Billing Budgets API", hint="pulumi config set gcp:billingProject "
                          "<project-id> (usually gcp:project)")
    if not re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", str(billing)):
        raise ConfigError("gcp:billingProject", billing, "not a project ID (6-30 lowercase "
                          "letters, digits and hyphens)")

