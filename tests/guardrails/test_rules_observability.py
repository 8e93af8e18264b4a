"""The observability and tracking guardrails: bad/good cases per rule, and the mutation
table (``mutations_observability.yaml``) over the shipped stacks.

``CASES`` joins the rule cases of ``test_rules.py`` (each rule fires on its bad
stack and stays quiet on its good one). The mutation table uses the operations of
the guardrail mutation suite: ``set``/``del``/``append`` an input by dotted path
(list items by index) on every resource of ``type`` whose name ends with ``name``
(``json: true`` stores the value as JSON text), ``drop`` such resources, ``add`` a
resource (``Resource.to_json`` shape), ``option`` to set ``retain_on_delete`` or
``protect``; ``config`` previews the stack again with overrides.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ailab.core import tokens
from ailab.core.errors import ConfigError
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails.evaluate import evaluate, evaluate_inventory
from ailab.guardrails.rule import Res, load_rules
from ailab.guardrails.rules_observability import dashboard_present
from ailab.infra.stacks import list_stacks

TABLE = Path(__file__).with_name("mutations_observability.yaml")
ROWS: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text())
NEW_RULES = {"dashboard-present", "db-encrypted", "db-private", "db-backups",
             "db-deletion-protection", "secrets-not-in-config", "tracking-server-private"}


def r(type_: str, name: str, deps: dict[str, set[str]] | None = None,
      retain: bool | None = True, protect: bool = False, **props: Any) -> Res:
    return Res(type=type_, name=name, props=props, retain_on_delete=retain, protect=protect,
               deps={k: frozenset(v) for k, v in (deps or {}).items()})


def rds(**props: Any) -> Res:
    base = {"engine": "postgres", "storageEncrypted": True, "publiclyAccessible": False,
            "backupRetentionPeriod": 7, "deletionProtection": True, "skipFinalSnapshot": False,
            "finalSnapshotIdentifier": "db-final", "manageMasterUserPassword": True}
    return r(tokens.AWS_RDS_INSTANCE, "db", **{**base, **props})


def cloud_sql(retain: bool = True, **settings: Any) -> Res:
    base = {"ipConfiguration": {"ipv4Enabled": False, "privateNetwork": "net",
                                "sslMode": "ENCRYPTED_ONLY"},
            "backupConfiguration": {"enabled": True, "backupRetentionSettings": {
                "retainedBackups": 7, "retentionUnit": "COUNT"}},
            "deletionProtectionEnabled": True}
    return r(tokens.GCP_SQL_DATABASE_INSTANCE, "sql", retain=retain, deletionProtection=True,
             databaseVersion="POSTGRES_16", settings={**base, **settings})


def gpu_vm() -> Res:
    return r(tokens.AWS_EC2_INSTANCE, "vm", instanceType="g6.xlarge", userData="#!/bin/bash\n")


def board(body: Any) -> Res:
    return r(tokens.AWS_CLOUDWATCH_DASHBOARD, "board",
             dashboardBody=body if isinstance(body, str) else json.dumps(body))


GPU_BODY = {"widgets": [{"type": "metric", "properties": {"region": "us-east-1", "metrics": [
    [{"expression": "SEARCH('{CWAgent,InstanceId} MetricName=\"nvidia_smi_utilization_gpu\"', "
                    "'Maximum', 300)"}]]}}]}
TASK = [{"name": "mlflow", "image": "i", "secrets": [{"name": "MLFLOW_DB_PASSWORD",
                                                      "valueFrom": "arn:...:password::"}],
         "environment": [{"name": "MLFLOW_DB_HOST", "value": "db"}]}]
LEAKY_TASK = [{**TASK[0], "environment": [{"name": "MLFLOW_DB_PASSWORD", "value": "hunter2"}]}]


def _service(public_lb: bool = False, public_ip: bool = False) -> list[Res]:
    return [r(tokens.AWS_LB_LOAD_BALANCER, "alb", internal=not public_lb),
            r(tokens.AWS_LB_TARGET_GROUP, "tg"),
            r(tokens.AWS_LB_LISTENER, "http", deps={"loadBalancerArn": {"alb"},
                                                    "defaultActions": {"tg"}}),
            r(tokens.AWS_ECS_SERVICE, "svc", deps={"loadBalancers": {"tg"}},
              networkConfiguration={"assignPublicIp": public_ip})]


CASES: dict[str, list[tuple[str, list[Res], list[Res]]]] = {
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


# Mutations --------------------------------------------------------------------------


def _fill(value: Any, stack: str) -> Any:
    if isinstance(value, str):
        return value.replace("{stack}", stack)
    if isinstance(value, dict):
        return {k: _fill(v, stack) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, stack) for v in value]
    return value


def _walk(inputs: dict[str, Any], path: str) -> tuple[Any, str | int]:
    parts = path.split(".")
    node: Any = inputs
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    return node, int(parts[-1]) if isinstance(node, list) else parts[-1]


def _apply(inv: Inventory, op: dict[str, Any]) -> None:
    if op["op"] == "add":
        inv.resources.append(Resource.from_json(op["resource"]))
        return
    targets = [x for x in inv.resources
               if x.type == op["type"] and x.name.endswith(op.get("name", ""))]
    assert targets, f"no {op['type']} named *{op.get('name', '')}"
    if op["op"] == "drop":
        inv.resources[:] = [x for x in inv.resources if all(x is not t for t in targets)]
        return
    for res in targets:
        if op["op"] == "option":
            setattr(res, op["option"], op["value"])
            continue
        node, key = _walk(res.inputs, op["path"])
        value = json.dumps(op["value"]) if op.get("json") else op.get("value")
        if op["op"] == "set":
            node[key] = value
        elif op["op"] == "append":
            node.setdefault(key, []).append(value)
        elif op["op"] == "del":
            del node[key]
        else:
            raise AssertionError(f"unknown operation {op['op']}")


def mutate(row: dict[str, Any], preview: Callable[..., Any]) -> Inventory | ConfigError:
    stack = row["stack"]
    try:
        base = preview(stack, _fill(row["config"], stack)) if "config" in row else \
            preview(stack)
    except ConfigError as exc:
        return exc
    inv = Inventory.from_json(copy.deepcopy(base.to_json()))
    for op in _fill(row.get("inventory") or [], stack):
        _apply(inv, op)
    return inv


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_mutation_is_caught_by_its_rule(row: dict[str, Any],
                                        preview: Callable[..., Any]) -> None:
    outcome = mutate(row, preview)
    expected = row["rule"]
    if expected.startswith("config:"):
        assert isinstance(outcome, ConfigError), f"config accepted {row['config']}"
        assert outcome.key == expected.removeprefix("config:")
        return
    assert not isinstance(outcome, ConfigError), f"config refused it: {outcome}"
    fired = {v.rule for v in evaluate_inventory(outcome)}
    assert expected in fired, f"{row['id']}: {expected} missed; fired {sorted(fired)}"


def test_the_table_covers_every_new_rule_on_both_clouds() -> None:
    assert len({r["id"] for r in ROWS}) == len(ROWS) >= 35
    assert {r["rule"] for r in ROWS} >= NEW_RULES
    for rule in NEW_RULES - {"tracking-server-private"}:
        clouds = {r["stack"].split("-")[0] for r in ROWS if r["rule"] == rule}
        assert clouds == {"aws", "gcp"}, rule


@pytest.mark.parametrize("stack", list_stacks())
def test_unmutated_shipped_stacks_pass_the_new_rules(stack: str,
                                                     preview: Callable[..., Any]) -> None:
    assert [v.message for v in evaluate_inventory(preview(stack))
            if v.rule in NEW_RULES] == []
