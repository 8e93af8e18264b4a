"""The AWS tracking server on the offline preview of ``aws-h100-cluster`` (shipped with
``ailab:tracking: mlflow``): private, encrypted, retained, and no credential in the
program, the config or any user data; its API requests validated by botocore."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ailab.core import tokens
from ailab.core.errors import ConfigError
from ailab.infra.contract.aws_requests import check_aws
from ailab.infra.observability import MLFLOW_IMAGE

STACK = "aws-h100-cluster"


def one(inv: Any, token: str) -> Any:
    found = inv.by_type(token)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def test_the_database_is_private_encrypted_backed_up_and_survives_a_destroy(
        preview: Any) -> None:
    db = one(preview(STACK), tokens.AWS_RDS_INSTANCE)
    i = db.inputs
    assert i["engine"] == "postgres" and i["storageEncrypted"] is True
    assert i["publiclyAccessible"] is False and i["multiAz"] is False
    assert i["backupRetentionPeriod"] >= 7 and i["deleteAutomatedBackups"] is False
    assert i["deletionProtection"] is True and i["skipFinalSnapshot"] is False
    assert i["finalSnapshotIdentifier"] == f"{i['identifier']}-final"
    assert db.retain_on_delete is True
    assert preview(STACK, {"ailab:retainOnDelete": False}).by_type(
        tokens.AWS_RDS_INSTANCE)[0].retain_on_delete is False


def test_rds_manages_the_password_and_nothing_else_holds_one(preview: Any) -> None:
    inv = preview(STACK)
    db = one(inv, tokens.AWS_RDS_INSTANCE)
    assert db.inputs["manageMasterUserPassword"] is True and "password" not in db.inputs
    every_value = json.dumps([r.inputs for r in inv.resources])
    assert "passwordWo" not in every_value and "masterUserPassword" not in every_value
    task = one(inv, tokens.AWS_ECS_TASK_DEFINITION)
    container = json.loads(task.inputs["containerDefinitions"])[0]
    secret_arn = db.outputs.get("masterUserSecrets") or next(
        s["valueFrom"].rsplit(":password::", 1)[0] for s in container["secrets"]
        if s["name"] == "MLFLOW_DB_PASSWORD")
    assert {s["name"]: s["valueFrom"] for s in container["secrets"]} == {
        "MLFLOW_DB_USER": f"{secret_arn}:username::",
        "MLFLOW_DB_PASSWORD": f"{secret_arn}:password::"}
    assert not [e for e in container["environment"] if "PASSWORD" in e["name"]]
    for machine in inv.by_type(tokens.AWS_EC2_LAUNCH_TEMPLATE, tokens.AWS_EC2_INSTANCE):
        assert "mlflow" not in json.dumps(machine.inputs).lower(), machine.name
    policy = json.loads(inv.get(f"{STACK}-tracking-exec-secret").inputs["policy"])
    assert policy["Statement"] == [{"Sid": "ReadDatabaseSecret", "Effect": "Allow",
                                    "Action": "secretsmanager:GetSecretValue",
                                    "Resource": secret_arn}]


def test_the_server_reads_the_password_at_start_and_never_puts_it_on_a_command_line(
        preview: Any) -> None:
    task = one(preview(STACK), tokens.AWS_ECS_TASK_DEFINITION)
    container = json.loads(task.inputs["containerDefinitions"])[0]
    command = container["command"][0]
    assert container["image"] == MLFLOW_IMAGE
    assert "MLFLOW_BACKEND_STORE_URI=" in command and "--backend-store-uri" not in command
    assert "unset MLFLOW_DB_PASSWORD" in command and "sslmode=require" in command
    assert "--artifacts-destination s3://" in command and command.endswith("/mlflow")
    assert container["healthCheck"]["command"][0] == "CMD-SHELL"
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"]


def test_only_the_lab_reaches_the_server_and_only_the_server_the_database(
        preview: Any) -> None:
    inv = preview(STACK)
    groups = {g.name: g for g in inv.by_type(tokens.AWS_EC2_SECURITY_GROUP)}
    alb, server, db = (groups[f"{STACK}-tracking-{k}-sg"] for k in ("alb", "server", "db"))
    lab = groups[f"{STACK}-net-cluster-sg"]
    assert [(r["fromPort"], r.get("cidrBlocks")) for r in alb.inputs["ingress"]] == [(80, None)]
    assert alb.inputs["ingress"][0]["securityGroups"] == [lab.id]
    assert server.inputs["ingress"][0]["securityGroups"] == [alb.id]
    assert [r["fromPort"] for r in db.inputs["ingress"]] == [5432]
    assert db.inputs["ingress"][0]["securityGroups"] == [server.id]
    assert db.inputs["egress"] == []
    lb = one(inv, tokens.AWS_LB_LOAD_BALANCER)
    assert lb.inputs["internal"] is True and lb.inputs["dropInvalidHeaderFields"] is True
    private = {s.id for s in inv.by_type(tokens.AWS_EC2_SUBNET) if "-private-" in s.name}
    assert set(lb.inputs["subnets"]) == private
    service = one(inv, tokens.AWS_ECS_SERVICE)
    assert service.inputs["networkConfiguration"]["assignPublicIp"] is False
    assert set(service.inputs["networkConfiguration"]["subnets"]) == private


def test_the_task_may_touch_the_artifacts_prefix_only(preview: Any) -> None:
    inv = preview(STACK)
    policy = json.loads(inv.get(f"{STACK}-tracking-artifacts").inputs["policy"])
    bucket = one(inv, tokens.AWS_S3_BUCKET).outputs["arn"]
    resources = {s["Sid"]: s["Resource"] for s in policy["Statement"]}
    assert resources == {"ListArtifacts": bucket, "ReadWriteArtifacts": f"{bucket}/mlflow/*"}
    assert policy["Statement"][0]["Condition"] == {
        "StringLike": {"s3:prefix": ["mlflow/*"]}}


def test_every_tracking_resource_becomes_validated_api_requests(preview: Any) -> None:
    report = check_aws(preview(STACK))
    assert report.problems == []
    operations = {(req[0], req[1]) for _, req in report.requests}
    assert {("rds", "CreateDBInstance"), ("rds", "DeleteDBInstance"),
            ("rds", "CreateDBSubnetGroup"), ("ecs", "RegisterTaskDefinition"),
            ("ecs", "CreateService"), ("ecs", "CreateCluster"),
            ("elbv2", "CreateLoadBalancer"), ("elbv2", "CreateTargetGroup"),
            ("elbv2", "CreateListener"), ("logs", "CreateLogGroup"),
            ("cloudwatch", "PutDashboard")} <= operations


def _mutated(preview: Any) -> Any:
    return copy.deepcopy(preview(STACK))


@pytest.mark.parametrize(("token", "edit", "message"), [
    (tokens.AWS_ECS_TASK_DEFINITION, {"memory": "3000"},
     "Fargate takes no task of 512 CPU units with 3000 MiB"),
    (tokens.AWS_ECS_SERVICE, {"launchType": "LAMBDA"}, "is not one of"),
    (tokens.AWS_RDS_INSTANCE, {"backupRetentionPeriod": "seven"}, "Invalid type"),
    (tokens.AWS_RDS_INSTANCE, {"skipFinalSnapshot": True},
     "either FinalDBSnapshotIdentifier or SkipFinalSnapshot"),
    (tokens.AWS_LB_TARGET_GROUP, {"targetType": "pod"}, "is not one of"),
    (tokens.AWS_CLOUDWATCH_LOG_GROUP, {"retentionInDays": 45},
     "is not a retention CloudWatch Logs accepts"),
])
def test_botocore_and_the_api_rules_catch_what_aws_would_refuse(
        preview: Any, token: str, edit: dict[str, Any], message: str) -> None:
    inv = _mutated(preview)
    one(inv, token).inputs.update(edit)
    assert any(message in p.message for p in check_aws(inv).problems), \
        [p.message for p in check_aws(inv).problems]


def test_a_container_secret_must_be_an_arn(preview: Any) -> None:
    inv = _mutated(preview)
    task = one(inv, tokens.AWS_ECS_TASK_DEFINITION)
    containers = json.loads(task.inputs["containerDefinitions"])
    containers[0]["secrets"][1]["valueFrom"] = "hunter2"
    task.inputs["containerDefinitions"] = json.dumps(containers)
    assert any("is not a Secrets Manager or SSM parameter ARN" in p.message
               for p in check_aws(inv).problems)


def test_tracking_needs_egress_and_a_known_engine() -> None:
    from ailab.infra.preview import preview_stack

    with pytest.raises(ConfigError, match="needs their NAT gateway"):
        preview_stack("aws-gpu-lab", overrides={"ailab:tracking": "mlflow"})
    with pytest.raises(ConfigError, match="allowed: mlflow"):
        preview_stack(STACK, overrides={"ailab:tracking": "wandb"})


def test_the_tracking_uri_is_the_internal_load_balancer(preview: Any) -> None:
    from ailab.workloads.stack_facts import preview_outputs

    lb = one(preview(STACK), tokens.AWS_LB_LOAD_BALANCER)
    assert lb.inputs["name"] == "aws-h100-cluster-mlflow"
    assert preview_outputs(STACK)["tracking_uri"].startswith(
        "http://internal-aws-h100-cluster-mlflow-")
