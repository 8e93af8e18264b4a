"""Observability and tracking guardrails: GPU stacks have a dashboard; the tracking
database is encrypted, private, backed up and protected from deletion; the tracking
server is reachable from the lab only; credentials never travel as plain values.

Each check reads a few properties of a core ``Resource`` and compares them with
the data tables below; the stack rules follow links through the ``Inventory``'s
indexes (``refs``, ``referencing``).

Enforcement: the dashboard rule is **advisory**. A missing dashboard costs no
money and exposes no data (auto-stop and the budget are mandatory elsewhere),
and ``ailab:dashboard: false`` is a legitimate choice (a lab watching its GPUs
in Grafana, or saving CloudWatch's per-dashboard fee); a mandatory rule would
make that key unusable. The database and secret rules are **mandatory**: each
guards data or credentials that cannot be recovered once lost or leaked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import gpu_metrics, tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.rule import (
    Enforcement,
    Finding,
    Severity,
    is_unknown,
    resource_rule,
    stack_rule,
    truthy,
)

SEC, DATA, FINOPS = "security", "data", "finops"
DASHBOARDS = (tokens.AWS_CLOUDWATCH_DASHBOARD, tokens.GCP_MONITORING_DASHBOARD)
DATABASES = (tokens.AWS_RDS_INSTANCE, tokens.GCP_SQL_DATABASE_INSTANCE)
GPU_SERIES = {
    tokens.AWS_CLOUDWATCH_DASHBOARD: (gpu_metrics.AWS_GPU_UTILIZATION,),
    tokens.GCP_MONITORING_DASHBOARD: (gpu_metrics.GCP_GPU_UTILIZATION,
                                      "tpu.googleapis.com/accelerator/duty_cycle"),
}
"""What a dashboard must read to show a lab's accelerators (any one of them)."""
IN_TRANSIT = ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
"""Cloud SQL ``sslMode`` values that refuse unencrypted connections."""
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY)",
                         re.IGNORECASE)
CREDENTIAL_URI = re.compile(r"[a-z][a-z0-9+.-]*://[^\s/:@'\"$]+:[^\s/@'\"$]+@", re.IGNORECASE)
"""``scheme://user:password@host`` with a literal password (``$VAR`` is not literal)."""
SECRET_ASSIGNMENT = re.compile(r"\b\w*(PASSWORD|PASSWD|SECRET|TOKEN)\w*=['\"]?[^\s$'\"{(]{4,}",
                               re.IGNORECASE)
GENERATED_SECRET = (tokens.RANDOM_PASSWORD,)
"""Resources whose output is a generated secret a password may come from."""
PASSWORD_INPUTS = {tokens.GCP_SQL_USER: "password",
                   tokens.GCP_SQL_DATABASE_INSTANCE: "rootPassword",
                   tokens.GCP_SECRETMANAGER_SECRET_VERSION: "secretData"}


def _is_gpu_machine(res: Resource) -> bool:
    if res.type in t.AWS_MACHINES:
        types = [str(res.get("instanceType") or "")] + [
            str(o.get("instanceType") or "")
            for o in res.get("mixedInstancesPolicy.launchTemplate.overrides") or []
            if isinstance(o, Mapping)]
        return any(t.is_aws_accelerator_type(x) for x in types)
    if res.type in t.GCE_MACHINES:
        return t.is_gcp_gpu_machine(str(res.get("machineType") or ""),
                                    res.get("guestAccelerators"))
    return res.type == tokens.GCP_TPU_V2_VM or bool(t.queued_tpu_nodes(res))


def _reads_accelerators(board: Resource) -> bool | None:
    """Whether the dashboard reads the GPU/TPU series (None: its body is not known)."""
    body = board.get("dashboardBody") or board.get("dashboardJson")
    if not isinstance(body, str) or not body.lstrip().startswith("{"):
        return None
    return any(series in body for series in GPU_SERIES[board.type])


@stack_rule("dashboard-present", "Accelerator stacks have a dashboard of their GPUs", FINOPS,
            Severity.LOW, "Keep ailab:dashboard true (a CloudWatch or Cloud Monitoring "
            "dashboard of the lab's GPU utilisation and memory, CPU, network, file systems, "
            "auto-stop and budget).",
            (*t.AWS_MACHINES, *t.GCE_MACHINES, tokens.GCP_TPU_V2_VM, tokens.DYNAMIC_RESOURCE,
             *DASHBOARDS), enforcement=Enforcement.ADVISORY)
