"""GCP pricing rules: Compute Engine VMs and MIGs, TPU VMs, Persistent Disk,
Filestore, Cloud Storage, Cloud NAT, external IPs and forwarding rules."""

from __future__ import annotations

from typing import Any

from ailab.core import tokens, tpu
from ailab.core.errors import CatalogError
from ailab.costs import storage_prices
from ailab.costs.stack_pricing.common import (
    SPOT_NOTE,
    block_parts,
    egress_parts,
    instance_part,
    num,
    object_parts,
    processed_part,
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
from ailab.costs.stack_pricing.schedule import scheduled_hours_per_month

INSTANCE = tokens.GCP_COMPUTE_INSTANCE
MIGS = (tokens.GCP_COMPUTE_INSTANCE_GROUP_MANAGER,
        tokens.GCP_COMPUTE_REGION_INSTANCE_GROUP_MANAGER)
AUTOSCALERS = (tokens.GCP_COMPUTE_AUTOSCALER, tokens.GCP_COMPUTE_REGION_AUTOSCALER)
POLICY = tokens.GCP_COMPUTE_RESOURCE_POLICY
POLICY_ATTACHMENT = tokens.GCP_COMPUTE_RESOURCE_POLICY_ATTACHMENT
TPU_VM = tokens.GCP_TPU_V2_VM

free("networking without an hourly charge",
     tokens.GCP_COMPUTE_NETWORK, tokens.GCP_COMPUTE_SUBNETWORK,
     tokens.GCP_COMPUTE_FIREWALL, tokens.GCP_COMPUTE_ROUTER, tokens.GCP_COMPUTE_ROUTE,
     tokens.GCP_COMPUTE_HEALTH_CHECK, tokens.GCP_COMPUTE_REGION_HEALTH_CHECK,
     tokens.GCP_COMPUTE_BACKEND_SERVICE,
     tokens.GCP_COMPUTE_REGION_BACKEND_SERVICE)
free("priced with the groups that use it", tokens.GCP_COMPUTE_INSTANCE_TEMPLATE,
     tokens.GCP_COMPUTE_REGION_INSTANCE_TEMPLATE, *AUTOSCALERS)
free("its schedule is priced on the instances it starts and stops", POLICY, POLICY_ATTACHMENT)
free("IAM and APIs have no charge", tokens.GCP_SERVICEACCOUNT_ACCOUNT,
     tokens.GCP_PROJECTS_IAM_MEMBER, tokens.GCP_PROJECTS_IAM_BINDING,
     tokens.GCP_SERVICEACCOUNT_IAM_MEMBER, tokens.GCP_STORAGE_BUCKET_IAM_MEMBER,
     tokens.GCP_STORAGE_BUCKET_IAM_BINDING, tokens.GCP_PROJECTS_SERVICE)
free("budgets have no charge", tokens.GCP_BILLING_BUDGET)
free("objects are priced as the bucket's stored GB", tokens.GCP_STORAGE_BUCKET_OBJECT)
free("the provider itself", tokens.PROVIDER_GCP)
free("notification channels have no charge",
     tokens.GCP_MONITORING_NOTIFICATION_CHANNEL)

def _region(ctx: PricingContext, inputs: dict[str, Any]) -> str:
    """The resource's region: from its zone or location, else the stack's."""
    for key in ("zone", "location", "region"):
        value = inputs.get(key)
        if isinstance(value, str) and value:
            value = value.rsplit("/", 1)[-1].lower()
            parts = value.split("-")
            return "-".join(parts[:2]) if len(parts) >= 3 else value
    return ctx.region


def _is_spot(scheduling: dict[str, Any]) -> bool:
    return (str(scheduling.get("provisioningModel", "")).upper() == "SPOT"
            or scheduling.get("preemptible") is True or scheduling.get("spot") is True)


def _schedule_policies(res: Res, ctx: PricingContext, inputs: dict[str, Any]) -> list[Res]:
    given = inputs.get("resourcePolicies") or []
    given = [given] if isinstance(given, str) else given
    found = [p for p in (ctx.ref(res, "resourcePolicies", [v]) for v in given)
             if p and p["type"] == POLICY]
    found += [p for a in ctx.of_type(POLICY_ATTACHMENT) if ctx.ref(a, "instance") is res
              for p in [ctx.ref(a, "name")] if p is not None]
    return [p for p in found if p["inputs"].get("instanceSchedulePolicy")]


def _hours(res: Res, ctx: PricingContext, inputs: dict[str, Any]) -> tuple[float, str, list[str]]:
    """Usage file first, then an instance schedule's cron, else the default."""
    hours, basis = ctx.hours(res)
    if basis == "usage file":
        return hours, basis, []
    for policy in _schedule_policies(res, ctx, inputs):
        sched = policy["inputs"]["instanceSchedulePolicy"]
        start = (sched.get("vmStartSchedule") or {}).get("schedule")
        stop = (sched.get("vmStopSchedule") or {}).get("schedule")
        if start and stop:
            hours = scheduled_hours_per_month(start, stop)
            return hours, f"instance schedule {policy['name']}", [
                f"runs {hours:.1f} h/month: started '{start}', stopped '{stop}' "
                f"({sched.get('timeZone', 'UTC')})"]
        return hours, basis, [f"instance schedule {policy['name']} only stops the VM "
                              f"('{stop}'); starts are manual, so 730 h is priced: set "
                              "hours_per_month in a usage file for the expected hours"]
    return hours, basis, []


def _vm_parts(ctx: PricingContext, region: str, spec: dict[str, Any], hours: float,
              count: float) -> tuple[list[CostPart], list[str]]:
    """Machine hours, disks and external IPs of ``count`` VMs from an instance or template."""
    machine = str(spec.get("machineType", "")).rsplit("/", 1)[-1]
    if not machine:
        raise CatalogError("no machineType")
    spot = _is_spot(spec.get("scheduling") or {})
    if spec.get("guestAccelerators"):
        raise CatalogError(f"{machine} with attached guestAccelerators: the catalog prices "
                           "accelerator-optimized machine types only")
    if spec.get("scratchDisks"):
        raise CatalogError("local SSD scratch disks have no price in the table")
    parts = [instance_part("gcp", region, machine, spot, hours, count)]
    notes = [SPOT_NOTE] if spot else []
    boot = ((spec.get("bootDisk") or {}).get("initializeParams") or {})
    disks = [{"diskType": boot.get("type") or "pd-standard", "diskSizeGb": boot.get("size"),
              "provisionedIops": boot.get("provisionedIops"),
              "provisionedThroughput": boot.get("provisionedThroughput")}] if spec.get(
        "bootDisk") else list(spec.get("disks") or [])
    for disk in disks:
        if disk.get("source"):
            continue
        if disk.get("diskSizeGb") is None:
            notes.append("boot disk size comes from the image and is not priced")
            continue
        parts += block_parts("gcp", region, str(disk.get("diskType") or "pd-standard"),
                             num(disk["diskSizeGb"]), num(disk.get("provisionedIops")),
                             num(disk.get("provisionedThroughput")), count, label="disk")
    public = sum(1 for nic in spec.get("networkInterfaces") or [] if nic.get("accessConfigs"))
    if public:
        kind = "external-ipv4-spot" if spot else "external-ipv4"
        parts.append(part(f"external IPv4 x{public * count:g}", hours * public * count, "IP-h",
                          extra_price("gcp", region, "network", kind, "hour")))
    return parts, notes


@rule(INSTANCE, usage=("hours_per_month", "egress_gb"))
def gce_instance(res: Res, ctx: PricingContext) -> CostLine:
    """Machine hours (spot or standard; an instance schedule sets the hours), disks, IPs."""
    inputs = res["inputs"]
    hours, basis, notes = _hours(res, ctx, inputs)
    parts, more = _vm_parts(ctx, _region(ctx, inputs), inputs, hours, 1.0)
    parts += egress_parts(ctx, res, "gcp")
    return new_line(res, ctx, parts, notes + more, hours_per_month=hours, hours_basis=basis)


@rule(*MIGS, usage=("hours_per_month", "egress_gb"))
def instance_group(res: Res, ctx: PricingContext) -> CostLine:
    """Target size (or the autoscaler's minimum) x the template's VM; min/max give the range."""
    inputs = res["inputs"]
    versions = inputs.get("versions") or []
    template = ctx.ref(res, "versions", versions[0].get("instanceTemplate") if versions else None)
    if template is None or "machineType" not in template["inputs"]:
        return unpriced(res, ctx, "the group's instance template is not in the stack")
    spec = template["inputs"]
    scaler = next((a for t in AUTOSCALERS for a in ctx.refs_to(res, t, "target")), None)
    policy = (scaler["inputs"].get("autoscalingPolicy") or {}) if scaler else {}
    low = num(policy.get("minReplicas"), num(inputs.get("targetSize")))
    high = num(policy.get("maxReplicas"), num(inputs.get("targetSize")))
    desired = num(inputs.get("targetSize"), low)
    hours, basis, notes = _hours(res, ctx, spec)
    region = _region(ctx, inputs)
    parts, more = _vm_parts(ctx, region, spec, hours, desired)
    parts += egress_parts(ctx, res, "gcp")

    def monthly(count: float) -> float:
        return sum(p.monthly_usd or 0.0 for p in _vm_parts(ctx, region, spec, hours, count)[0])

    notes.append(f"{desired:g} VMs (min {low:g}, max {high:g}); the range prices min and max")
    return new_line(res, ctx, parts, notes + more, hours_per_month=hours, hours_basis=basis,
                    range_monthly_usd=(round(monthly(low), 4), round(monthly(high), 4)))


def _tpu_line(res: Res, ctx: PricingContext, accel: str | None, zone: str | None,
              spot: bool) -> CostLine:
    if not accel:
        return unpriced(res, ctx, "no acceleratorType, and no acceleratorConfig with a known "
                        f"type ({', '.join(tpu.API_TYPES)}) and topology")
    hours, basis = ctx.hours(res)
    region = _region(ctx, {"zone": zone})
    parts = [instance_part("gcp", region, accel, spot, hours, catalog_name=tpu.catalog_name(accel))]
    parts += egress_parts(ctx, res, "gcp")
    notes = ["TPU slice priced whole (all chips of the slice)"]
    notes += [SPOT_NOTE] if spot else []
    if basis != "usage file":
        notes.append("instance schedules do not apply to TPU VMs: 730 h is priced unless the "
                     "usage file sets hours_per_month")
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis)


