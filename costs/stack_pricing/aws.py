"""AWS pricing rules: EC2, Auto Scaling, EBS, EFS, FSx for Lustre, NAT, IPs, S3, ELB."""

from __future__ import annotations

from typing import Any

from ailab.core import tags, tokens
from ailab.costs import storage_prices
from ailab.costs.stack_pricing.common import (
    SPOT_NOTE,
    block_parts,
    egress_parts,
    instance_part,
    num,
    object_parts,
    processed_part,
    truthy,
)
from ailab.costs.stack_pricing.lines import CostLine, CostPart
from ailab.costs.stack_pricing.registry import (
    PricingContext,
    Res,
    extra_price,
    free,
    free_line,
    new_line,
    part,
    rule,
    unpriced,
)

ALARM = tokens.AWS_CLOUDWATCH_METRIC_ALARM
LAUNCH_TEMPLATE = tokens.AWS_EC2_LAUNCH_TEMPLATE

free("networking without an hourly charge",
     tokens.AWS_EC2_VPC, tokens.AWS_EC2_SUBNET, tokens.AWS_EC2_ROUTE_TABLE,
     tokens.AWS_EC2_ROUTE_TABLE_ASSOCIATION, tokens.AWS_EC2_ROUTE,
     tokens.AWS_EC2_INTERNET_GATEWAY, tokens.AWS_EC2_SECURITY_GROUP,
     tokens.AWS_EC2_SECURITY_GROUP_RULE,
     tokens.AWS_VPC_SECURITY_GROUP_INGRESS_RULE,
     tokens.AWS_VPC_SECURITY_GROUP_EGRESS_RULE,
     tokens.AWS_EC2_PLACEMENT_GROUP, tokens.AWS_EC2_EIP_ASSOCIATION,
     tokens.AWS_EC2_MAIN_ROUTE_TABLE_ASSOCIATION,
     tokens.AWS_EC2_NETWORK_ACL, tokens.AWS_EC2_KEY_PAIR,
     tokens.AWS_LB_TARGET_GROUP, tokens.AWS_LB_LISTENER,
     tokens.AWS_LB_TARGET_GROUP_ATTACHMENT)
free("priced with the instances or groups that use it", LAUNCH_TEMPLATE,
     tokens.AWS_EC2_VOLUME_ATTACHMENT)
free("IAM has no charge", tokens.AWS_IAM_ROLE, tokens.AWS_IAM_POLICY,
     tokens.AWS_IAM_ROLE_POLICY, tokens.AWS_IAM_ROLE_POLICY_ATTACHMENT,
     tokens.AWS_IAM_INSTANCE_PROFILE)
free("bucket settings: their effect is noted on the bucket line",
     tokens.AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK,
     tokens.AWS_S3_BUCKET_VERSIONING, tokens.AWS_S3_BUCKET_VERSIONING_V2,
     tokens.AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION,
     tokens.AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION_V2,
     tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION,
     tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION_V2,
     tokens.AWS_S3_BUCKET_INTELLIGENT_TIERING_CONFIGURATION,
     tokens.AWS_S3_BUCKET_POLICY, tokens.AWS_S3_BUCKET_OWNERSHIP_CONTROLS)
free("mount points and links of priced file systems", tokens.AWS_EFS_MOUNT_TARGET,
     tokens.AWS_EFS_ACCESS_POINT,
     tokens.AWS_FSX_DATA_REPOSITORY_ASSOCIATION)
free("budgets without actions are free", tokens.AWS_BUDGETS_BUDGET)
free("the provider itself", tokens.PROVIDER_AWS)


def _public_ip_part(ctx: PricingContext, hours: float, count: float = 1.0) -> CostPart:
    quote = extra_price("aws", ctx.region, "network", "public-ipv4", "hour")
    return part("public IPv4 address" + (f" x{count:g}" if count != 1 else ""),
                hours * count, "IP-h", quote)


def _launch_template(res: Res, ctx: PricingContext, prop: str) -> dict[str, Any]:
    found = ctx.ref(res, prop)
    return found["inputs"] if found and found["type"] == LAUNCH_TEMPLATE else {}


def _lt_volumes(ctx: PricingContext, template: dict[str, Any], count: float) -> list[CostPart]:
    out: list[CostPart] = []
    for mapping in template.get("blockDeviceMappings") or []:
        ebs = mapping.get("ebs") or {}
        if "volumeSize" in ebs:
            out += block_parts("aws", ctx.region, ebs.get("volumeType") or "gp3",
                               num(ebs["volumeSize"]), num(ebs.get("iops")),
                               num(ebs.get("throughput")), count,
                               label=f"EBS {mapping.get('deviceName', 'volume')}")
    return out


