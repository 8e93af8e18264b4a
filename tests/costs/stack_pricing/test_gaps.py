"""What a bucket's settings, EFS lifecycles, FSx backups, alarms and Cloud NAT add to the
bill, priced like Infracost prices the same resource types; hand-computed from price rows."""

from __future__ import annotations

import math
from typing import Any

import pytest

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.costs.stack_pricing import price_inventory
from ailab.costs.stack_pricing.schedule import scheduled_hours_per_month

H = 730.0


def res(type_: str, name: str, deps: dict[str, list[str]] | None = None,
        **inputs: Any) -> Resource:
    return Resource(type=type_, name=name, inputs=inputs, deps=deps or {}, id=f"{name}-id")


def inv(cloud: str, region: str, *resources: Resource) -> Inventory:
    return Inventory(stack="t", cloud=cloud, region=region, resources=list(resources))


def bucket_with(*settings: Resource) -> Inventory:
    return inv("aws", "us-east-1", res(tokens.AWS_S3_BUCKET_V2, "b"), *settings)


def lifecycle(*transitions: tuple[str, int], noncurrent: tuple[str, int] | None = None
              ) -> Resource:
    rule: dict[str, Any] = {"id": "r", "status": "Enabled", "filter": {},
                            "transitions": [{"storageClass": c, "days": d}
                                            for c, d in transitions]}
    if noncurrent:
        rule["noncurrentVersionTransitions"] = [{"storageClass": noncurrent[0],
                                                 "noncurrentDays": noncurrent[1]}]
    return res(tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION_V2, "lc", {"bucket": ["b"]},
               bucket="b-id", rules=[rule])


def versioning(status: str) -> Resource:
    return res(tokens.AWS_S3_BUCKET_VERSIONING_V2, "v", {"bucket": ["b"]}, bucket="b-id",
               versioningConfiguration={"status": status})


HOT = {"stored_gb": 1e6 * 256 / 1024**2, "requests": {"get": 2e6, "put": 0}}
"""1 M objects of 256 KB, each read twice a month: all stay in the frequent tier."""


def test_intelligent_tiering_adds_monitoring_and_transitions(rows: Any) -> None:
    region = "us-east-1"
    usage = {"b": {**HOT, "monitored_objects": 1e6, "transitions": {"INTELLIGENT_TIERING": 2e4}}}
    it = price_inventory(bucket_with(lifecycle(("INTELLIGENT_TIERING", 0))), usage).line("b")
    price = lambda kind, comp="storage": rows.storage_price("aws", region, "object", kind, comp)  # noqa: E731
    assert it.status == "priced"
    assert it.monthly_usd == pytest.approx(
        HOT["stored_gb"] * price("INTELLIGENT_TIERING") + 2000 * price("INTELLIGENT_TIERING", "get")
        + 1000 * price("INTELLIGENT_TIERING", "monitoring")
        + 20 * price("INTELLIGENT_TIERING", "transition"))
    assert not any("upper bound" in n for n in it.notes)
    standard = price_inventory(bucket_with(), {"b": HOT}).line("b")
    assert it.monthly_usd > standard.monthly_usd * 1.4  # hot objects: IT costs more, not less


def test_lifecycle_transitions_and_noncurrent_versions_are_usage(rows: Any) -> None:
    region = "us-east-1"
    stack = bucket_with(lifecycle(("STANDARD_IA", 30), ("GLACIER_IR", 90),
                                  noncurrent=("STANDARD_IA", 30)), versioning("Enabled"))
    line = price_inventory(stack).line("b")
    labels = {p.label: p for p in line.parts}
    assert labels["lifecycle transitions to STANDARD_IA"].quantity is None
    assert labels["noncurrent versions"].quantity is None and line.status == "usage"
    usage = {"b": {"stored_gb": 100, "requests": {"get": 0, "put": 0},
                   "transitions": {"STANDARD_IA": 5000, "GLACIER_IR": 1000},
                   "noncurrent_gb": 30}}
    priced = price_inventory(stack, usage).line("b")
    standard = rows.storage_price("aws", region, "object", "STANDARD")
    assert priced.monthly_usd == pytest.approx(
        130 * standard + 5 * rows.storage_price("aws", region, "object", "STANDARD_IA",
                                                "transition")
        + 1 * rows.storage_price("aws", region, "object", "GLACIER_IR", "transition"))
    assert any("uncertain price: lifecycle transitions to GLACIER_IR" in n for n in priced.notes)
    suspended = price_inventory(bucket_with(versioning("Suspended"))).line("b")
    assert "noncurrent versions" not in {p.label for p in suspended.parts}