@rule(TPU_VM, usage=("hours_per_month", "egress_gb"))
def tpu_vm(res: Res, ctx: PricingContext) -> CostLine:
    """A TPU VM slice at the catalog's ``tpu-<acceleratorType>`` row."""
    inputs = res["inputs"]
    sched = inputs.get("schedulingConfig") or {}
    return _tpu_line(res, ctx, tpu.node_type(inputs), inputs.get("zone"),
                     bool(sched.get("spot") or sched.get("preemptible")))


@rule(tokens.GCP_TPU_V2_QUEUED_RESOURCE, usage=("hours_per_month", "egress_gb"))
def tpu_queued(res: Res, ctx: PricingContext) -> CostLine:
    """A queued TPU request, priced as the slice it asks for once granted."""
    inputs = res["inputs"]
    specs = ((inputs.get("tpu") or {}).get("nodeSpecs") or [{}])
    node = specs[0].get("node") or {}
    zone = inputs.get("zone") or str(specs[0].get("parent", "")).rsplit("/", 1)[-1] or None
    line = _tpu_line(res, ctx, tpu.node_type(node), zone, False)
    if len(specs) > 1 and line.status != "unpriced":
        line.parts = [CostPart(p.label + f" x{len(specs)}", (p.quantity or 0) * len(specs),
                               p.unit, p.unit_price_usd, p.price_unit, p.source, p.as_of)
                      for p in line.parts]
    line.notes.append("billed from when the queued request is granted")
    return line


