"""AWS pricing rules for the lab's dashboard and tracking server: CloudWatch
dashboards and log groups, RDS instances, ECS Fargate services.

The dashboard costs a dashboard-month unless the account's free dashboards are
left (declare ``other_dashboards`` in a usage file: with fewer than the free
number elsewhere, this one is free). The RDS instance carries the secret RDS
keeps its master password in (no resource of the stack declares it). A Fargate
service bills its task's vCPU and memory for every running task.
"""

from __future__ import annotations

from ailab.core import tokens
from ailab.core.inventory import Resource
from ailab.costs.service_prices import service_price
from ailab.costs.stack_pricing.context import PricingContext, new_line, part, unpriced
from ailab.costs.stack_pricing.lines import CostLine, CostPart
from ailab.costs.stack_pricing.registry import free, rule
from ailab.costs.stack_pricing.values import flag, quantity, text

free("priced with the RDS instance that uses it", tokens.AWS_RDS_SUBNET_GROUP)
free("priced with the ECS services that run on it", tokens.AWS_ECS_CLUSTER,
     tokens.AWS_ECS_TASK_DEFINITION)

RDS_INCLUDED_IOPS = ((400, 3000), (None, 12000))
"""gp3 IOPS included in RDS storage: 3,000 under 400 GB, 12,000 from 400 GB."""


@rule(tokens.AWS_CLOUDWATCH_DASHBOARD, usage=("other_dashboards",))
def dashboard(res: Resource, ctx: PricingContext) -> CostLine:
    """A dashboard-month; free while the account has fewer dashboards than its free ones."""
    quote = service_price("aws", ctx.region, "monitoring", "dashboard", "month")
    allowance = service_price("aws", ctx.region, "monitoring", "dashboard", "free-per-account")
    others = ctx.usage_for(res).get("other_dashboards")
    billed = 1.0
    if others is None:
        note = (f"priced as a paid dashboard: an account's first {allowance.value:g} "
                "dashboards (up to 50 metrics each) are free; declare other_dashboards "
                "(the account's other dashboards) in a usage file to apply it")
    else:
        billed = 0.0 if float(others) < allowance.value else 1.0
        note = (f"{float(others):g} other dashboard(s) in the account: this one is "
                + ("within" if not billed else "beyond") + f" the free {allowance.value:g}")
    parts = [part("dashboard", billed, "dashboard-month", quote)]
    if not billed:
        parts.append(part("free-dashboard allowance (assumed)", 0.0, "dashboards", allowance))
    return new_line(res, ctx, parts, [note])


@rule(tokens.AWS_CLOUDWATCH_LOG_GROUP, usage=("ingested_gb", "stored_gb"))
def log_group(res: Resource, ctx: PricingContext) -> CostLine:
    """Log ingestion and storage, from the usage file."""
    use = ctx.usage_for(res)
    parts = [part("logs ingested", use.get("ingested_gb"), "GB",
                  service_price("aws", ctx.region, "logs", "log-group", "ingest")),
             part("logs stored", use.get("stored_gb"), "GB-month",
                  service_price("aws", ctx.region, "logs", "log-group", "storage"))]
    days = quantity(res.inputs.get("retentionInDays"), "retentionInDays", 0.0)
    notes = [f"kept {days:g} days" if days else "kept forever (no retention set)"]
    return new_line(res, ctx, parts, notes)


def _included_iops(storage_gb: float) -> float:
    for below, iops in RDS_INCLUDED_IOPS:
        if below is None or storage_gb < below:
            return float(iops)
    return 0.0


