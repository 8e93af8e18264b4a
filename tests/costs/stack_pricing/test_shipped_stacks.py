"""The priced total of every shipped stack against a hand computation from price rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ailab.costs.stack_pricing import price_inventory
from ailab.costs.stack_pricing.lines import STATUSES

H = 730.0  # hours in the default month


def cw_agent(r: Any, region: str, gpus: int, machines: float = 1.0, hours: float = H) -> float:
    """The CloudWatch agent's GPU metrics: 3 measurements x (GPUs + 1 roll-up) custom
    metrics prorated by the hour, and one PutMetricData request a minute."""
    metrics = 3 * (gpus + 1) * machines * hours / H
    return (metrics * r.extra_price("aws", region, "monitoring", "custom-metric", "month")
            + machines * hours * 60 / 1000
            * r.extra_price("aws", region, "monitoring", "api-request", "requests"))


def cw_dashboard(r: Any, region: str) -> float:
    return r.extra_price("aws", region, "monitoring", "dashboard", "month")


def aws_tracking(r: Any, region: str) -> float:
    """MLflow: RDS db.t4g.small with 20 GB gp3 and its managed secret, one 0.5 vCPU / 1 GB
    Fargate task, the internal ALB's hours (capacity units and logs are usage)."""
    x = r.extra_price
    return (x("aws", region, "database", "rds-postgres", "db.t4g.small") * H
            + 20 * x("aws", region, "database", "rds-storage", "gp3")
            + x("aws", region, "secrets", "secrets-manager", "rds-managed-secret")
            + 0.5 * H * x("aws", region, "compute", "fargate", "vcpu-hour")
            + 1.0 * H * x("aws", region, "compute", "fargate", "gb-hour")
            + H * x("aws", region, "network", "alb", "hour"))


def gcp_tracking(r: Any, region: str) -> float:
    """MLflow: Cloud SQL db-g1-small with 10 GB SSD and one secret version (Cloud Run,
    Artifact Registry and backups are usage)."""
    x = r.extra_price
    return (x("gcp", region, "database", "cloudsql-postgres", "db-g1-small") * H
            + 10 * x("gcp", region, "database", "cloudsql-storage", "ssd")
            + x("gcp", region, "secrets", "secret-manager", "version"))


def ops_agent(r: Any, region: str, gpus: int, hours: float, machines: float = 1.0) -> float:
    """The Ops Agent's 3 series per GPU, a point a minute, 8 bytes a point, by the MiB."""
    mib = 3 * gpus * machines * hours * 60 * 8 / 2**20
    return mib * r.extra_price("gcp", region, "monitoring", "metrics-ingest", "mib")


def aws_gpu_lab(r: Any) -> float:
    region = "us-east-1"
    gp3 = r.storage_price("aws", region, "block", "gp3")
    return (r.instance("aws", "g6.xlarge", region, spot=True) * H   # spot: true
            + 200 * gp3                                            # rootVolumeGb
            + r.extra_price("aws", region, "network", "public-ipv4", "hour") * H  # publicIp
            + 500 * gp3                           # data volume; 3000 IOPS/125 MiBps included
            + r.extra_price("aws", region, "monitoring", "metric-alarm", "standard")  # 1 metric
            + cw_agent(r, region, gpus=1) + cw_dashboard(r, region))


def aws_h100_cluster(r: Any) -> float:
    region = "us-east-1"
    node = r.instance("aws", "p5.48xlarge", region) * H + 500 * r.storage_price(
        "aws", region, "block", "gp3")
    return (2 * node
            + 2400 * r.storage_price("aws", region, "file", "fsx-lustre-persistent2-250")
            + r.storage_price("aws", region, "network", "nat-gateway", "hour") * H
            + r.extra_price("aws", region, "network", "public-ipv4", "hour") * H  # NAT EIP
            + 2 * r.extra_price("aws", region, "monitoring", "metric-alarm", "standard")
            + cw_agent(r, region, gpus=8, machines=2) + cw_dashboard(r, region)
            + aws_tracking(r, region))                   # ailab:tracking: mlflow


