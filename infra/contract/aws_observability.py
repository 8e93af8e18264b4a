"""Dashboard, logs, RDS, ECS and load balancer resources as the API requests the AWS
provider sends for them (see ``aws_ec2`` for the approach), plus the documented
rules of those APIs the botocore models do not carry.

- CloudWatch ``PutDashboard``: the body's structure (``dashboards``).
- ECS ``RegisterTaskDefinition`` on Fargate: ``cpu``/``memory`` is one of the
  documented pairs (Amazon ECS Developer Guide, "Task CPU and memory": 256 with
  512-2048 MiB, 512 with 1-4 GiB, 1024 with 2-8 GiB, 2048 with 4-16 GiB, 4096 with
  8-30 GiB, in 1 GiB steps from 1 GiB), and a container secret's ``valueFrom``
  is a Secrets Manager or SSM parameter ARN (for one JSON key:
  ``arn:...:secret:NAME:KEY::``).
- RDS ``DeleteDBInstance``: the provider's delete takes either a final snapshot
  identifier or ``SkipFinalSnapshot`` (the API refuses neither / both).
- CloudWatch Logs ``PutRetentionPolicy``: ``retentionInDays`` is one of the values
  the API reference lists (the model types it as a plain integer).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Resource
from ailab.infra.contract.aws_common import (
    TRANSLATORS,
    Context,
    autoname,
    clean,
    resource_id,
    tag_list,
)
from ailab.infra.contract.botocore_check import Request
from ailab.infra.contract.dashboards import aws_dashboard_problems

FARGATE_SIZES: dict[int, range] = {
    256: range(512, 2048 + 1, 512), 512: range(1024, 4096 + 1, 1024),
    1024: range(2048, 8192 + 1, 1024), 2048: range(4096, 16384 + 1, 1024),
    4096: range(8192, 30720 + 1, 1024)}
"""Fargate task CPU units -> accepted memory (MiB); 256 CPU also takes 512 MiB."""
LOG_RETENTION_DAYS = frozenset({1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                                1096, 1827, 2192, 2557, 2922, 3288, 3653})
"""``PutRetentionPolicy``'s possible values (CloudWatch Logs API Reference)."""
_SECRET_REF = re.compile(r"^arn:aws[a-z-]*:(secretsmanager:[a-z0-9-]+:\d{12}:secret:.+|"
                         r"ssm:[a-z0-9-]+:\d{12}:parameter/.+)$")


def _translator(*types: str) -> Any:
    def register(fn: Any) -> Any:
        for token in types:
            TRANSLATORS[token] = fn
        return fn
    return register


def _lower_tags(tags: Any) -> list[dict[str, str]]:
    return [{"key": str(k), "value": str(v)} for k, v in (tags or {}).items()]


@_translator(tokens.AWS_CLOUDWATCH_DASHBOARD)
def dashboard(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("cloudwatch", "PutDashboard", {"DashboardName": i.get("dashboardName"),
                                            "DashboardBody": i.get("dashboardBody")})]


