"""GCP compute pricing rules: Compute Engine VMs and MIGs, TPU VMs and queued TPUs.

Disks, Filestore, Cloud Storage, Cloud NAT, addresses and forwarding rules are
in ``gcp_services``. A VM's hours follow its instance schedule (a resource
policy named in ``resourcePolicies`` or attached by a policy attachment); Cloud
NAT reads the same hours (``vm_hours``) for the VMs it serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ailab.core import tokens, tpu
from ailab.core.errors import CatalogError
from ailab.core.inventory import Resource
from ailab.costs.service_prices import service_price
from ailab.costs.stack_pricing.agent_metrics import gcp_agent_parts
from ailab.costs.stack_pricing.common import (
    SPOT_NOTE,
    block_parts,
    egress_parts,
    instance_part,
)
from ailab.costs.stack_pricing.context import PricingContext, new_line, part, unpriced
from ailab.costs.stack_pricing.lines import CostLine, CostPart
from ailab.costs.stack_pricing.registry import free, rule
from ailab.costs.stack_pricing.schedule import scheduled_hours_per_month
from ailab.costs.stack_pricing.values import flag, items, mapping, quantity, text

INSTANCE = tokens.GCP_COMPUTE_INSTANCE
MIGS = (tokens.GCP_COMPUTE_INSTANCE_GROUP_MANAGER,
        tokens.GCP_COMPUTE_REGION_INSTANCE_GROUP_MANAGER)
TEMPLATES = (tokens.GCP_COMPUTE_INSTANCE_TEMPLATE, tokens.GCP_COMPUTE_REGION_INSTANCE_TEMPLATE)
AUTOSCALERS = (tokens.GCP_COMPUTE_AUTOSCALER, tokens.GCP_COMPUTE_REGION_AUTOSCALER)
POLICY = tokens.GCP_COMPUTE_RESOURCE_POLICY
POLICY_ATTACHMENT = tokens.GCP_COMPUTE_RESOURCE_POLICY_ATTACHMENT
TPU_VM = tokens.GCP_TPU_V2_VM
DYNAMIC = tokens.DYNAMIC_RESOURCE
TPU_KINDS = ("tpu.v2.QueuedResource", "tpu.v2.Node")

free("priced with the groups that use it", *TEMPLATES, *AUTOSCALERS)
free("its schedule is priced on the instances it starts and stops", POLICY, POLICY_ATTACHMENT)


def region_of(ctx: PricingContext, inputs: Mapping[str, Any]) -> str:
    """The resource's region: from its zone or location, else the stack's."""
    for key in ("zone", "location", "region"):
        value = text(inputs.get(key), key)
        if value:
            value = value.rsplit("/", 1)[-1].lower()
            parts = value.split("-")
            return "-".join(parts[:2]) if len(parts) >= 3 else value
    return ctx.region


def _is_spot(scheduling: Mapping[str, Any]) -> bool:
    return (text(scheduling.get("provisioningModel"), "scheduling.provisioningModel").upper()
            == "SPOT" or flag(scheduling.get("preemptible")) or flag(scheduling.get("spot")))


def _schedule_policies(owner: Resource, ctx: PricingContext) -> list[Resource]:
    """Instance-schedule policies of a VM or template: named in ``resourcePolicies``, or
    attached by a policy attachment naming the instance (both O(1) look-ups)."""
    found = ctx.refs(owner, "resourcePolicies", POLICY)
    for attachment in ctx.referencing(owner, "instance", POLICY_ATTACHMENT):
        policy = ctx.ref(attachment, "name", POLICY)
        if policy is not None:
            found.append(policy)
    return [p for p in found if p.inputs.get("instanceSchedulePolicy")]


def vm_hours(owner: Resource, ctx: PricingContext,
             usage_of: Resource | None = None) -> tuple[float, str, list[str]]:
    """Hours per month of a VM (or a MIG's VMs, ``owner`` being its template): the usage
    file first, then an instance schedule's cron, else the default."""
    hours, basis = ctx.hours(usage_of or owner)
    if basis == "usage file":
        return hours, basis, []
    for policy in _schedule_policies(owner, ctx):
        sched = mapping(policy.inputs.get("instanceSchedulePolicy"), "instanceSchedulePolicy")
        start = mapping(sched.get("vmStartSchedule"), "vmStartSchedule").get("schedule")
        stop = mapping(sched.get("vmStopSchedule"), "vmStopSchedule").get("schedule")
        if start and stop:
            start, stop = text(start, "vmStartSchedule"), text(stop, "vmStopSchedule")
            hours = scheduled_hours_per_month(start, stop)
            return hours, f"instance schedule {policy.name}", [
                f"runs {hours:.1f} h/month: started '{start}', stopped '{stop}' "
                f"({sched.get('timeZone', 'UTC')})"]
        return hours, basis, [f"instance schedule {policy.name} only stops the VM "
                              f"('{stop}'); starts are manual, so 730 h is priced: set "
                              "hours_per_month in a usage file for the expected hours"]
    return hours, basis, []


def _disks(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    boot = mapping(spec.get("bootDisk"), "bootDisk")
    if boot:
        params = mapping(boot.get("initializeParams"), "bootDisk.initializeParams")
        return [{"diskType": params.get("type") or "pd-standard", "diskSizeGb": params.get("size"),
                 "provisionedIops": params.get("provisionedIops"),
                 "provisionedThroughput": params.get("provisionedThroughput")}]
    return [mapping(d, "disks[]") for d in items(spec.get("disks"), "disks")]


def has_external_ip(spec: Mapping[str, Any]) -> bool:
    return any(mapping(nic, "networkInterfaces[]").get("accessConfigs")
               for nic in items(spec.get("networkInterfaces"), "networkInterfaces"))


def _vm_parts(region: str, spec: Mapping[str, Any], hours: float,
              count: float) -> tuple[list[CostPart], list[str]]:
    """Machine hours, disks and external IPs of ``count`` VMs from an instance or template."""
    machine = text(spec.get("machineType"), "machineType").rsplit("/", 1)[-1]
    if not machine:
        raise CatalogError("no machineType")
    spot = _is_spot(mapping(spec.get("scheduling"), "scheduling"))
    if spec.get("guestAccelerators"):
        raise CatalogError(f"{machine} with attached guestAccelerators: the catalog prices "
                           "accelerator-optimized machine types only")
    if spec.get("scratchDisks"):
        raise CatalogError("local SSD scratch disks have no price in the table")
    parts = [instance_part("gcp", region, machine, spot, hours, count)]
    notes = [SPOT_NOTE] if spot else []
    for disk in _disks(spec):
        if disk.get("source"):
            continue
        if disk.get("diskSizeGb") is None:
            notes.append("boot disk size comes from the image and is not priced")
            continue
        parts += block_parts("gcp", region, text(disk.get("diskType"), "diskType", "pd-standard"),
                             quantity(disk["diskSizeGb"], "diskSizeGb"),
                             quantity(disk.get("provisionedIops"), "provisionedIops"),
                             quantity(disk.get("provisionedThroughput"), "provisionedThroughput"),
                             count, label="disk")
    public = sum(1 for nic in items(spec.get("networkInterfaces"), "networkInterfaces")
                 if mapping(nic, "networkInterfaces[]").get("accessConfigs"))
    if public:
        kind = "external-ipv4-spot" if spot else "external-ipv4"
        parts.append(part(f"external IPv4 x{public * count:g}", hours * public * count, "IP-h",
                          service_price("gcp", region, "network", kind, "hour")))
    metrics, said = gcp_agent_parts(region, _startup_script(spec), machine, hours, count)
    return parts + metrics, notes + said


def _startup_script(spec: Mapping[str, Any]) -> Any:
    """The start-up script in an instance's or template's metadata."""
    metadata = spec.get("metadata")
    return metadata.get("startup-script") if isinstance(metadata, Mapping) else None


@rule(INSTANCE, usage=("hours_per_month", "egress_gb"))
def gce_instance(res: Resource, ctx: PricingContext) -> CostLine:
    """Machine hours (spot or standard; an instance schedule sets the hours), disks, IPs."""
    hours, basis, notes = vm_hours(res, ctx)
    parts, more = _vm_parts(region_of(ctx, res.inputs), res.inputs, hours, 1.0)
    parts += egress_parts(ctx, res, "gcp")
    return new_line(res, ctx, parts, notes + more, hours_per_month=hours, hours_basis=basis)


def mig_template(res: Resource, ctx: PricingContext) -> Resource | None:
    """The instance template a managed instance group runs."""
    return ctx.ref(res, "versions", *TEMPLATES) or ctx.ref(res, "instanceTemplate", *TEMPLATES)


@rule(*MIGS, usage=("hours_per_month", "egress_gb"))
def instance_group(res: Resource, ctx: PricingContext) -> CostLine:
    """Target size (or the autoscaler's minimum) x the template's VM; min/max give the range."""
    inputs = res.inputs
    template = mig_template(res, ctx)
    if template is None or "machineType" not in template.inputs:
        return unpriced(res, ctx, "the group's instance template is not in the stack")
    spec = template.inputs
    scaler = next(iter(ctx.referencing(res, "target", *AUTOSCALERS)), None)
    policy = mapping(scaler.inputs.get("autoscalingPolicy"), "autoscalingPolicy") if scaler else {}
    size = quantity(inputs.get("targetSize"), "targetSize")
    low = quantity(policy.get("minReplicas"), "minReplicas", size)
    high = quantity(policy.get("maxReplicas"), "maxReplicas", size)
    desired = quantity(inputs.get("targetSize"), "targetSize", low)
    hours, basis, notes = vm_hours(template, ctx, usage_of=res)
    region = region_of(ctx, inputs)
    parts, more = _vm_parts(region, spec, hours, desired)
    parts += egress_parts(ctx, res, "gcp")

    def monthly(count: float) -> float:
        return sum(p.monthly_usd or 0.0 for p in _vm_parts(region, spec, hours, count)[0])

    notes.append(f"{desired:g} VMs (min {low:g}, max {high:g}); the range prices min and max")
    return new_line(res, ctx, parts, notes + more, hours_per_month=hours, hours_basis=basis,
                    range_monthly_usd=(round(monthly(low), 4), round(monthly(high), 4)))


def _tpu_line(res: Resource, ctx: PricingContext, accel: str | None, zone: str | None,
              spot: bool) -> CostLine:
    if not accel:
        return unpriced(res, ctx, "no acceleratorType, and no acceleratorConfig with a known "
                        f"type ({', '.join(tpu.API_TYPES)}) and topology")
    hours, basis = ctx.hours(res)
    region = region_of(ctx, {"zone": zone})
    parts = [instance_part("gcp", region, accel, spot, hours, catalog_name=tpu.catalog_name(accel))]
    parts += egress_parts(ctx, res, "gcp")
    notes = ["TPU slice priced whole (all chips of the slice)"]
    notes += [SPOT_NOTE] if spot else []
    if basis != "usage file":
        notes.append("instance schedules do not apply to TPU VMs: 730 h is priced unless the "
                     "usage file sets hours_per_month")
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis)


def _node_type(node: Mapping[str, Any], field: str) -> str | None:
    text(node.get("acceleratorType"), f"{field}.acceleratorType")
    mapping(node.get("acceleratorConfig"), f"{field}.acceleratorConfig")
    return tpu.node_type(dict(node))


@rule(TPU_VM, usage=("hours_per_month", "egress_gb"))
def tpu_vm(res: Resource, ctx: PricingContext) -> CostLine:
    """A TPU VM slice at the catalog's ``tpu-<acceleratorType>`` row."""
    inputs = res.inputs
    sched = mapping(inputs.get("schedulingConfig"), "schedulingConfig")
    return _tpu_line(res, ctx, _node_type(inputs, "tpu"), text(inputs.get("zone"), "zone"),
                     flag(sched.get("spot")) or flag(sched.get("preemptible")))


@rule(tokens.GCP_TPU_V2_QUEUED_RESOURCE, usage=("hours_per_month", "egress_gb"))
def tpu_queued(res: Resource, ctx: PricingContext) -> CostLine:
    """A queued TPU request, priced as the slice it asks for once granted."""
    inputs = res.inputs
    specs = [mapping(s, "tpu.nodeSpecs[]") for s in items(
        mapping(inputs.get("tpu"), "tpu").get("nodeSpecs"), "tpu.nodeSpecs")] or [{}]
    node = mapping(specs[0].get("node"), "tpu.nodeSpecs[0].node")
    zone = text(inputs.get("zone"), "zone") or text(
        specs[0].get("parent"), "parent").rsplit("/", 1)[-1] or None
    line = _tpu_line(res, ctx, _node_type(node, "node"), zone, False)
    if len(specs) > 1 and line.status != "unpriced":
        line.parts = [CostPart(p.label + f" x{len(specs)}", (p.quantity or 0) * len(specs),
                               p.unit, p.unit_price_usd, p.price_unit, p.source, p.as_of,
                               p.uncertain, p.note)
                      for p in line.parts]
    line.notes.append("billed from when the queued request is granted")
    return line


def dynamic_kind(res: Resource) -> str:
    return str(res.inputs.get("kind", ""))


def tpu_external_ip(inputs: Mapping[str, Any]) -> bool:
    node = mapping(inputs.get("node"), "node") or inputs
    net = mapping(node.get("networkConfig") or node.get("network_config"), "networkConfig")
    return flag(net.get("enableExternalIps")) or flag(net.get("enable_external_ips"))


@rule(DYNAMIC, usage=("hours_per_month", "egress_gb"))
def dynamic_resource(res: Resource, ctx: PricingContext) -> CostLine:
    """Dynamic-provider resources declare what they manage in ``kind``; TPU nodes and
    queued resources (created through the TPU API directly) are priced as slices."""
    kind = dynamic_kind(res)
    if kind not in TPU_KINDS:
        return unpriced(res, ctx, f"dynamic resource of kind {kind or '(none)'!r}: "
                        f"priced kinds are {', '.join(TPU_KINDS)}")
    inputs = res.inputs
    node = mapping(inputs.get("node"), "node")
    sched = mapping(node.get("schedulingConfig") or node.get("scheduling_config"),
                    "node.schedulingConfig")
    spot = flag(inputs.get("spot")) or flag(sched.get("spot")) or flag(sched.get("preemptible"))
    line = _tpu_line(res, ctx, _node_type(node, "node"), text(inputs.get("zone"), "zone"), spot)
    if kind == "tpu.v2.QueuedResource":
        line.notes.append("billed from when the queued request is granted")
    return line