@rule(tokens.AWS_RDS_INSTANCE, usage=("hours_per_month", "backup_gb"))
def rds_instance(res: Resource, ctx: PricingContext) -> CostLine:
    """Instance hours by class (twice for Multi-AZ), storage, IOPS above the included,
    backup storage beyond the free amount, and the managed master-password secret."""
    i = res.inputs
    engine = text(i.get("engine"), "engine")
    if engine not in ("postgres",):
        return unpriced(res, ctx, f"RDS engine {engine!r} has no price in the table")
    klass = text(i.get("instanceClass"), "instanceClass")
    hours, basis = ctx.hours(res)
    copies = 2.0 if flag(i.get("multiAz")) else 1.0
    storage = quantity(i.get("allocatedStorage"), "allocatedStorage")
    kind = text(i.get("storageType"), "storageType", "gp2")
    suffix = " (Multi-AZ: two copies)" if copies > 1 else ""
    parts = [part(f"{klass} PostgreSQL{suffix}", hours * copies, "instance-h",
                  service_price("aws", ctx.region, "database", "rds-postgres", klass)),
             part(f"{kind} storage {storage:g} GB{suffix}", storage * copies, "GB-month",
                  service_price("aws", ctx.region, "database", "rds-storage", kind))]
    iops = quantity(i.get("iops"), "iops", 0.0)
    extra = max(0.0, iops - _included_iops(storage)) if kind == "gp3" else 0.0
    if extra:
        parts.append(part(f"IOPS above {_included_iops(storage):g}", extra * copies,
                          "IOPS-month", service_price("aws", ctx.region, "database",
                                                      "rds-storage", "iops")))
    parts.append(_backup_part(ctx, res, storage))
    notes = ["backup storage up to the provisioned storage is free; declare backup_gb for "
             "the rest"]
    if flag(i.get("manageMasterUserPassword")):
        parts.append(part("master password secret (Secrets Manager, managed by RDS)", 1.0,
                          "secret-month", service_price("aws", ctx.region, "secrets",
                                                        "secrets-manager",
                                                        "rds-managed-secret")))
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis)


def _backup_part(ctx: PricingContext, res: Resource, storage_gb: float) -> CostPart:
    declared = ctx.usage_for(res).get("backup_gb")
    beyond = None if declared is None else max(0.0, float(declared) - storage_gb)
    return part("backup storage beyond the free amount", beyond, "GB-month",
                service_price("aws", ctx.region, "database", "rds-backup", "storage"))


@rule(tokens.AWS_ECS_SERVICE, usage=("hours_per_month",))
def ecs_service(res: Resource, ctx: PricingContext) -> CostLine:
    """Fargate: the task's vCPU and GB for every desired task and hour."""
    launch = text(res.inputs.get("launchType"), "launchType", "EC2")
    if launch != "FARGATE":
        return unpriced(res, ctx, f"launch type {launch}: its EC2 capacity is priced on its "
                        "instances, not modelled here")
    task = ctx.ref(res, "taskDefinition", tokens.AWS_ECS_TASK_DEFINITION)
    if task is None:
        return unpriced(res, ctx, "the service's task definition is not in the stack")
    arch = text((task.inputs.get("runtimePlatform") or {}).get("cpuArchitecture"),
                "runtimePlatform.cpuArchitecture", "X86_64")
    if arch != "X86_64":
        return unpriced(res, ctx, f"Fargate {arch} has no price in the table")
    vcpu = quantity(task.inputs.get("cpu"), "task cpu") / 1024
    memory_gb = quantity(task.inputs.get("memory"), "task memory") / 1024
    tasks = quantity(res.inputs.get("desiredCount"), "desiredCount", 1.0)
    hours, basis = ctx.hours(res)
    parts = [part(f"Fargate vCPU ({vcpu:g} x {tasks:g} tasks)", vcpu * tasks * hours,
                  "vCPU-h", service_price("aws", ctx.region, "compute", "fargate", "vcpu-hour")),
             part(f"Fargate memory ({memory_gb:g} GB x {tasks:g} tasks)",
                  memory_gb * tasks * hours, "GB-h",
                  service_price("aws", ctx.region, "compute", "fargate", "gb-hour"))]
    return new_line(res, ctx, parts, ["Linux/x86 on-demand Fargate; 20 GB of task storage "
                                      "included"], hours_per_month=hours, hours_basis=basis)