def aws_spot_pool(r: Any) -> float:
    region = "us-west-2"
    pool = ["g5.xlarge", "g5.2xlarge", "g6.xlarge", "g6.2xlarge", "g6e.xlarge"]
    cheapest_spot = min(r.instance("aws", t, region, spot=True) for t in pool)
    return (r.instance("aws", "g5.xlarge", region) * H     # the on-demand base node
            + cheapest_spot * H                          # desired 2 = 1 base + 1 spot
            + 2 * 200 * r.storage_price("aws", region, "block", "gp3")
            + r.storage_price("aws", region, "network", "nat-gateway", "hour") * H
            + r.extra_price("aws", region, "network", "public-ipv4", "hour") * H
            + cw_agent(r, region, gpus=1, machines=2)   # g5.xlarge, the first override
            + cw_dashboard(r, region))


def nat_ip(r: Any, region: str) -> float:
    """One auto-allocated Cloud NAT address (64 ports per VM: one address serves 1,008 VMs),
    held every hour of the month."""
    return H * r.extra_price("gcp", region, "network", "external-ipv4", "hour")


def gcp_gpu_lab(r: Any) -> float:
    region = "us-central1"
    weekday_hours = 261 * 12 / 12  # 2025: 261 weekdays, started 08:00, stopped 20:00
    return (r.instance("gcp", "g2-standard-8", region, spot=True) * weekday_hours
            + (200 + 500) * r.storage_price("gcp", region, "block", "pd-balanced")
            + 1024 * r.storage_price("gcp", region, "file", "filestore-basic-hdd")
            # NAT follows the VM's schedule: 1 VM x 261 h
            + weekday_hours * r.storage_price("gcp", region, "network", "nat-gateway", "hour")
            + nat_ip(r, region)
            + ops_agent(r, region, gpus=1, hours=weekday_hours))   # dashboard: no charge


def gcp_tpu_lab(r: Any) -> float:
    region = "us-central1"
    return (r.instance("gcp", "tpu-v5litepod-8", region, spot=True) * H
            + 500 * r.storage_price("gcp", region, "block", "pd-balanced")
            + 1 * H * r.storage_price("gcp", region, "network", "nat-gateway", "hour")
            + nat_ip(r, region))


def gcp_a3_cluster(r: Any) -> float:
    region = "us-central1"
    node = (r.instance("gcp", "a3-highgpu-8g", region) * H
            + 500 * r.storage_price("gcp", region, "block", "pd-balanced"))
    return (2 * node + 2 * H * r.storage_price("gcp", region, "network", "nat-gateway", "hour")
            + nat_ip(r, region) + ops_agent(r, region, gpus=8, hours=H, machines=2)
            + gcp_tracking(r, region))                   # ailab:tracking: mlflow


HAND: dict[str, Callable[[Any], float]] = {
    "aws-gpu-lab": aws_gpu_lab, "aws-h100-cluster": aws_h100_cluster,
    "aws-spot-pool": aws_spot_pool, "gcp-gpu-lab": gcp_gpu_lab, "gcp-tpu-lab": gcp_tpu_lab,
    "gcp-a3-cluster": gcp_a3_cluster}


@pytest.mark.parametrize("stack", sorted(HAND))
def test_total_matches_hand_computation(stack: str, preview: Any, rows: Any) -> None:
    cost = price_inventory(preview(stack))
    assert cost.total_monthly_usd == pytest.approx(HAND[stack](rows), rel=1e-9)
    assert cost.total_hourly_usd == pytest.approx(cost.total_monthly_usd / H)
    assert cost.count("unpriced") == 0, [ln.reason for ln in cost.lines
                                         if ln.status == "unpriced"]
    assert sum(cost.by_component().values()) == pytest.approx(cost.total_monthly_usd)


@pytest.mark.parametrize("stack", sorted(HAND))
def test_every_resource_has_a_line_and_no_silent_zero(stack: str, preview: Any) -> None:
    inventory = preview(stack)
    cost = price_inventory(inventory)
    assert {ln.name for ln in cost.lines} == {r.name for r in inventory.resources if r.custom}
    for line in cost.lines:
        assert line.status in STATUSES
        if line.status == "priced":
            assert line.parts and all(p.source and p.as_of for p in line.parts)
        if line.status == "free":
            assert line.monthly_usd == 0 and line.notes


def test_storage_lines_depend_on_usage_with_unit_prices(preview: Any, rows: Any) -> None:
    cost = price_inventory(preview("aws-gpu-lab"))
    bucket = cost.line("aws-gpu-lab-data-bucket")
    assert bucket.status == "usage" and bucket.monthly_usd == 0
    prices = {p.label: p.unit_price_usd for p in bucket.parts}
    assert prices["S3 Standard storage"] == rows.storage_price("aws", "us-east-1", "object",
                                                               "STANDARD")
    assert all(p.quantity is None for p in bucket.parts)
    assert cost.line("aws-gpu-lab-fs-efs").status == "usage"