@rule(tokens.GCP_COMPUTE_DISK)
def persistent_disk(res: Res, ctx: PricingContext) -> CostLine:
    """GB-months plus provisioned IOPS/throughput above the type's baseline."""
    inputs = res["inputs"]
    if inputs.get("size") is None:
        return unpriced(res, ctx, "disk size comes from its image or snapshot")
    parts = block_parts("gcp", _region(ctx, inputs), str(inputs.get("type") or "pd-standard"),
                        num(inputs["size"]), num(inputs.get("provisionedIops")),
                        num(inputs.get("provisionedThroughput")), label="disk")
    return new_line(res, ctx, parts, ["billed every hour it exists, attached or not"])


FILESTORE_TIERS = {"STANDARD": "basic-hdd", "BASIC_HDD": "basic-hdd", "PREMIUM": "basic-ssd",
                   "BASIC_SSD": "basic-ssd", "ZONAL": "zonal", "HIGH_SCALE_SSD": "zonal",
                   "REGIONAL": "regional", "ENTERPRISE": "enterprise"}


@rule(tokens.GCP_FILESTORE_INSTANCE)
def filestore(res: Res, ctx: PricingContext) -> CostLine:
    """Provisioned capacity at the tier's GB-month price."""
    inputs = res["inputs"]
    tier = str(inputs.get("tier") or "")
    if tier not in FILESTORE_TIERS:
        return unpriced(res, ctx, f"Filestore tier {tier!r} is unknown; known: "
                        + ", ".join(FILESTORE_TIERS))
    shares = inputs.get("fileShares") or {}
    shares = shares if isinstance(shares, list) else [shares]
    capacity = sum(num(s.get("capacityGb")) for s in shares)
    kind = f"filestore-{FILESTORE_TIERS[tier]}"
    return new_line(res, ctx, [part(f"{kind} {capacity:g} GB", capacity, "GB-month",
                                    storage_prices.file_price("gcp", _region(ctx, inputs),
                                                              kind))])


