"""AWS pricing rules: EC2 instances, Auto Scaling groups, NAT, IPs, load balancers, alarms.

Storage rules (EBS, EFS, FSx for Lustre, S3) are in ``aws_storage``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ailab.core import tags, tokens
from ailab.core.inventory import Resource
from ailab.costs import storage_prices
from ailab.costs.service_prices import service_price
from ailab.costs.stack_pricing.agent_metrics import aws_agent_parts
from ailab.costs.stack_pricing.common import (
    SPOT_NOTE,
    block_parts,
    egress_parts,
    instance_part,
    processed_part,
)
from ailab.costs.stack_pricing.context import (
    PricingContext,
    free_line,
    new_line,
    part,
    unpriced,
)
from ailab.costs.stack_pricing.lines import CostLine, CostPart
from ailab.costs.stack_pricing.registry import free, rule
from ailab.costs.stack_pricing.values import flag, items, mapping, quantity, text

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
free("budgets without actions are free", tokens.AWS_BUDGETS_BUDGET)
free("the provider itself", tokens.PROVIDER_AWS)


def _public_ip_part(ctx: PricingContext, hours: float, count: float = 1.0) -> CostPart:
    quote = service_price("aws", ctx.region, "network", "public-ipv4", "hour")
    return part("public IPv4 address" + (f" x{count:g}" if count != 1 else ""),
                hours * count, "IP-h", quote)


def _launch_template(res: Resource, ctx: PricingContext, prop: str) -> Mapping[str, Any]:
    found = ctx.ref(res, prop, LAUNCH_TEMPLATE)
    return found.inputs if found is not None else {}


def _lt_volumes(ctx: PricingContext, template: Mapping[str, Any],
                count: float) -> list[CostPart]:
    out: list[CostPart] = []
    for i, raw in enumerate(items(template.get("blockDeviceMappings"), "blockDeviceMappings")):
        where = f"launch template blockDeviceMappings[{i}]"
        dev = mapping(raw, where)
        ebs = mapping(dev.get("ebs"), f"{where}.ebs")
        if "volumeSize" in ebs:
            out += block_parts("aws", ctx.region, text(ebs.get("volumeType"), f"{where}.ebs."
                                                       "volumeType", "gp3"),
                               quantity(ebs["volumeSize"], f"{where}.ebs.volumeSize"),
                               quantity(ebs.get("iops"), f"{where}.ebs.iops"),
                               quantity(ebs.get("throughput"), f"{where}.ebs.throughput"),
                               count, label=f"EBS {dev.get('deviceName', 'volume')}")
    return out


def _lt_public_ip(template: Mapping[str, Any]) -> bool:
    return any(flag(mapping(nic, "networkInterfaces[]").get("associatePublicIpAddress"))
               for nic in items(template.get("networkInterfaces"), "networkInterfaces"))


def _stops_instances(alarm: Resource) -> bool:
    actions = alarm.inputs.get("alarmActions")
    return isinstance(actions, list) and any(
        ":ec2:stop" in str(a) or "InstanceId.Stop" in str(a) for a in actions)


def _autostop_note(res: Resource, ctx: PricingContext) -> str | None:
    """The on-machine watchdog (its tags) or the alarm that stops this instance: one
    reverse-index look-up per property an alarm may name the instance in (a plain
    metric's dimensions, or a metric-math query's metric)."""
    minutes = quantity(res.tags().get(tags.AWS_IDLE_MINUTES), "tags", 0.0)
    if minutes:
        return (f"auto-stop after {minutes:g} idle min (on-machine watchdog) is set: it "
                "does not say how many hours the machine runs, so 730 h is priced; set "
                "hours_per_month in a usage file for the expected hours")
    for prop in ("dimensions", "metricQueries"):
        for alarm in ctx.referencing(res, prop, ALARM):
            if not _stops_instances(alarm):
                continue
            minutes = (quantity(alarm.inputs.get("period"), "period", 0.0)
                       * quantity(alarm.inputs.get("evaluationPeriods"), "evaluationPeriods",
                                  0.0) / 60)
            when = f" after {minutes:g} idle min" if minutes else ""
            return (f"auto-stop{when} is set ({alarm.name}): it does not say how many hours "
                    "the machine runs, so 730 h is priced; set hours_per_month in a usage "
                    "file for the expected hours")
    return None


@rule(tokens.AWS_EC2_INSTANCE, usage=("hours_per_month", "egress_gb"))
def ec2_instance(res: Resource, ctx: PricingContext) -> CostLine:
    """On-demand or spot hours, root/launch-template volumes (billed even when stopped)
    and a public IPv4 address while running."""
    inputs = res.inputs
    template = _launch_template(res, ctx, "launchTemplate")
    itype = text(inputs.get("instanceType"), "instanceType") or text(
        template.get("instanceType"), "launch template instanceType")
    if not itype:
        return unpriced(res, ctx, "no instanceType on the instance or its launch template")
    market = mapping(inputs.get("instanceMarketOptions") or template.get(
        "instanceMarketOptions"), "instanceMarketOptions")
    spot = text(market.get("marketType"), "instanceMarketOptions.marketType").lower() == "spot"
    hours, basis = ctx.hours(res)
    notes = [SPOT_NOTE] if spot else []
    stop_note = _autostop_note(res, ctx)
    if stop_note and basis != "usage file":
        notes.append(stop_note)
    parts = [instance_part("aws", ctx.region, itype, spot, hours)]
    root = mapping(inputs.get("rootBlockDevice"), "rootBlockDevice")
    if "volumeSize" in root:
        parts += block_parts("aws", ctx.region,
                             text(root.get("volumeType"), "rootBlockDevice.volumeType", "gp3"),
                             quantity(root["volumeSize"], "rootBlockDevice.volumeSize"),
                             quantity(root.get("iops"), "rootBlockDevice.iops"),
                             quantity(root.get("throughput"), "rootBlockDevice.throughput"),
                             label="EBS root")
    elif not template.get("blockDeviceMappings"):
        notes.append("root volume size comes from the AMI and is not priced")
    parts += _lt_volumes(ctx, template, 1.0)
    if flag(inputs.get("associatePublicIpAddress")) or _lt_public_ip(template):
        parts.append(_public_ip_part(ctx, hours))
    metrics, said = aws_agent_parts(ctx.region, inputs.get("userData") or template.get(
        "userData"), itype, hours)
    parts += metrics + egress_parts(ctx, res, "aws")
    return new_line(res, ctx, parts, notes + said, hours_per_month=hours, hours_basis=basis)


def _asg_nodes(count: float, base: float, pct_on_demand: float) -> tuple[float, float]:
    """(on-demand, spot) nodes at a capacity under a mixed-instances distribution."""
    on_demand = min(count, base)
    above = count - on_demand
    return on_demand + above * pct_on_demand / 100.0, above * (100 - pct_on_demand) / 100.0


def _asg_types(policy: Mapping[str, Any], template: Mapping[str, Any]) -> list[str]:
    spec = mapping(policy.get("launchTemplate"), "mixedInstancesPolicy.launchTemplate")
    types = [text(mapping(o, "overrides[]").get("instanceType"), "overrides[].instanceType")
             for o in items(spec.get("overrides"), "mixedInstancesPolicy.launchTemplate."
                            "overrides")]
    types = [t for t in types if t]
    if types:
        return types
    found = text(template.get("instanceType"), "launch template instanceType")
    return [found] if found else []


@rule(tokens.AWS_AUTOSCALING_GROUP, usage=("hours_per_month", "egress_gb"))
def autoscaling_group(res: Resource, ctx: PricingContext) -> CostLine:
    """Desired capacity, split on-demand/spot by the mixed-instances distribution;
    min and max capacity give the range."""
    inputs = res.inputs
    policy = mapping(inputs.get("mixedInstancesPolicy"), "mixedInstancesPolicy")
    template = _launch_template(res, ctx, "mixedInstancesPolicy" if policy else "launchTemplate")
    types = _asg_types(policy, template)
    if not types:
        return unpriced(res, ctx, "no instance type in the group's overrides or launch template")
    dist = mapping(policy.get("instancesDistribution"), "instancesDistribution")
    base = quantity(dist.get("onDemandBaseCapacity"), "onDemandBaseCapacity")
    pct = quantity(dist.get("onDemandPercentageAboveBaseCapacity"),
                   "onDemandPercentageAboveBaseCapacity", 100.0) if policy else 100.0
    market = mapping(template.get("instanceMarketOptions"), "instanceMarketOptions")
    if not policy and text(market.get("marketType"), "marketType").lower() == "spot":
        pct = 0.0
    hours, basis = ctx.hours(res)
    desired = quantity(inputs.get("desiredCapacity"), "desiredCapacity",
                       quantity(inputs.get("minSize"), "minSize"))
    low_n = quantity(inputs.get("minSize"), "minSize", desired)
    high_n = quantity(inputs.get("maxSize"), "maxSize", desired)

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
        return out + aws_agent_parts(ctx.region, template.get("userData"), types[0], hours,
                                     count)[0]

    parts = at(desired) + egress_parts(ctx, res, "aws")
    low = sum(p.monthly_usd or 0.0 for p in at(low_n))
    high = sum(p.monthly_usd or 0.0 for p in at(high_n))
    notes = [f"{desired:g} desired nodes (min {low_n:g}, max {high_n:g}); the range prices "
             "min and max capacity"]
    notes += aws_agent_parts(ctx.region, template.get("userData"), types[0], hours)[1]
    if len(types) > 1:
        notes.append(f"on-demand nodes at the first override ({types[0]}, the default "
                     "'prioritized' order); spot nodes at the lowest catalog spot price among "
                     "the overrides: the allocation strategy may pick dearer pools")
    if any(p.label.find(" spot") > 0 for p in parts):
        notes.append(SPOT_NOTE)
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis,
                    range_monthly_usd=(round(low, 4), round(high, 4)))


@rule(tokens.AWS_EC2_NAT_GATEWAY, usage=("hours_per_month", "processed_gb", "egress_gb"))
def nat_gateway(res: Resource, ctx: PricingContext) -> CostLine:
    """Hourly charge plus per-GB data processing (its public IP is the EIP's line)."""
    hours, basis = ctx.hours(res)
    parts = [part("NAT gateway hours", hours, "h",
                  storage_prices.network_price("aws", ctx.region, "nat-gateway", "hour")),
             processed_part(ctx, res, storage_prices.network_price("aws", ctx.region,
                                                                   "nat-gateway", "processed"))]
    parts += egress_parts(ctx, res, "aws")
    return new_line(res, ctx, parts, hours_per_month=hours, hours_basis=basis)


@rule(tokens.AWS_EC2_EIP, usage=("hours_per_month",))
def elastic_ip(res: Resource, ctx: PricingContext) -> CostLine:
    """Public IPv4 charge, attached or idle."""
    hours, basis = ctx.hours(res)
    return new_line(res, ctx, [_public_ip_part(ctx, hours)], hours_per_month=hours,
                    hours_basis=basis)


def alarm_metrics(inputs: Mapping[str, Any]) -> tuple[float, bool, str]:
    """(billed alarm metrics, high resolution, how counted) of a metric alarm.

    CloudWatch bills an alarm per metric it reads: a plain alarm reads one; a
    metric-math alarm reads each ``metricQueries`` entry with a ``metric`` (the
    expressions are free); an anomaly-detection band bills three per metric. A
    period under 60 s is a high-resolution alarm."""
    queries = [mapping(q, "metricQueries[]")
               for q in items(inputs.get("metricQueries"), "metricQueries")]
    if not queries:
        if not text(inputs.get("metricName"), "metricName"):
            return 0.0, False, "no metricName and no metricQueries"
        period = quantity(inputs.get("period"), "period", 60.0)
        return 1.0, period < 60, "one metric"
    metrics = [mapping(q.get("metric"), "metricQueries[].metric") for q in queries
               if q.get("metric") is not None]
    periods = [quantity(m.get("period"), "metricQueries[].metric.period", 60.0) for m in metrics]
    anomaly = any("ANOMALY_DETECTION_BAND" in text(q.get("expression"), "expression")
                  for q in queries)
    count = len(metrics) * (3 if anomaly else 1)
    how = f"{len(metrics)} metric(s) in a metric-math expression" + (
        ", anomaly detection bills 3 per metric" if anomaly else "")
    return float(count), any(p < 60 for p in periods), how


@rule(ALARM)
def metric_alarm(res: Resource, ctx: PricingContext) -> CostLine:
    """Per metric the alarm reads, at the standard or high-resolution rate (the
    account-wide 10 free alarm metrics are not applied)."""
    count, high_res, how = alarm_metrics(res.inputs)
    if not count:
        return unpriced(res, ctx, f"alarm reads no metric ({how})")
    kind = "high-resolution" if high_res else "standard"
    quote = service_price("aws", ctx.region, "monitoring", "metric-alarm", kind)
    return new_line(res, ctx, [part(f"{kind} alarm metrics ({how})", count,
                                    "alarm-metric-month", quote)])


@rule(tokens.AWS_EC2_VPC_ENDPOINT, usage=("hours_per_month", "processed_gb"))
def vpc_endpoint(res: Resource, ctx: PricingContext) -> CostLine:
    """Gateway endpoints (S3, DynamoDB) are free; an interface endpoint is billed per
    subnet (one network interface each) per hour, plus the GB it processes."""
    kind = text(res.inputs.get("vpcEndpointType"), "vpcEndpointType", "Gateway")
    if kind.lower() == "gateway":
        return free_line(res, ctx, "gateway endpoint: no charge")
    if kind.lower() != "interface":
        return unpriced(res, ctx, f"{kind} VPC endpoints have no price in the table")
    subnets = len(items(res.inputs.get("subnetIds"), "subnetIds")) or 1
    hours, basis = ctx.hours(res)
    price = storage_prices.network_price
    parts = [part(f"interface endpoint hours ({subnets} subnets)", hours * subnets, "h",
                  price("aws", ctx.region, "vpc-endpoint-interface", "hour")),
             processed_part(ctx, res, price("aws", ctx.region, "vpc-endpoint-interface",
                                            "processed"))]
    return new_line(res, ctx, parts, hours_per_month=hours, hours_basis=basis)


@rule(tokens.AWS_LB_LOAD_BALANCER, tokens.AWS_ALB_LOAD_BALANCER,
      usage=("hours_per_month", "processed_gb"))
def load_balancer(res: Resource, ctx: PricingContext) -> CostLine:
    """Hourly charge plus capacity units; processed GB gives LCU-hours (bytes dimension)."""
    lb_type = text(res.inputs.get("loadBalancerType"), "loadBalancerType", "application")
    kind = {"application": "alb", "network": "nlb"}.get(lb_type)
    if kind is None:
        return unpriced(res, ctx, f"{lb_type} load balancers have no price in the table")
    hours, basis = ctx.hours(res)
    processed = ctx.usage_for(res).get("processed_gb")
    parts = [part(f"{kind.upper()} hours", hours, "h",
                  service_price("aws", ctx.region, "network", kind, "hour")),
             part("capacity units (1 per GB processed)", processed, "LCU-h",
                  service_price("aws", ctx.region, "network", kind, "lcu"))]
    notes = ["capacity units count the processed-bytes dimension only (a lower bound)"]
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis)