@_translator(tokens.AWS_CLOUDWATCH_LOG_GROUP)
def log_group(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    name = i.get("name") or autoname(res, 512)
    out: list[Request] = [("logs", "CreateLogGroup", clean({
        "logGroupName": name, "tags": {str(k): str(v) for k, v in (i.get("tags") or {}).items()}
        or None}))]
    if i.get("retentionInDays"):
        out.append(("logs", "PutRetentionPolicy", {"logGroupName": name,
                                                   "retentionInDays": i["retentionInDays"]}))
    return out


@_translator(tokens.AWS_RDS_SUBNET_GROUP)
def db_subnet_group(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("rds", "CreateDBSubnetGroup", clean({
        "DBSubnetGroupName": i.get("name") or autoname(res, 255).lower(),
        "DBSubnetGroupDescription": i.get("description") or "Managed by Pulumi",
        "SubnetIds": i.get("subnetIds"), "Tags": tag_list(i.get("tags"))}))]


@_translator(tokens.AWS_RDS_INSTANCE)
def db_instance(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    ident = i.get("identifier") or autoname(res, 63).lower()
    create = clean({
        "DBInstanceIdentifier": ident, "DBInstanceClass": i.get("instanceClass"),
        "Engine": i.get("engine"), "EngineVersion": i.get("engineVersion"),
        "AllocatedStorage": i.get("allocatedStorage"),
        "MaxAllocatedStorage": i.get("maxAllocatedStorage"), "StorageType": i.get("storageType"),
        "StorageEncrypted": i.get("storageEncrypted"), "KmsKeyId": i.get("kmsKeyId"),
        "DBName": i.get("dbName"), "MasterUsername": i.get("username"),
        "MasterUserPassword": i.get("password"),
        "ManageMasterUserPassword": i.get("manageMasterUserPassword"), "Port": i.get("port"),
        "DBSubnetGroupName": i.get("dbSubnetGroupName"),
        "VpcSecurityGroupIds": i.get("vpcSecurityGroupIds"),
        "PubliclyAccessible": i.get("publiclyAccessible"), "MultiAZ": i.get("multiAz"),
        "BackupRetentionPeriod": i.get("backupRetentionPeriod"),
        "PreferredBackupWindow": i.get("backupWindow"),
        "PreferredMaintenanceWindow": i.get("maintenanceWindow"),
        "CopyTagsToSnapshot": i.get("copyTagsToSnapshot"),
        "DeletionProtection": i.get("deletionProtection"),
        "AutoMinorVersionUpgrade": i.get("autoMinorVersionUpgrade"),
        "Tags": tag_list(i.get("tags"))})
    delete = clean({"DBInstanceIdentifier": ident,
                    "SkipFinalSnapshot": bool(i.get("skipFinalSnapshot")),
                    "FinalDBSnapshotIdentifier": i.get("finalSnapshotIdentifier"),
                    "DeleteAutomatedBackups": i.get("deleteAutomatedBackups")})
    return [("rds", "CreateDBInstance", create), ("rds", "DeleteDBInstance", delete)]


@_translator(tokens.AWS_ECS_CLUSTER)
def ecs_cluster(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("ecs", "CreateCluster", clean({
        "clusterName": i.get("name") or autoname(res), "tags": _lower_tags(i.get("tags")),
        "settings": [{"name": s.get("name"), "value": s.get("value")}
                     for s in i.get("settings") or []]}))]


@_translator(tokens.AWS_ECS_TASK_DEFINITION)
def task_definition(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    platform = i.get("runtimePlatform") or {}
    return [("ecs", "RegisterTaskDefinition", clean({
        "family": i.get("family"),
        "containerDefinitions": json.loads(i.get("containerDefinitions") or "[]"),
        "requiresCompatibilities": i.get("requiresCompatibilities"),
        "networkMode": i.get("networkMode"), "cpu": i.get("cpu"), "memory": i.get("memory"),
        "executionRoleArn": i.get("executionRoleArn"), "taskRoleArn": i.get("taskRoleArn"),
        "runtimePlatform": clean({"operatingSystemFamily": platform.get("operatingSystemFamily"),
                                  "cpuArchitecture": platform.get("cpuArchitecture")}),
        "tags": _lower_tags(i.get("tags"))}))]


@_translator(tokens.AWS_ECS_SERVICE)
def ecs_service(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    net = i.get("networkConfiguration") or {}
    breaker = i.get("deploymentCircuitBreaker") or {}
    return [("ecs", "CreateService", clean({
        "serviceName": i.get("name"), "cluster": i.get("cluster"),
        "taskDefinition": i.get("taskDefinition"), "desiredCount": i.get("desiredCount"),
        "launchType": i.get("launchType"),
        "networkConfiguration": {"awsvpcConfiguration": clean({
            "subnets": net.get("subnets"), "securityGroups": net.get("securityGroups"),
            "assignPublicIp": "ENABLED" if net.get("assignPublicIp") else "DISABLED"})}
        if net else None,
        "loadBalancers": [clean({"targetGroupArn": lb.get("targetGroupArn"),
                                 "containerName": lb.get("containerName"),
                                 "containerPort": lb.get("containerPort")})
                          for lb in i.get("loadBalancers") or []],
        "healthCheckGracePeriodSeconds": i.get("healthCheckGracePeriodSeconds"),
        "deploymentConfiguration": {"deploymentCircuitBreaker": {
            "enable": bool(breaker.get("enable")), "rollback": bool(breaker.get("rollback"))}}
        if breaker else None,
        "propagateTags": i.get("propagateTags"), "tags": _lower_tags(i.get("tags"))}))]


@_translator(tokens.AWS_LB_LOAD_BALANCER, tokens.AWS_ALB_LOAD_BALANCER)
def load_balancer(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    name = i.get("name") or autoname(res, 32)
    out: list[Request] = [("elbv2", "CreateLoadBalancer", clean({
        "Name": name, "Subnets": i.get("subnets"), "SecurityGroups": i.get("securityGroups"),
        "Scheme": "internal" if i.get("internal") else "internet-facing",
        "Type": i.get("loadBalancerType") or "application", "Tags": tag_list(i.get("tags"))}))]
    if "dropInvalidHeaderFields" in i:
        out.append(("elbv2", "ModifyLoadBalancerAttributes", {
            "LoadBalancerArn": res.outputs.get("arn") or resource_id(res),
            "Attributes": [{"Key": "routing.http.drop_invalid_header_fields.enabled",
                            "Value": str(bool(i["dropInvalidHeaderFields"])).lower()}]}))
    return out


@_translator(tokens.AWS_LB_TARGET_GROUP)
def target_group(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    check = i.get("healthCheck") or {}
    return [("elbv2", "CreateTargetGroup", clean({
        "Name": i.get("name") or autoname(res, 32), "Protocol": i.get("protocol"),
        "Port": i.get("port"), "VpcId": i.get("vpcId"), "TargetType": i.get("targetType"),
        "HealthCheckPath": check.get("path"),
        "HealthCheckIntervalSeconds": check.get("interval"),
        "HealthyThresholdCount": check.get("healthyThreshold"),
        "UnhealthyThresholdCount": check.get("unhealthyThreshold"),
        "Matcher": {"HttpCode": check["matcher"]} if check.get("matcher") else None,
        "Tags": tag_list(i.get("tags"))}))]


@_translator(tokens.AWS_LB_LISTENER)
def listener(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("elbv2", "CreateListener", clean({
        "LoadBalancerArn": i.get("loadBalancerArn"), "Protocol": i.get("protocol"),
        "Port": i.get("port"),
        "DefaultActions": [clean({"Type": a.get("type"), "TargetGroupArn": a.get("targetGroupArn")})
                           for a in i.get("defaultActions") or []],
        "Tags": tag_list(i.get("tags"))}))]


def api_rules(request: Request) -> list[str]:
    """The documented rules of these APIs outside the botocore models."""
    service, operation, params = request
    if operation == "PutDashboard":
        return aws_dashboard_problems(params.get("DashboardBody") or "")
    if operation == "RegisterTaskDefinition":
        return _task_rules(params)
    if operation == "PutRetentionPolicy" and params.get("retentionInDays") not in \
            LOG_RETENTION_DAYS:
        return [f"retentionInDays {params.get('retentionInDays')} is not a retention "
                "CloudWatch Logs accepts"]
    if operation == "DeleteDBInstance":
        skip, final = params.get("SkipFinalSnapshot"), params.get("FinalDBSnapshotIdentifier")
        if bool(skip) == bool(final):
            return ["DeleteDBInstance needs either FinalDBSnapshotIdentifier or "
                    "SkipFinalSnapshot, not both or neither"]
    return []


def _task_rules(params: dict[str, Any]) -> list[str]:
    found = []
    if "FARGATE" in (params.get("requiresCompatibilities") or []):
        cpu, memory = int(params.get("cpu") or 0), int(params.get("memory") or 0)
        accepted = FARGATE_SIZES.get(cpu)
        if accepted is None or (memory not in accepted and not (cpu == 256 and memory == 512)):
            found.append(f"Fargate takes no task of {cpu} CPU units with {memory} MiB")
        if params.get("networkMode") != "awsvpc":
            found.append("Fargate tasks use networkMode awsvpc")
    for container in params.get("containerDefinitions") or []:
        for secret in container.get("secrets") or []:
            if not _SECRET_REF.match(str(secret.get("valueFrom", ""))):
                found.append(f"container {container.get('name')}: secret {secret.get('name')} "
                             f"valueFrom {secret.get('valueFrom')!r} is not a Secrets Manager "
                             "or SSM parameter ARN")
    return found