@rule(tokens.GCP_STORAGE_BUCKET, usage=("stored_gb", "requests", "egress_gb"))
def gcs_bucket(res: Res, ctx: PricingContext) -> CostLine:
    """Stored GB at the bucket's class, class A/B operations and egress from the usage file."""
    inputs = res["inputs"]
    autoclass = bool((inputs.get("autoclass") or {}).get("enabled"))
    klass = "STANDARD" if autoclass else str(inputs.get("storageClass") or "STANDARD")
    region = _region(ctx, inputs)
    parts = object_parts(ctx, res, "gcp", region, klass, f"GCS {klass}", "operations")
    notes = []
    if autoclass:
        fee = storage_prices.object_price("gcp", region, "AUTOCLASS", "management")
        notes.append("Autoclass starts objects in Standard and moves unread ones colder: "
                     f"priced as Standard (an upper bound); its management fee, {fee.value:g} "
                     f"{fee.unit}, is not estimated")
    elif any((r.get("action") or {}).get("type") == "SetStorageClass"
             for r in inputs.get("lifecycleRules") or []):
        notes.append("lifecycle rules move objects to colder classes: priced at the bucket's "
                     "class (an upper bound; `ailab estimate storage` models tiering)")
    return new_line(res, ctx, parts, notes)


def _nat_vms(ctx: PricingContext) -> float:
    """VMs that reach the internet through Cloud NAT: those without external IPs."""
    count = sum(1.0 for r in ctx.of_type(INSTANCE) if not any(
        nic.get("accessConfigs") for nic in r["inputs"].get("networkInterfaces") or []))
    count += sum(num(r["inputs"].get("targetSize")) for r in ctx.of_type(*MIGS))
    tpus = [r for r in ctx.of_type(TPU_VM, DYNAMIC) if _dynamic_kind(r) in TPU_KINDS
            or r["type"] == TPU_VM]
    return count + sum(1.0 for r in tpus if not _tpu_external_ip(r["inputs"]))


def _tpu_external_ip(inputs: dict[str, Any]) -> bool:
    node = inputs.get("node") or inputs
    net = node.get("networkConfig") or node.get("network_config") or {}
    return bool(net.get("enableExternalIps") or net.get("enable_external_ips"))