def _lt_public_ip(template: dict[str, Any]) -> bool:
    return any(truthy(nic.get("associatePublicIpAddress"))
               for nic in template.get("networkInterfaces") or [])


def _autostop_note(res: Res, ctx: PricingContext) -> str | None:
    minutes = (res["inputs"].get("tags") or {}).get(tags.AWS_IDLE_MINUTES)
    if num(minutes):
        return (f"auto-stop after {num(minutes):g} idle min (on-machine watchdog) is set: it "
                "does not say how many hours the machine runs, so 730 h is priced; set "
                "hours_per_month in a usage file for the expected hours")
    for alarm in ctx.of_type(ALARM):
        inputs = alarm["inputs"]
        if not any(":ec2:stop" in str(a) for a in inputs.get("alarmActions") or []):
            continue
        if ctx.ref(alarm, "dimensions") is res:
            minutes = num(inputs.get("period")) * num(inputs.get("evaluationPeriods")) / 60
            return (f"auto-stop after {minutes:g} idle min is set ({alarm['name']}): it does "
                    "not say how many hours the machine runs, so 730 h is priced; set "
                    "hours_per_month in a usage file for the expected hours")
    return None


@rule(tokens.AWS_EC2_INSTANCE, usage=("hours_per_month", "egress_gb"))
def ec2_instance(res: Res, ctx: PricingContext) -> CostLine:
    """On-demand or spot hours, root/launch-template volumes (billed even when stopped)
    and a public IPv4 address while running."""
    inputs = res["inputs"]
    template = _launch_template(res, ctx, "launchTemplate")
    itype = inputs.get("instanceType") or template.get("instanceType")
    if not itype:
        return unpriced(res, ctx, "no instanceType on the instance or its launch template")
    market = inputs.get("instanceMarketOptions") or template.get("instanceMarketOptions") or {}
    spot = str(market.get("marketType", "")).lower() == "spot"
    hours, basis = ctx.hours(res)
    notes = [SPOT_NOTE] if spot else []
    stop_note = _autostop_note(res, ctx)
    if stop_note and basis != "usage file":
        notes.append(stop_note)
    parts = [instance_part("aws", ctx.region, itype, spot, hours)]
    root = inputs.get("rootBlockDevice") or {}
    if "volumeSize" in root:
        parts += block_parts("aws", ctx.region, root.get("volumeType") or "gp3",
                             num(root["volumeSize"]), num(root.get("iops")),
                             num(root.get("throughput")), label="EBS root")
    elif not template.get("blockDeviceMappings"):
        notes.append("root volume size comes from the AMI and is not priced")
    parts += _lt_volumes(ctx, template, 1.0)
    if truthy(inputs.get("associatePublicIpAddress")) or _lt_public_ip(template):
        parts.append(_public_ip_part(ctx, hours))
    parts += egress_parts(ctx, res, "aws")
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis)


def _asg_nodes(count: float, base: float, pct_on_demand: float) -> tuple[float, float]:
    """(on-demand, spot) nodes at a capacity under a mixed-instances distribution."""
    on_demand = min(count, base)
    above = count - on_demand
    return on_demand + above * pct_on_demand / 100.0, above * (100 - pct_on_demand) / 100.0


