"""The observability and tracking guardrails: bad/good cases per rule, and the mutation
table (``mutations_observability.yaml``) over the shipped stacks.

``CASES`` joins the rule cases of ``test_rules.py`` (each rule fires on its bad
stack and stays quiet on its good one). The mutation table has the format of the
guardrail mutation suite, which runs it (``test_mutations.py``); here it is checked
to cover every new rule on both clouds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ailab.core import tokens
from ailab.core.inventory import Resource
from ailab.guardrails.evaluate import evaluate
from ailab.guardrails.rule import load_rules
from ailab.guardrails.rules_observability import dashboard_present

TABLE = Path(__file__).with_name("mutations_observability.yaml")
ROWS: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text())
NEW_RULES = {"dashboard-present", "db-encrypted", "db-private", "db-backups",
             "db-deletion-protection", "secrets-not-in-config", "tracking-server-private"}


def r(type_: str, name: str, deps: dict[str, set[str]] | None = None,
      retain: bool | None = True, protect: bool = False, **props: Any) -> Resource:
    return Resource(type=type_, name=name, inputs=props, retain_on_delete=retain,
                    protect=protect, deps={k: sorted(v) for k, v in (deps or {}).items()})


def rds(**props: Any) -> Resource:
    base = {"engine": "postgres", "storageEncrypted": True, "publiclyAccessible": False,
            "backupRetentionPeriod": 7, "deletionProtection": True, "skipFinalSnapshot": False,
            "finalSnapshotIdentifier": "db-final", "manageMasterUserPassword": True}
    return r(tokens.AWS_RDS_INSTANCE, "db", **{**base, **props})


def cloud_sql(retain: bool = True, **settings: Any) -> Resource:
    base = {"ipConfiguration": {"ipv4Enabled": False, "privateNetwork": "net",
                                "sslMode": "ENCRYPTED_ONLY"},
            "backupConfiguration": {"enabled": True, "backupRetentionSettings": {
                "retainedBackups": 7, "retentionUnit": "COUNT"}},
            "deletionProtectionEnabled": True}
    return r(tokens.GCP_SQL_DATABASE_INSTANCE, "sql", retain=retain, deletionProtection=True,
             databaseVersion="POSTGRES_16", settings={**base, **settings})


def gpu_vm() -> Resource:
    return r(tokens.AWS_EC2_INSTANCE, "vm", instanceType="g6.xlarge", userData="#!/bin/bash\n")


def board(body: Any) -> Resource:
    return r(tokens.AWS_CLOUDWATCH_DASHBOARD, "board",
             dashboardBody=body if isinstance(body, str) else json.dumps(body))


GPU_BODY = {"widgets": [{"type": "metric", "properties": {"region": "us-east-1", "metrics": [
    [{"expression": "SEARCH('{CWAgent,InstanceId} MetricName=\"nvidia_smi_utilization_gpu\"', "
                    "'Maximum', 300)"}]]}}]}
TASK = [{"name": "mlflow", "image": "i", "secrets": [{"name": "MLFLOW_DB_PASSWORD",
                                                      "valueFrom": "arn:...:password::"}],
         "environment": [{"name": "MLFLOW_DB_HOST", "value": "db"}]}]
LEAKY_TASK = [{**TASK[0], "environment": [{"name": "MLFLOW_DB_PASSWORD", "value": "hunter2"}]}]


def _service(public_lb: bool = False, public_ip: bool = False) -> list[Resource]:
    return [r(tokens.AWS_LB_LOAD_BALANCER, "alb", internal=not public_lb),
            r(tokens.AWS_LB_TARGET_GROUP, "tg"),
            r(tokens.AWS_LB_LISTENER, "http", deps={"loadBalancerArn": {"alb"},
                                                    "defaultActions": {"tg"}}),
            r(tokens.AWS_ECS_SERVICE, "svc", deps={"loadBalancers": {"tg"}},
              networkConfiguration={"assignPublicIp": public_ip})]


CASES: dict[str, list[tuple[str, list[Resource], list[Resource]]]] = {
    "dashboard-present": [
        ("gpu-stack-without-dashboard", [gpu_vm()], [gpu_vm(), board(GPU_BODY)]),
        ("dashboard-without-gpu-series", [gpu_vm(), board({"widgets": []})],
         [gpu_vm(), board(GPU_BODY)]),
        ("tpu-only-gcp", [r(tokens.GCP_TPU_V2_VM, "tpu")],
         [r(tokens.GCP_TPU_V2_VM, "tpu"), r(tokens.GCP_MONITORING_DASHBOARD, "b",
                                            dashboardJson='{"x": "tpu.googleapis.com/'
                                                          'accelerator/duty_cycle"}')]),
    ],
    "db-encrypted": [
        ("rds-plain-storage", [rds(storageEncrypted=False)], [rds()]),
        ("cloudsql-plain-connections", [cloud_sql(ipConfiguration={
            "ipv4Enabled": False, "privateNetwork": "n", "sslMode": "ALLOW_UNENCRYPTED_AND_"
                                                                    "ENCRYPTED"})],
         [cloud_sql()]),
    ],
    "db-private": [
        ("rds-public", [rds(publiclyAccessible=True)], [rds()]),
        ("cloudsql-ipv4-default", [cloud_sql(ipConfiguration={"privateNetwork": "n",
                                                              "sslMode": "ENCRYPTED_ONLY"})],
         [cloud_sql()]),
    ],
    "db-backups": [
        ("rds-one-day", [rds(backupRetentionPeriod=1)], [rds(backupRetentionPeriod=14)]),
        ("cloudsql-off", [cloud_sql(backupConfiguration={"enabled": False})], [cloud_sql()]),
    ],
    "db-deletion-protection": [
        ("rds-unprotected", [rds(deletionProtection=False)], [rds()]),
        ("cloudsql-not-retained", [cloud_sql(retain=False)], [cloud_sql()]),
    ],
    "secrets-not-in-config": [
        ("rds-password", [rds(manageMasterUserPassword=False, password="pw")], [rds()]),
        ("sql-user-literal", [r(tokens.GCP_SQL_USER, "u", password="pw")],
         [r(tokens.GCP_SQL_USER, "u", deps={"password": {"pw"}}, password="[secret]"),
          r(tokens.RANDOM_PASSWORD, "pw", length=32)]),
        ("ecs-env", [r(tokens.AWS_ECS_TASK_DEFINITION, "t",
                       containerDefinitions=json.dumps(LEAKY_TASK))],
         [r(tokens.AWS_ECS_TASK_DEFINITION, "t", containerDefinitions=json.dumps(TASK))]),
        ("user-data-uri", [r(tokens.AWS_EC2_INSTANCE, "vm", instanceType="t3.micro",
                             userData="#!/bin/sh\nmlflow server --backend-store-uri "
                                      "postgresql://u:hunter2@db/mlflow\n")],
         [r(tokens.AWS_EC2_INSTANCE, "vm", instanceType="t3.micro",
            userData="#!/bin/sh\nTOKEN=$(curl -X PUT http://169.254.169.254/token)\n"
                     "URI=\"postgresql://${USER}:$(cat /run/pw)@db/mlflow\"\n")]),
    ],
    "tracking-server-private": [
        ("internet-facing-alb", _service(public_lb=True), _service()),
        ("public-task-ip", _service(public_ip=True), _service()),
        ("cloud-run-open", [r(tokens.GCP_CLOUDRUNV2_SERVICE, "run", invokerIamDisabled=True,
                              ingress="INGRESS_TRAFFIC_ALL")],
         [r(tokens.GCP_CLOUDRUNV2_SERVICE, "run", invokerIamDisabled=True,
            ingress="INGRESS_TRAFFIC_INTERNAL_ONLY")]),
    ],
}
"""Bad/good stacks per rule (``test_rules.CASES`` includes these)."""


def test_the_cases_cover_every_new_rule() -> None:
    assert set(CASES) == NEW_RULES <= set(load_rules())


def test_a_public_serving_alb_without_ecs_is_not_judged() -> None:
    """A load balancer that fronts no ECS service is someone else's business (a serving
    stack may face the internet on purpose)."""
    alb = r(tokens.AWS_LB_LOAD_BALANCER, "serving", internal=False)
    assert [v for v in evaluate([alb], only=["tracking-server-private"])] == []


def test_the_dashboard_rule_is_advisory_and_the_database_rules_mandatory() -> None:
    rules = load_rules()
    assert rules["dashboard-present"].enforcement.value == "advisory"
    assert {rules[name].enforcement.value for name in NEW_RULES - {"dashboard-present"}} == {
        "mandatory"}
    assert dashboard_present.__name__ == "dashboard_present"


# Mutations (run by test_mutations.py with the general table) -------------------------


def test_the_table_covers_every_new_rule_on_both_clouds() -> None:
    assert len({r["id"] for r in ROWS}) == len(ROWS) >= 35
    assert {r["rule"] for r in ROWS} >= NEW_RULES
    for rule in NEW_RULES - {"tracking-server-private"}:
        clouds = {r["stack"].split("-")[0] for r in ROWS if r["rule"] == rule}
        assert clouds == {"aws", "gcp"}, rule