def dashboard_present(stack: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    machines = [r for r in stack.resources if _is_gpu_machine(r)]
    if not machines:
        return
    boards = stack.by_type(*DASHBOARDS)
    if not boards:
        yield machines[0], "the stack runs accelerators and declares no dashboard"
    for board in boards:
        if _reads_accelerators(board) is False:
            yield board, "the dashboard reads no GPU or TPU utilisation series"


@resource_rule("db-encrypted", "Tracking databases are encrypted", SEC, Severity.HIGH,
               "RDS: storage_encrypted=True. Cloud SQL (encrypted at rest by Google): "
               "settings.ip_configuration.ssl_mode ENCRYPTED_ONLY.", DATABASES)
def db_encrypted(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.type == tokens.AWS_RDS_INSTANCE:
        if not truthy(res.get("storageEncrypted")):
            yield "storage is not encrypted (storageEncrypted is not true)"
        return
    mode = res.get("settings.ipConfiguration.sslMode")
    if mode not in IN_TRANSIT:
        yield f"connections may be unencrypted (sslMode {mode!r}, not {' or '.join(IN_TRANSIT)})"


@resource_rule("db-private", "Tracking databases have no public endpoint", SEC, Severity.CRITICAL,
               "RDS: publicly_accessible=False in private subnets. Cloud SQL: "
               "ip_configuration.ipv4_enabled=False with private_network set and no "
               "authorized_networks.", DATABASES)
def db_private(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.type == tokens.AWS_RDS_INSTANCE:
        if truthy(res.get("publiclyAccessible")):
            yield "publicly accessible (a public DNS name and IP address)"
        return
    ip = res.get("settings.ipConfiguration") or {}
    if not isinstance(ip, Mapping) or ip.get("ipv4Enabled") is not False:
        yield "has a public IPv4 address (ipv4Enabled is not false; the API's default is true)"
    if isinstance(ip, Mapping) and ip.get("authorizedNetworks"):
        yield "authorized networks may connect from outside the VPC"
    if not isinstance(ip, Mapping) or not ip.get("privateNetwork"):
        yield "no private network (private services access)"


@resource_rule("db-backups", "Tracking databases keep automated backups", DATA, Severity.HIGH,
               "RDS: backup_retention_period >= 7. Cloud SQL: backup_configuration.enabled "
               "with backup_retention_settings.retained_backups >= 7.", DATABASES,
               config={"minRetentionDays": 7})
def db_backups(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    least = int(cfg["minRetentionDays"])
    if res.type == tokens.AWS_RDS_INSTANCE:
        days = res.get("backupRetentionPeriod")
        kept = int(days) if isinstance(days, (int, float)) and not isinstance(days, bool) else 0
        if kept < least:
            yield f"automated backups kept {kept} days; at least {least}"
        return
    if not truthy(res.get("settings.backupConfiguration.enabled")):
        yield "automated backups are off"
        return
    kept_raw = res.get("settings.backupConfiguration.backupRetentionSettings.retainedBackups")
    kept = int(kept_raw) if isinstance(kept_raw, (int, float)) else 7  # the API's default
    unit = res.get("settings.backupConfiguration.backupRetentionSettings.retentionUnit")
    if kept < least or unit not in (None, "COUNT"):
        yield f"keeps {kept} backups; at least {least} daily backups"


@resource_rule("db-deletion-protection", "Tracking databases survive a destroy", DATA,
               Severity.HIGH, "RDS: deletion_protection=True, skip_final_snapshot=False; "
               "Cloud SQL: deletion_protection=True and settings.deletion_protection_enabled; "
               "both retained on delete (ailab:retainOnDelete).", DATABASES)
def db_deletion_protection(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.type == tokens.AWS_RDS_INSTANCE:
        if not truthy(res.get("deletionProtection")):
            yield "deletion protection is off"
        if truthy(res.get("skipFinalSnapshot")) or not res.get("finalSnapshotIdentifier"):
            yield "a delete takes no final snapshot"
    else:
        if res.get("deletionProtection") is False:
            yield "Pulumi's deletion protection is off"
        if not truthy(res.get("settings.deletionProtectionEnabled")):
            yield "the API's deletion protection is off (deletionProtectionEnabled)"
    if res.retain_on_delete is False and not res.protect:
        yield "neither retained on delete nor protected: `pulumi destroy` deletes it"


def _literal(res: Resource, prop: str) -> bool:
    """A value written in the program or config rather than generated by a resource.
    Every inventory a stack rule sees carries property dependencies (the preview
    engine, ``pulumi preview --json``, CrossGuard's stack policy); a value unknown
    until ``up`` is never called literal: no finding without evidence."""
    value = res.get(prop)
    if value is None or is_unknown(value):
        return False
    return not res.deps.get(prop)


def _env_findings(pairs: list[tuple[str, Any]], where: str) -> Iterator[str]:
    for name, value in pairs:
        if SECRET_NAME.search(name) and value not in (None, ""):
            yield f"{where}: {name} is a plain environment value; use a secret reference"


def _container_env(res: Resource) -> list[tuple[str, Any]]:
    import json

    raw = res.get("containerDefinitions")
    try:
        containers = json.loads(raw) if isinstance(raw, str) else []
    except ValueError:
        return []
    return [(str(e.get("name", "")), e.get("value")) for c in containers if isinstance(c, dict)
            for e in c.get("environment") or [] if isinstance(e, dict)]


def _run_env(res: Resource) -> list[tuple[str, Any]]:
    return [(str(e.get("name", "")), e.get("value"))
            for c in res.get("template.containers") or [] if isinstance(c, Mapping)
            for e in c.get("envs") or [] if isinstance(e, Mapping)]


def _script(res: Resource) -> str:
    import base64
    import binascii

    metadata = res.get("metadata")
    text = res.get("userData") or (metadata.get("startup-script")
                                   if isinstance(metadata, Mapping) else None)
    if not isinstance(text, str):
        return ""
    if "\n" not in text:
        try:
            return base64.b64decode(text, validate=True).decode(errors="replace")
        except (binascii.Error, ValueError):
            return text
    return text


@functools.lru_cache(maxsize=256)
def _carries_credential(script: str) -> bool:
    """Cached by script text: a cluster's nodes share one boot script, so the regex
    work is per distinct script, not per node."""
    return bool(CREDENTIAL_URI.search(script) or SECRET_ASSIGNMENT.search(script))


BOOT_SCRIPT_CARRIERS = (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE,
                        *t.GCE_MACHINES)
SECRET_CARRIERS = (tokens.AWS_RDS_INSTANCE, *PASSWORD_INPUTS, tokens.AWS_ECS_TASK_DEFINITION,
                   tokens.GCP_CLOUDRUNV2_SERVICE, *BOOT_SCRIPT_CARRIERS)
"""Resources that hold, or could hold, a credential."""


def _secret_problems(res: Resource) -> Iterator[str]:
    managed = truthy(res.get("manageMasterUserPassword")) and res.get("password") is None
    if res.type == tokens.AWS_RDS_INSTANCE and not managed:
        yield "the master password passes through Pulumi; let RDS manage it in Secrets " \
              "Manager (manage_master_user_password)"
    if res.type in PASSWORD_INPUTS and _literal(res, PASSWORD_INPUTS[res.type]):
        yield f"{PASSWORD_INPUTS[res.type]} is a literal or config value, not a generated secret"
    if res.type == tokens.AWS_ECS_TASK_DEFINITION:
        yield from _env_findings(_container_env(res), "container environment")
    if res.type == tokens.GCP_CLOUDRUNV2_SERVICE:
        yield from _env_findings(_run_env(res), "container env")
    if res.type in BOOT_SCRIPT_CARRIERS and _carries_credential(_script(res)):
        yield "the boot script carries a credential (visible to anyone who can read " \
              "instance metadata or user data)"


@stack_rule("secrets-not-in-config", "Credentials come from a secret manager, never plain "
            "values", SEC, Severity.CRITICAL,
            "RDS: manage_master_user_password=True (no password argument). Cloud SQL users "
            "and Secret Manager versions: a generated password (random.RandomPassword), "
            "never a literal or a config value. Containers: secrets / valueSource, not "
            "environment values. Boot scripts: no credentials.", SECRET_CARRIERS)
def secrets_not_in_config(stack: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """A stack rule because where a password came from is a property dependency, which
    CrossGuard gives stack policies only."""
    for res in stack.by_type(*SECRET_CARRIERS):
        for message in _secret_problems(res):
            yield res, message


@stack_rule("tracking-server-private", "The tracking server is reachable from the lab only",
            SEC, Severity.HIGH, "AWS: the ECS service's tasks get no public IP and the load "
            "balancer in front of it is internal. GCP: Cloud Run ingress "
            "INGRESS_TRAFFIC_INTERNAL_ONLY when the invoker check is off.",
            (tokens.AWS_ECS_SERVICE, tokens.AWS_LB_LOAD_BALANCER, tokens.AWS_LB_LISTENER,
             tokens.AWS_LB_TARGET_GROUP, tokens.GCP_CLOUDRUNV2_SERVICE))
def tracking_server_private(stack: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """Load balancers are judged only when they serve an ECS service (a serving stack
    may face the internet on purpose)."""
    for service in stack.by_type(tokens.AWS_ECS_SERVICE):
        if truthy(service.get("networkConfiguration.assignPublicIp")):
            yield service, "the service's tasks get public IPs"
        for lb in _balancers_serving(stack, service):
            if not truthy(lb.get("internal")):
                yield lb, "the load balancer in front of the server faces the internet"
    for run in stack.by_type(tokens.GCP_CLOUDRUNV2_SERVICE):
        ingress = run.get("ingress") or "INGRESS_TRAFFIC_ALL"
        if ingress != "INGRESS_TRAFFIC_INTERNAL_ONLY" and truthy(run.get("invokerIamDisabled")):
            yield run, f"anyone who can reach it may call it (ingress {ingress}, invoker " \
                       "check off)"


def _balancers_serving(stack: Inventory, service: Resource) -> list[Resource]:
    """Load balancers whose listeners forward to one of the service's target groups."""
    found: dict[str, Resource] = {}
    for group in stack.refs(service, "loadBalancers", tokens.AWS_LB_TARGET_GROUP):
        for listener in stack.referencing(group, "defaultActions", tokens.AWS_LB_LISTENER):
            for lb in stack.refs(listener, "loadBalancerArn", tokens.AWS_LB_LOAD_BALANCER):
                found.setdefault(lb.name, lb)
    return list(found.values())