@rule(tokens.AWS_AUTOSCALING_GROUP, usage=("hours_per_month", "egress_gb"))
def autoscaling_group(res: Res, ctx: PricingContext) -> CostLine:
    """Desired capacity, split on-demand/spot by the mixed-instances distribution;
    min and max capacity give the range."""
    inputs = res["inputs"]
    policy = inputs.get("mixedInstancesPolicy") or {}
    lt_spec = (policy.get("launchTemplate") or {})
    template = (_launch_template(res, ctx, "mixedInstancesPolicy") if policy
                else _launch_template(res, ctx, "launchTemplate"))
    types = [o["instanceType"] for o in lt_spec.get("overrides") or [] if o.get("instanceType")]
    types = types or ([template["instanceType"]] if template.get("instanceType") else [])
    if not types:
        return unpriced(res, ctx, "no instance type in the group's overrides or launch template")
    dist = policy.get("instancesDistribution") or {}
    base = num(dist.get("onDemandBaseCapacity"))
    pct = num(dist.get("onDemandPercentageAboveBaseCapacity"), 100.0) if policy else 100.0
    market = template.get("instanceMarketOptions") or {}
    if not policy and str(market.get("marketType", "")).lower() == "spot":
        pct = 0.0
    hours, basis = ctx.hours(res)
    desired = num(inputs.get("desiredCapacity"), num(inputs.get("minSize")))

    def at(count: float) -> list[CostPart]:
        od_nodes, spot_nodes = _asg_nodes(count, base, pct)
        out: list[CostPart] = []
        if od_nodes:
            out.append(instance_part("aws", ctx.region, types[0], False, hours, od_nodes))
        if spot_nodes:
            cheapest = min(types, key=lambda t: instance_part("aws", ctx.region, t, True,
                                                              1.0).unit_price_usd)
            out.append(instance_part("aws", ctx.region, cheapest, True, hours, spot_nodes))
        out += _lt_volumes(ctx, template, count)
        if _lt_public_ip(template):
            out.append(_public_ip_part(ctx, hours, count))
        return out

    parts = at(desired) + egress_parts(ctx, res, "aws")
    low = sum(p.monthly_usd or 0.0 for p in at(num(inputs.get("minSize"), desired)))
    high = sum(p.monthly_usd or 0.0 for p in at(num(inputs.get("maxSize"), desired)))
    notes = [f"{desired:g} desired nodes (min {num(inputs.get('minSize')):g}, "
             f"max {num(inputs.get('maxSize')):g}); the range prices min and max capacity"]
    if len(types) > 1:
        notes.append(f"on-demand nodes at the first override ({types[0]}, the default "
                     "'prioritized' order); spot nodes at the lowest catalog spot price among "
                     "the overrides: the allocation strategy may pick dearer pools")
    if any(p.label.find(" spot") > 0 for p in parts):
        notes.append(SPOT_NOTE)
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis,
                    range_monthly_usd=(round(low, 4), round(high, 4)))


@rule(tokens.AWS_EBS_VOLUME)
def ebs_volume(res: Res, ctx: PricingContext) -> CostLine:
    """GB-months plus provisioned IOPS and throughput above the type's baseline."""
    inputs = res["inputs"]
    parts = block_parts("aws", ctx.region, inputs.get("type") or "gp2", num(inputs.get("size")),
                        num(inputs.get("iops")), num(inputs.get("throughput")), label="EBS")
    return new_line(res, ctx, parts, ["billed every hour it exists, attached or not"])


@rule(tokens.AWS_EFS_FILE_SYSTEM, usage=("stored_gb",))
def efs(res: Res, ctx: PricingContext) -> CostLine:
    """Stored GB at the Standard (or One Zone) class; depends on usage without stored_gb."""
    inputs = res["inputs"]
    kind = "efs-one-zone" if inputs.get("availabilityZoneName") else "efs-standard"
    stored = ctx.usage_for(res).get("stored_gb")
    parts = [part(f"{kind} storage", stored, "GB-month",
                  storage_prices.file_price("aws", ctx.region, kind))]
    notes = []
    if inputs.get("lifecyclePolicies"):
        notes.append("lifecycle moves cold files to Infrequent Access: priced as Standard "
                     "(an upper bound)")
    if inputs.get("throughputMode") == "elastic":
        read = storage_prices.file_price("aws", ctx.region, "efs-elastic-throughput", "read")
        write = storage_prices.file_price("aws", ctx.region, "efs-elastic-throughput", "write")
        notes.append(f"elastic throughput adds {read.value:g} USD/GB read and "
                     f"{write.value:g} USD/GB written (not estimated)")
    return new_line(res, ctx, parts, notes)


def _lustre_kind(inputs: dict[str, Any]) -> str:
    deployment = str(inputs.get("deploymentType") or "SCRATCH_1").lower().replace("_", "")
    if deployment.startswith("scratch"):
        return f"fsx-lustre-{deployment}"
    per_unit = num(inputs.get("perUnitStorageThroughput"))
    hdd = "-hdd" if str(inputs.get("storageType", "SSD")).upper() == "HDD" else ""
    return f"fsx-lustre-{deployment}{hdd}-{per_unit:g}"


@rule(tokens.AWS_FSX_LUSTRE_FILE_SYSTEM)
def fsx_lustre(res: Res, ctx: PricingContext) -> CostLine:
    """Provisioned capacity at the deployment type's throughput tier."""
    inputs = res["inputs"]
    kind = _lustre_kind(inputs)
    capacity = num(inputs.get("storageCapacity"))
    parts = [part(f"{kind} {capacity:g} GB", capacity, "GB-month",
                  storage_prices.file_price("aws", ctx.region, kind))]
    notes = []
    if num(inputs.get("automaticBackupRetentionDays")) > 0:
        notes.append("automatic backups add backup GB-months (not estimated)")
    return new_line(res, ctx, parts, notes)