def test_spot_and_autostop_are_said(preview: Any) -> None:
    line = price_inventory(preview("aws-gpu-lab")).line("aws-gpu-lab-gpu-0")
    assert line.hours_per_month == H and line.hours_basis.startswith("default")
    assert any("spot" in n and "median" in n for n in line.notes)
    assert any("auto-stop after 60 idle min" in n and "hours_per_month" in n
               for n in line.notes)


def test_gcp_schedule_sets_hours(preview: Any) -> None:
    line = price_inventory(preview("gcp-gpu-lab")).line("gcp-gpu-lab-gpu-0")
    assert line.hours_per_month == pytest.approx(261.0)
    assert line.hours_basis == "instance schedule gcp-gpu-lab-schedule-policy"


def test_asg_range_prices_min_and_max(preview: Any, rows: Any) -> None:
    line = price_inventory(preview("aws-spot-pool")).line("aws-spot-pool-pool-asg")
    region, gp3 = "us-west-2", rows.storage_price("aws", "us-west-2", "block", "gp3")
    pool = ["g5.xlarge", "g5.2xlarge", "g6.xlarge", "g6.2xlarge", "g6e.xlarge"]
    spot = min(rows.instance("aws", t, region, spot=True) for t in pool)  # cheapest pool
    od = rows.instance("aws", "g5.xlarge", region)                       # first override
    low, high = line.range_monthly_usd
    assert low == pytest.approx(od * H + 200 * gp3 + cw_agent(rows, region, 1), abs=1e-3)  # min 1
    assert high == pytest.approx(od * H + 15 * spot * H + 16 * 200 * gp3       # max 16
                                 + cw_agent(rows, region, 1, machines=16), abs=1e-3)


def test_what_the_tables_say_reaches_the_lines(preview: Any) -> None:
    """The catalog's outlier note, unconfirmed prices, and no false 'upper bound'."""
    a3 = price_inventory(preview("gcp-a3-cluster")).line("gcp-a3-cluster-cluster-node-0")
    assert any("outlier: on-demand 43.0662 is 0.46x the median" in n for n in a3.notes)
    lustre = price_inventory(preview("aws-h100-cluster")).line("aws-h100-cluster-fs-lustre")
    assert lustre.uncertain and any(n.startswith("uncertain price: fsx-lustre-persistent2-250")
                                    for n in lustre.notes)
    bucket = price_inventory(preview("aws-spot-pool")).line("aws-spot-pool-data-bucket")
    assert not any("upper bound" in n for n in bucket.notes)
    assert {"Intelligent-Tiering monitoring (objects >= 128 KB)",
            "lifecycle transitions to INTELLIGENT_TIERING"} <= {p.label for p in bucket.parts}


def test_alarms_are_priced_per_metric_they_read(preview: Any) -> None:
    """The GPU alarm reads one metric; a metric-math alarm pays for each one it reads."""
    doc = preview("aws-gpu-lab").to_json()
    single = price_inventory(doc).line("aws-gpu-lab-autostop-0")
    alarm = next(r for r in doc["resources"] if r["name"] == "aws-gpu-lab-autostop-0")
    alarm["inputs"] = {k: v for k, v in alarm["inputs"].items()
                       if k not in ("metricName", "namespace", "statistic", "period",
                                    "dimensions")}
    alarm["inputs"]["metricQueries"] = [
        {"id": f"m{i}", "metric": {"namespace": "CWAgent",
                                   "metricName": "nvidia_smi_utilization_gpu"}}
        for i in range(3)] + [{"id": "e", "expression": "MAX([m0, m1, m2])"}]
    math = price_inventory(doc).line("aws-gpu-lab-autostop-0")
    assert math.monthly_usd == pytest.approx(3 * single.monthly_usd)


def test_a_watchdog_stop_is_said_too(preview: Any) -> None:
    inv = preview("aws-gpu-lab", {"ailab:autoStopCpuPercent": 20})
    line = price_inventory(inv.to_json()).line("aws-gpu-lab-gpu-0")
    assert any("on-machine watchdog" in n for n in line.notes)