def test_usage_for_a_class_the_bucket_never_uses_is_refused() -> None:
    line = price_inventory(bucket_with(lifecycle(("STANDARD_IA", 30))),
                           {"b": {"transitions": {"GLACIER": 10}}}).line("b")
    assert line.status == "unpriced"
    assert line.reason == ("usage transitions.GLACIER: the bucket's lifecycle rules move "
                           "objects to STANDARD_IA")


def test_efs_infrequent_access_and_elastic_throughput(rows: Any) -> None:
    region = "us-east-1"
    stack = inv("aws", region, res(tokens.AWS_EFS_FILE_SYSTEM, "fs", throughputMode="elastic",
                                   lifecyclePolicies=[{"transitionToIa": "AFTER_30_DAYS"}]))
    assert price_inventory(stack).line("fs").status == "usage"
    usage = {"fs": {"stored_gb": 50, "ia_stored_gb": 500, "ia_read_gb": 40, "ia_write_gb": 60,
                    "read_gb": 100, "write_gb": 10}}
    efs = lambda kind, comp="storage": rows.storage_price("aws", region, "file", kind, comp)  # noqa: E731
    assert price_inventory(stack, usage).line("fs").monthly_usd == pytest.approx(
        50 * efs("efs-standard") + 500 * efs("efs-ia") + 40 * efs("efs-ia", "read")
        + 60 * efs("efs-ia", "write") + 100 * efs("efs-elastic-throughput", "read")
        + 10 * efs("efs-elastic-throughput", "write"))


def test_fsx_backups_are_usage_and_uncertain_prices_are_said(rows: Any) -> None:
    region = "us-east-1"
    stack = inv("aws", region, res(tokens.AWS_FSX_LUSTRE_FILE_SYSTEM, "lustre",
                                   deploymentType="PERSISTENT_2", perUnitStorageThroughput=250,
                                   storageCapacity=2400, automaticBackupRetentionDays=7))
    line = price_inventory(stack, {"lustre": {"backup_gb": 800}}).line("lustre")
    assert line.monthly_usd == pytest.approx(
        2400 * rows.storage_price("aws", region, "file", "fsx-lustre-persistent2-250")
        + 800 * rows.storage_price("aws", region, "file", "fsx-lustre-backup"))
    assert line.uncertain and line.to_json()["uncertain_prices"] == 2
    assert sum("uncertain price" in n for n in line.notes) == 2


def alarm(name: str, deps: dict[str, list[str]] | None = None, **inputs: Any) -> Resource:
    return res(tokens.AWS_CLOUDWATCH_METRIC_ALARM, name, deps, **inputs)


def _metric(i: int, period: int = 60, instance: str = "gpu-id") -> dict[str, Any]:
    return {"id": f"m{i}", "metric": {"metricName": f"gpu_{i}", "namespace": "CWAgent",
                                      "period": period, "stat": "Average",
                                      "dimensions": {"InstanceId": instance}}}


def test_alarms_bill_per_metric_read(rows: Any) -> None:
    region = "us-east-1"
    std = rows.extra_price("aws", region, "monitoring", "metric-alarm", "standard")
    high = rows.extra_price("aws", region, "monitoring", "metric-alarm", "high-resolution")
    math_alarm = [_metric(i) for i in range(3)] + [{"id": "e", "expression": "MAX(METRICS())",
                                                    "returnData": True}]
    cost = price_inventory(inv("aws", region,
        alarm("plain", metricName="CPUUtilization", period=300),
        alarm("fast", metricName="CPUUtilization", period=10),
        alarm("math", metricQueries=math_alarm),
        alarm("fast-math", metricQueries=[_metric(0, 10), _metric(1, 60)]),
        alarm("anomaly", metricQueries=[_metric(0), {"id": "ad", "returnData": True,
                                        "expression": "ANOMALY_DETECTION_BAND(m0, 2)"}]),
        alarm("empty")))
    monthly = {ln.name: ln.monthly_usd for ln in cost.lines}
    assert monthly == pytest.approx({"plain": std, "fast": high, "math": 3 * std,
                                     "fast-math": 2 * high, "anomaly": 3 * std, "empty": None})
    assert cost.line("empty").status == "unpriced"


