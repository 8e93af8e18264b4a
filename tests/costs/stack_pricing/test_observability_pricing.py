"""Pricing of dashboards, agent metrics and the tracking server, against hand
computations from the price rows; the tracking server's share of a stack's total."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ailab.core import tokens
from ailab.core.errors import InputFileError
from ailab.costs.stack_pricing import price_inventory
from ailab.costs.stack_pricing.registry import usage_fields_for
from ailab.costs.usage import check_usage, load_usage

H = 730.0


def _line(cost: Any, token: str) -> Any:
    found = [ln for ln in cost.lines if ln.type == token]
    assert len(found) == 1, [ln.name for ln in found]
    return found[0]


def test_a_cloudwatch_dashboard_is_three_dollars_unless_the_free_ones_are_left(
        preview: Any, rows: Any) -> None:
    inv = preview("aws-gpu-lab")
    paid = _line(price_inventory(inv), tokens.AWS_CLOUDWATCH_DASHBOARD)
    assert paid.monthly_usd == rows.extra_price("aws", "us-east-1", "monitoring", "dashboard",
                                                "month") == 3.0
    assert any("first 3 dashboards" in n for n in paid.notes)
    name = paid.name
    free = _line(price_inventory(inv, {name: {"other_dashboards": 2}}),
                 tokens.AWS_CLOUDWATCH_DASHBOARD)
    assert free.monthly_usd == 0.0 and free.uncertain   # the free allowance is unconfirmed
    beyond = _line(price_inventory(inv, {name: {"other_dashboards": 3}}),
                   tokens.AWS_CLOUDWATCH_DASHBOARD)
    assert beyond.monthly_usd == 3.0


def test_a_cloud_monitoring_dashboard_is_free_and_says_it_is_unconfirmed(
        preview: Any) -> None:
    line = _line(price_inventory(preview("gcp-gpu-lab")), tokens.GCP_MONITORING_DASHBOARD)
    assert line.status == "priced" and line.monthly_usd == 0.0 and line.uncertain


def test_an_eight_gpu_node_publishes_27_custom_metrics(preview: Any, rows: Any) -> None:
    node = price_inventory(preview("aws-h100-cluster")).line(
        "aws-h100-cluster-cluster-node-0")
    metrics = next(p for p in node.parts if p.label.startswith("CloudWatch agent"))
    assert metrics.quantity == 27 and metrics.uncertain
    assert metrics.monthly_usd == pytest.approx(27 * rows.extra_price(
        "aws", "us-east-1", "monitoring", "custom-metric", "month"))
    requests = next(p for p in node.parts if p.label.startswith("PutMetricData"))
    assert requests.quantity == pytest.approx(H * 60 / 1000)


def test_an_eight_gpu_gcp_node_ingests_its_gpu_series_by_the_mib(preview: Any,
                                                                  rows: Any) -> None:
    node = price_inventory(preview("gcp-a3-cluster")).line("gcp-a3-cluster-cluster-node-0")
    ingest = next(p for p in node.parts if p.label.startswith("Ops Agent GPU metrics"))
    mib = 24 * H * 60 * 8 / 2**20   # 3 series x 8 GPUs, a point a minute, 8 bytes a point
    assert ingest.quantity == pytest.approx(mib) and ingest.uncertain
    assert ingest.monthly_usd == pytest.approx(mib * rows.extra_price(
        "gcp", "us-central1", "monitoring", "metrics-ingest", "mib"))


def test_a_machine_without_the_agent_pays_no_metrics(preview: Any) -> None:
    cost = price_inventory(preview("gcp-tpu-lab"))
    assert not [p for ln in cost.lines for p in ln.parts if "metrics" in p.label.lower()]


def test_rds_fargate_and_the_alb_match_the_rows(preview: Any, rows: Any) -> None:
    cost = price_inventory(preview("aws-h100-cluster"))
    x = rows.extra_price
    db = _line(cost, tokens.AWS_RDS_INSTANCE)
    assert db.monthly_usd == pytest.approx(
        x("aws", "us-east-1", "database", "rds-postgres", "db.t4g.small") * H
        + 20 * x("aws", "us-east-1", "database", "rds-storage", "gp3")
        + x("aws", "us-east-1", "secrets", "secrets-manager", "rds-managed-secret"))
    assert db.status == "usage" and db.uncertain   # backups by usage; managed-secret charge
    service = _line(cost, tokens.AWS_ECS_SERVICE)
    assert service.monthly_usd == pytest.approx(
        H * (0.5 * x("aws", "us-east-1", "compute", "fargate", "vcpu-hour")
             + 1.0 * x("aws", "us-east-1", "compute", "fargate", "gb-hour")))
    assert _line(cost, tokens.AWS_LB_LOAD_BALANCER).monthly_usd == pytest.approx(
        H * x("aws", "us-east-1", "network", "alb", "hour"))
    for free in (tokens.AWS_ECS_CLUSTER, tokens.AWS_ECS_TASK_DEFINITION,
                 tokens.AWS_RDS_SUBNET_GROUP):
        assert _line(cost, free).status == "free"


def test_usage_fills_in_backups_logs_and_capacity(preview: Any, rows: Any) -> None:
    inv = preview("aws-h100-cluster")
    db, logs = (_line(price_inventory(inv), t).name
                for t in (tokens.AWS_RDS_INSTANCE, tokens.AWS_CLOUDWATCH_LOG_GROUP))
    cost = price_inventory(inv, {db: {"backup_gb": 50}, logs: {"ingested_gb": 2,
                                                              "stored_gb": 10}})
    x = rows.extra_price
    backup = next(p for p in cost.line(db).parts if p.label.startswith("backup"))
    assert backup.monthly_usd == pytest.approx(30 * x("aws", "us-east-1", "database",
                                                      "rds-backup", "storage"))
    assert cost.line(logs).monthly_usd == pytest.approx(
        2 * x("aws", "us-east-1", "logs", "log-group", "ingest")
        + 10 * x("aws", "us-east-1", "logs", "log-group", "storage"))


def _doc(cloud: str, region: str, *resources: dict[str, Any]) -> dict[str, Any]:
    return {"stack": "t", "cloud": cloud, "region": region, "resources": list(resources)}


def _res(type_: str, name: str, **inputs: Any) -> dict[str, Any]:
    return {"type": type_, "name": name, "parent": None, "inputs": inputs, "custom": True}


def test_multi_az_iops_and_other_engines(rows: Any) -> None:
    x = rows.extra_price
    cost = price_inventory(_doc("aws", "us-east-1", _res(
        tokens.AWS_RDS_INSTANCE, "db", engine="postgres", instanceClass="db.t4g.small",
        allocatedStorage=500, storageType="gp3", iops=15000, multiAz=True),
        _res(tokens.AWS_RDS_INSTANCE, "maria", engine="mariadb", instanceClass="db.t4g.small"),
        _res(tokens.AWS_ECS_SERVICE, "ec2-backed", launchType="EC2")))
    line = cost.line("db")
    assert line.monthly_usd == pytest.approx(
        2 * H * x("aws", "us-east-1", "database", "rds-postgres", "db.t4g.small")
        + 2 * 500 * x("aws", "us-east-1", "database", "rds-storage", "gp3")
        + 2 * 3000 * x("aws", "us-east-1", "database", "rds-storage", "iops"))
    assert cost.line("maria").status == "unpriced" and cost.line("ec2-backed").status == \
        "unpriced"


def test_cloud_sql_secret_versions_cloud_run_and_the_registry(preview: Any, rows: Any) -> None:
    inv = preview("gcp-a3-cluster")
    x = rows.extra_price
    run = _line(price_inventory(inv), tokens.GCP_CLOUDRUNV2_SERVICE)
    assert run.status == "usage" and run.monthly_usd == 0.0
    usage = {run.name: {"vcpu_seconds": 36000, "gib_seconds": 36000, "requests_count": 2e6}}
    cost = price_inventory(inv, usage)
    assert cost.line(run.name).monthly_usd == pytest.approx(
        36000 * x("gcp", "us-central1", "compute", "cloud-run", "vcpu-second")
        + 36000 * x("gcp", "us-central1", "compute", "cloud-run", "gib-second")
        + 2 * x("gcp", "us-central1", "compute", "cloud-run", "requests"))
    sql = _line(cost, tokens.GCP_SQL_DATABASE_INSTANCE)
    assert sql.monthly_usd == pytest.approx(
        H * x("gcp", "us-central1", "database", "cloudsql-postgres", "db-g1-small")
        + 10 * x("gcp", "us-central1", "database", "cloudsql-storage", "ssd"))
    assert _line(cost, tokens.GCP_SECRETMANAGER_SECRET_VERSION).monthly_usd == pytest.approx(
        x("gcp", "us-central1", "secrets", "secret-manager", "version"))
    assert _line(cost, tokens.GCP_ARTIFACTREGISTRY_REPOSITORY).status == "usage"
    for free in (tokens.GCP_SQL_USER, tokens.GCP_SQL_DATABASE, tokens.RANDOM_PASSWORD,
                 tokens.GCP_SECRETMANAGER_SECRET, tokens.GCP_SERVICENETWORKING_CONNECTION):
        assert _line(cost, free).status == "free"


def test_minimum_instances_regional_ha_and_custom_tiers(rows: Any) -> None:
    x = rows.extra_price
    template = {"scaling": {"minInstanceCount": 1}, "containers": [
        {"resources": {"limits": {"cpu": "2", "memory": "4Gi"}}}]}
    cost = price_inventory(_doc("gcp", "us-central1", _res(
        tokens.GCP_CLOUDRUNV2_SERVICE, "run", location="us-central1", template=template),
        _res(tokens.GCP_SQL_DATABASE_INSTANCE, "sql", region="us-central1",
             databaseVersion="POSTGRES_16", settings={
                 "tier": "db-custom-2-7680", "availabilityType": "REGIONAL", "diskSize": 20}),
        _res(tokens.GCP_SQL_DATABASE_INSTANCE, "mysql", region="us-central1",
             databaseVersion="MYSQL_8_0", settings={"tier": "db-g1-small"})))
    month_s = H * 3600
    minimum = sum(p.monthly_usd or 0 for p in cost.line("run").parts
                  if p.label.startswith("minimum"))
    assert minimum == pytest.approx(
        month_s * (2 * x("gcp", "us-central1", "compute", "cloud-run-instance", "vcpu-second")
                   + 4 * x("gcp", "us-central1", "compute", "cloud-run-instance",
                           "gib-second")))
    assert cost.line("sql").monthly_usd == pytest.approx(2 * (
        H * (2 * x("gcp", "us-central1", "database", "cloudsql-postgres", "vcpu-hour")
             + 7.5 * x("gcp", "us-central1", "database", "cloudsql-postgres", "gb-hour"))
        + 20 * x("gcp", "us-central1", "database", "cloudsql-storage", "ssd")))
    assert cost.line("mysql").status == "unpriced"


def test_the_new_usage_keys_are_checked_against_the_rules(tmp_path: Path,
                                                          preview: Any) -> None:
    inv = preview("aws-h100-cluster")
    board = _line(price_inventory(inv), tokens.AWS_CLOUDWATCH_DASHBOARD).name
    good = tmp_path / "usage.yaml"
    good.write_text(f"{board}:\n  other_dashboards: 4\n")
    check_usage(load_usage(good), "u.yaml", inv.resources, usage_fields_for)
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"{board}:\n  backup_gb: 4\n")
    with pytest.raises(InputFileError, match="backup_gb"):
        check_usage(load_usage(bad), "bad.yaml", inv.resources, usage_fields_for)


@pytest.mark.parametrize(("stack", "tracking_types"), [
    ("aws-h100-cluster", ("aws:rds/", "aws:ecs/", "aws:lb/", "aws:cloudwatch/logGroup")),
    ("gcp-a3-cluster", ("gcp:sql/", "gcp:cloudrunv2/", "gcp:secretmanager/",
                        "gcp:artifactregistry/", "gcp:servicenetworking/", "random:")),
])
def test_the_tracking_server_adds_exactly_its_own_lines(preview: Any, stack: str,
                                                        tracking_types: tuple[str, ...]
                                                        ) -> None:
    with_it = price_inventory(preview(stack))
    without = price_inventory(preview(stack, {"ailab:tracking": ""}))
    own = sum(ln.monthly_usd or 0 for ln in with_it.lines
              if ln.name.startswith(f"{stack}-tracking"))
    assert with_it.total_monthly_usd - without.total_monthly_usd == pytest.approx(own)
    assert all(ln.type.startswith(tracking_types) or ln.type.startswith(
        ("aws:ec2/securityGroup", "aws:iam/", "gcp:compute/globalAddress",
         "gcp:serviceaccount/", "gcp:storage/bucketIAMMember"))
        for ln in with_it.lines if ln.name.startswith(f"{stack}-tracking"))
    assert with_it.count("unpriced") == 0