@rule(tokens.AWS_EC2_NAT_GATEWAY, usage=("hours_per_month", "processed_gb", "egress_gb"))
def nat_gateway(res: Res, ctx: PricingContext) -> CostLine:
    """Hourly charge plus per-GB data processing."""
    hours, basis = ctx.hours(res)
    parts = [part("NAT gateway hours", hours, "h",
                  storage_prices.network_price("aws", ctx.region, "nat-gateway", "hour")),
             processed_part(ctx, res, storage_prices.network_price("aws", ctx.region,
                                                                   "nat-gateway", "processed"))]
    parts += egress_parts(ctx, res, "aws")
    return new_line(res, ctx, parts, hours_per_month=hours, hours_basis=basis)


@rule(tokens.AWS_EC2_EIP, usage=("hours_per_month",))
def elastic_ip(res: Res, ctx: PricingContext) -> CostLine:
    """Public IPv4 charge, attached or idle."""
    hours, basis = ctx.hours(res)
    return new_line(res, ctx, [_public_ip_part(ctx, hours)], hours_per_month=hours,
                    hours_basis=basis)


@rule(tokens.AWS_S3_BUCKET, tokens.AWS_S3_BUCKET_V2,
      usage=("stored_gb", "requests", "egress_gb"))
def s3_bucket(res: Res, ctx: PricingContext) -> CostLine:
    """Stored GB (volume tiers), GET/PUT requests and internet egress from the usage file."""
    parts = object_parts(ctx, res, "aws", ctx.region, "STANDARD", "S3 Standard", "requests")
    notes = []
    siblings = [r for r in ctx.resources if r["type"].startswith("aws:s3/bucketLifecycle")
                and (ctx.ref(r, "bucket") is res or ctx.component(r) == ctx.component(res))]
    if siblings:
        notes.append("lifecycle rules move objects to cheaper classes: priced as Standard "
                     "(an upper bound; `ailab estimate storage` models tiering)")
    return new_line(res, ctx, parts, notes)


def alarm_metrics(inputs: dict[str, Any]) -> int:
    """Metrics an alarm is billed for: one for a single-metric alarm, one per metric a
    metric-math alarm reads (expressions themselves are free)."""
    if inputs.get("metricName"):
        return 1
    return sum(1 for q in inputs.get("metricQueries") or [] if q.get("metric")) or 1


@rule(tokens.AWS_CLOUDWATCH_METRIC_ALARM)
def metric_alarm(res: Res, ctx: PricingContext) -> CostLine:
    """Standard-resolution alarm, per alarm metric-month (the account-wide 10 free are
    not applied); a metric-math alarm is billed per metric in its expression."""
    quote = extra_price("aws", ctx.region, "monitoring", "metric-alarm", "month")
    count = alarm_metrics(res["inputs"])
    label = "alarm" if count == 1 else f"alarm ({count} metrics)"
    return new_line(res, ctx, [part(label, float(count), "alarm-month", quote)])


@rule(tokens.AWS_EC2_VPC_ENDPOINT)
def vpc_endpoint(res: Res, ctx: PricingContext) -> CostLine:
    """Gateway endpoints (S3, DynamoDB) are free; interface endpoints are not in the table."""
    kind = str(res["inputs"].get("vpcEndpointType") or "Gateway")
    if kind.lower() != "gateway":
        return unpriced(res, ctx, f"{kind} VPC endpoints have no price in the table")
    return free_line(res, ctx, "gateway endpoint: no charge")


@rule(tokens.AWS_LB_LOAD_BALANCER, tokens.AWS_ALB_LOAD_BALANCER,
      usage=("hours_per_month", "processed_gb"))
def load_balancer(res: Res, ctx: PricingContext) -> CostLine:
    """Hourly charge plus capacity units; processed GB gives LCU-hours (bytes dimension)."""
    lb_type = str(res["inputs"].get("loadBalancerType") or "application")
    kind = {"application": "alb", "network": "nlb"}.get(lb_type)
    if kind is None:
        return unpriced(res, ctx, f"{lb_type} load balancers have no price in the table")
    hours, basis = ctx.hours(res)
    processed = ctx.usage_for(res).get("processed_gb")
    parts = [part(f"{kind.upper()} hours", hours, "h",
                  extra_price("aws", ctx.region, "network", kind, "hour")),
             part("capacity units (1 per GB processed)", processed, "LCU-h",
                  extra_price("aws", ctx.region, "network", kind, "lcu"))]
    notes = ["capacity units count the processed-bytes dimension only (a lower bound)"]
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis)