@rule(tokens.GCP_COMPUTE_ROUTER_NAT, usage=("hours_per_month", "processed_gb"))
def cloud_nat(res: Res, ctx: PricingContext) -> CostLine:
    """Per VM-hour up to 32 VMs (then a flat hourly cap) plus per-GB processing."""
    region = _region(ctx, res["inputs"])
    hours, basis = ctx.hours(res)
    vms = _nat_vms(ctx)
    vm_hour = storage_prices.network_price("gcp", region, "nat-gateway", "hour")
    cap = storage_prices.network_price("gcp", region, "nat-gateway", "hour_max")
    uncapped = vms * vm_hour.value <= cap.value
    parts = [part(f"NAT for {vms:g} VMs", vms * hours, "VM-h", vm_hour) if uncapped else
             part("NAT (32+ VMs: hourly cap)", hours, "h", cap),
             processed_part(ctx, res, storage_prices.network_price("gcp", region,
                                                                   "nat-gateway", "processed"))]
    notes = [f"{vms:g} VMs without external IPs in the stack are counted as NAT users",
             "NAT's own external IPs are billed as addresses"]
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis)


@rule(tokens.GCP_COMPUTE_ADDRESS, tokens.GCP_COMPUTE_GLOBAL_ADDRESS,
      usage=("hours_per_month",))
def address(res: Res, ctx: PricingContext) -> CostLine:
    """External static IPv4 at the in-use rate; internal addresses are free."""
    if str(res["inputs"].get("addressType", "EXTERNAL")).upper() == "INTERNAL":
        return free_line(res, ctx, "internal address: no charge")
    hours, basis = ctx.hours(res)
    quote = extra_price("gcp", _region(ctx, res["inputs"]), "network", "external-ipv4", "hour")
    return new_line(res, ctx, [part("external IPv4", hours, "IP-h", quote)],
                    ["priced at the in-use rate; a reserved address left unused costs more"],
                    hours_per_month=hours, hours_basis=basis)


@rule(tokens.GCP_COMPUTE_FORWARDING_RULE,
      tokens.GCP_COMPUTE_GLOBAL_FORWARDING_RULE,
      usage=("hours_per_month", "processed_gb"))
def forwarding_rule(res: Res, ctx: PricingContext) -> CostLine:
    """A load balancer's forwarding rule: hourly (first-5 rate) plus data processed."""
    region = _region(ctx, res["inputs"])
    hours, basis = ctx.hours(res)
    parts = [part("forwarding rule hours", hours, "h",
                  extra_price("gcp", region, "network", "forwarding-rule", "hour")),
             processed_part(ctx, res, extra_price("gcp", region, "network", "forwarding-rule",
                                                  "processed"))]
    return new_line(res, ctx, parts, ["priced at the rate of a project's first 5 rules"],
                    hours_per_month=hours, hours_basis=basis)


DYNAMIC = tokens.DYNAMIC_RESOURCE
TPU_KINDS = ("tpu.v2.QueuedResource", "tpu.v2.Node")


def _dynamic_kind(res: Res) -> str:
    return str(res["inputs"].get("kind", ""))


@rule(DYNAMIC, usage=("hours_per_month", "egress_gb"))
def dynamic_resource(res: Res, ctx: PricingContext) -> CostLine:
    """Dynamic-provider resources declare what they manage in ``kind``; TPU nodes and
    queued resources (created through the TPU API directly) are priced as slices."""
    kind = _dynamic_kind(res)
    if kind not in TPU_KINDS:
        return unpriced(res, ctx, f"dynamic resource of kind {kind or '(none)'!r}: "
                        f"priced kinds are {', '.join(TPU_KINDS)}")
    inputs = res["inputs"]
    node = inputs.get("node") or {}
    sched = node.get("schedulingConfig") or node.get("scheduling_config") or {}
    spot = bool(inputs.get("spot") or sched.get("spot") or sched.get("preemptible"))
    line = _tpu_line(res, ctx, tpu.node_type(node), inputs.get("zone"), spot)
    if kind == "tpu.v2.QueuedResource":
        line.notes.append("billed from when the queued request is granted")
    return line