def test_a_gpu_metric_math_alarm_that_stops_the_instance_is_found() -> None:
    stop = ["arn:aws:automate:us-east-1:ec2:stop"]
    stack = inv("aws", "us-east-1",
                res(tokens.AWS_EC2_INSTANCE, "gpu", instanceType="g6.xlarge"),
                alarm("idle", {"metricQueries": ["gpu"]}, alarmActions=stop, period=300,
                      evaluationPeriods=6, metricQueries=[_metric(0), _metric(1), {
                          "id": "e", "expression": "MAX([m0, m1])", "returnData": True}]))
    line = price_inventory(stack).line("gpu")
    assert any(n.startswith("auto-stop after 30 idle min is set (idle)") for n in line.notes)


def _vm(name: str, external: bool = False, deps: dict[str, list[str]] | None = None,
        **extra: Any) -> Resource:
    nic: dict[str, Any] = {"subnetwork": "s"}
    if external:
        nic["accessConfigs"] = [{}]
    return res(tokens.GCP_COMPUTE_INSTANCE, name, deps, machineType="g2-standard-4",
               zone="us-central1-a", networkInterfaces=[nic], **extra)


def test_cloud_nat_follows_the_vms_schedules_and_prices_its_addresses(rows: Any) -> None:
    region = "us-central1"
    policy = res(tokens.GCP_COMPUTE_RESOURCE_POLICY, "weekdays", instanceSchedulePolicy={
        "vmStartSchedule": {"schedule": "0 9 * * 1-5"},
        "vmStopSchedule": {"schedule": "0 18 * * 1-5"}, "timeZone": "UTC"})
    template = res(tokens.GCP_COMPUTE_INSTANCE_TEMPLATE, "tpl", machineType="g2-standard-4",
                   networkInterfaces=[{"subnetwork": "s"}])
    stack = inv("gcp", region, policy, template,
                _vm("day", deps={"resourcePolicies": ["weekdays"]},
                    resourcePolicies=["weekdays-id"]),
                _vm("always"), _vm("public", external=True),
                res(tokens.GCP_COMPUTE_INSTANCE_GROUP_MANAGER, "mig",
                    {"versions": ["tpl"]}, zone="us-central1-a", targetSize=3,
                    versions=[{"instanceTemplate": "tpl-id"}]),
                res(tokens.GCP_COMPUTE_ROUTER_NAT, "nat", region=region))
    nat = price_inventory(stack).line("nat")
    day = scheduled_hours_per_month("0 9 * * 1-5", "0 18 * * 1-5")
    assert day == pytest.approx(261 * 9 / 12)
    vm_hour = rows.storage_price("gcp", region, "network", "nat-gateway", "hour")
    ip_hour = rows.extra_price("gcp", region, "network", "external-ipv4", "hour")
    assert nat.monthly_usd == pytest.approx((day + H + 3 * H) * vm_hour + H * ip_hour)
    assert nat.notes[0].startswith("5 VMs without external IPs")


def test_cloud_nat_over_32_vms_and_manual_addresses(rows: Any) -> None:
    region = "us-central1"
    template = res(tokens.GCP_COMPUTE_INSTANCE_TEMPLATE, "tpl", machineType="g2-standard-4",
                   networkInterfaces=[{"subnetwork": "s"}])
    mig = res(tokens.GCP_COMPUTE_INSTANCE_GROUP_MANAGER, "mig", {"versions": ["tpl"]},
              zone="us-central1-a", targetSize=2000, versions=[{"instanceTemplate": "tpl-id"}])
    auto = res(tokens.GCP_COMPUTE_ROUTER_NAT, "nat", region=region)
    line = price_inventory(inv("gcp", region, template, mig, auto)).line("nat")
    cap = rows.storage_price("gcp", region, "network", "nat-gateway", "hour_max")
    ip_hour = rows.extra_price("gcp", region, "network", "external-ipv4", "hour")
    ips = math.ceil(2000 * 64 / 64512)
    assert ips == 2
    assert line.monthly_usd == pytest.approx(H * cap + ips * H * ip_hour)
    manual = res(tokens.GCP_COMPUTE_ROUTER_NAT, "nat", region=region,
                 natIpAllocateOption="MANUAL_ONLY", natIps=["a-id", "b-id"])
    line = price_inventory(inv("gcp", region, template, mig, manual)).line("nat")
    assert line.monthly_usd == pytest.approx(H * cap)
    assert "its 2 manual IP address(es) are priced on their address lines" in line.notes
