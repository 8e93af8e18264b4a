"""GCP pricing rules besides compute: Persistent Disk, Filestore, Cloud Storage, Cloud NAT,
external addresses and forwarding rules."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.errors import AilabError, CatalogError
from ailab.core.inventory import Resource
from ailab.costs import storage_prices
from ailab.costs.service_prices import service_price
from ailab.costs.stack_pricing.common import block_parts, object_parts, processed_part, tier_parts
from ailab.costs.stack_pricing.context import PricingContext, free_line, new_line, part, unpriced
from ailab.costs.stack_pricing.gcp import (
    DYNAMIC,
    INSTANCE,
    MIGS,
    TPU_KINDS,
    TPU_VM,
    dynamic_kind,
    has_external_ip,
    mig_template,
    region_of,
    tpu_external_ip,
    vm_hours,
)
from ailab.costs.stack_pricing.lines import CostLine, CostPart
from ailab.costs.stack_pricing.registry import free, rule
from ailab.costs.stack_pricing.values import UnpricedValue, flag, items, mapping, quantity, text

free("networking without an hourly charge",
     tokens.GCP_COMPUTE_NETWORK, tokens.GCP_COMPUTE_SUBNETWORK,
     tokens.GCP_COMPUTE_FIREWALL, tokens.GCP_COMPUTE_ROUTER, tokens.GCP_COMPUTE_ROUTE,
     tokens.GCP_COMPUTE_HEALTH_CHECK, tokens.GCP_COMPUTE_REGION_HEALTH_CHECK,
     tokens.GCP_COMPUTE_BACKEND_SERVICE,
     tokens.GCP_COMPUTE_REGION_BACKEND_SERVICE)
free("IAM and APIs have no charge", tokens.GCP_SERVICEACCOUNT_ACCOUNT,
     tokens.GCP_PROJECTS_IAM_MEMBER, tokens.GCP_PROJECTS_IAM_BINDING,
     tokens.GCP_SERVICEACCOUNT_IAM_MEMBER, tokens.GCP_STORAGE_BUCKET_IAM_MEMBER,
     tokens.GCP_STORAGE_BUCKET_IAM_BINDING, tokens.GCP_PROJECTS_SERVICE)
free("budgets have no charge", tokens.GCP_BILLING_BUDGET)
free("objects are priced as the bucket's stored GB", tokens.GCP_STORAGE_BUCKET_OBJECT)
free("the provider itself", tokens.PROVIDER_GCP)
free("notification channels have no charge", tokens.GCP_MONITORING_NOTIFICATION_CHANNEL)

NAT_PORTS_PER_IP = 64512
"""Source ports one Cloud NAT IP address offers (cloud.google.com/nat/docs/ports-and-addresses)."""
NAT_MAX_UNCAPPED_VMS = 32
"""Cloud NAT bills per VM-hour up to 32 VMs, then a flat hourly rate (NAT pricing page)."""


@rule(tokens.GCP_COMPUTE_DISK)
def persistent_disk(res: Resource, ctx: PricingContext) -> CostLine:
    """GB-months plus provisioned IOPS/throughput above the type's baseline."""
    inputs = res.inputs
    if inputs.get("size") is None:
        return unpriced(res, ctx, "disk size comes from its image or snapshot")
    parts = block_parts("gcp", region_of(ctx, inputs),
                        text(inputs.get("type"), "type", "pd-standard"),
                        quantity(inputs["size"], "size"),
                        quantity(inputs.get("provisionedIops"), "provisionedIops"),
                        quantity(inputs.get("provisionedThroughput"), "provisionedThroughput"),
                        label="disk")
    return new_line(res, ctx, parts, ["billed every hour it exists, attached or not"])


FILESTORE_TIERS = {"STANDARD": "basic-hdd", "BASIC_HDD": "basic-hdd", "PREMIUM": "basic-ssd",
                   "BASIC_SSD": "basic-ssd", "ZONAL": "zonal", "HIGH_SCALE_SSD": "zonal",
                   "REGIONAL": "regional", "ENTERPRISE": "enterprise"}


@rule(tokens.GCP_FILESTORE_INSTANCE)
def filestore(res: Resource, ctx: PricingContext) -> CostLine:
    """Provisioned capacity at the tier's GB-month price."""
    inputs = res.inputs
    tier = text(inputs.get("tier"), "tier")
    if tier not in FILESTORE_TIERS:
        return unpriced(res, ctx, f"Filestore tier {tier!r} is unknown; known: "
                        + ", ".join(FILESTORE_TIERS))
    shares = items(inputs.get("fileShares"), "fileShares")
    capacity = sum(quantity(mapping(s, "fileShares[]").get("capacityGb"), "capacityGb")
                   for s in shares)
    kind = f"filestore-{FILESTORE_TIERS[tier]}"
    return new_line(res, ctx, [part(f"{kind} {capacity:g} GB", capacity, "GB-month",
                                    storage_prices.file_price("gcp", region_of(ctx, inputs),
                                                              kind))])


def _gcs_transitions(ctx: PricingContext, region: str, use: Mapping[str, Any],
                     classes: list[str]) -> list[CostPart]:
    """Lifecycle SetStorageClass moves: class A operations of the target class, per object."""
    declared = mapping(use.get("transitions"), "usage transitions")
    unknown = sorted(set(declared) - set(classes))
    if unknown:
        raise UnpricedValue(f"usage transitions.{unknown[0]}: the bucket's lifecycle rules "
                            f"move objects to {', '.join(classes) or 'no class'}")
    return [part(f"lifecycle moves to {klass}",
                 None if declared.get(klass) is None else declared[klass] / 1000,
                 "1000 objects", storage_prices.object_price("gcp", region, klass, "transition"))
            for klass in classes]


@rule(tokens.GCP_STORAGE_BUCKET, usage=("stored_gb", "requests", "egress_gb",
                                        "monitored_objects", "transitions", "noncurrent_gb"))
def gcs_bucket(res: Resource, ctx: PricingContext) -> CostLine:
    """Stored GB at the bucket's class, class A/B operations and egress; Autoclass's
    management fee, lifecycle moves and noncurrent versions from the usage file."""
    inputs, use = res.inputs, ctx.usage_for(res)
    autoclass = flag(mapping(inputs.get("autoclass"), "autoclass").get("enabled"))
    klass = "STANDARD" if autoclass else text(inputs.get("storageClass"), "storageClass",
                                              "STANDARD")
    region = region_of(ctx, inputs)
    parts = object_parts(ctx, res, "gcp", region, klass, f"GCS {klass}", "operations")
    notes = []
    if autoclass:
        parts.append(part("Autoclass management (objects >= 128 KiB)",
                          None if use.get("monitored_objects") is None
                          else use["monitored_objects"] / 1000, "1000 objects-month",
                          storage_prices.object_price("gcp", region, "AUTOCLASS", "management")))
        notes.append("Autoclass starts objects in Standard and moves unread ones colder: stored "
                     "GB at Standard (`ailab estimate storage` simulates the moves); the "
                     "management fee is priced from the usage file (monitored_objects)")
    actions = [mapping(mapping(r, "lifecycleRules[]").get("action"), "lifecycleRules[].action")
               for r in items(inputs.get("lifecycleRules"), "lifecycleRules")]
    classes = list(dict.fromkeys(text(a.get("storageClass"), "action.storageClass")
                                 for a in actions if a.get("type") == "SetStorageClass"))
    if classes and not autoclass:
        notes.append(f"lifecycle rules move objects to {', '.join(classes)}: stored GB at the "
                     f"bucket's class; colder classes store for less but add per-object moves "
                     "(priced from the usage file), retrieval fees and minimum durations "
                     "(`ailab estimate storage` models them)")
    parts += _gcs_transitions(ctx, region, use, classes)
    if flag(mapping(inputs.get("versioning"), "versioning").get("enabled")):
        quote = storage_prices.tiers("gcp", region, "object", klass, "storage")
        parts += tier_parts("noncurrent versions", use.get("noncurrent_gb"), quote, "GB-month")
        notes.append("versioning keeps noncurrent versions: their GB-months come from the usage "
                     "file (noncurrent_gb)")
    return new_line(res, ctx, parts, notes)


def nat_users(ctx: PricingContext) -> list[tuple[str, float, float]]:
    """(name, VMs, hours per VM) of every VM without an external IP: Cloud NAT's users.
    Computed once per stack; each VM's hours follow its instance schedule."""
    def build() -> list[tuple[str, float, float]]:
        out = []
        for vm in ctx.of_type(INSTANCE):
            if not has_external_ip(vm.inputs):
                out.append((vm.name, 1.0, vm_hours(vm, ctx)[0]))
        for type_ in MIGS:
            for mig in ctx.of_type(type_):
                template = mig_template(mig, ctx)
                if template is not None and not has_external_ip(template.inputs):
                    size = quantity(mig.inputs.get("targetSize"), f"{mig.name} targetSize")
                    out.append((mig.name, size, vm_hours(template, ctx, usage_of=mig)[0]))
        tpus = ctx.of_type(TPU_VM) + [r for r in ctx.of_type(DYNAMIC)
                                      if dynamic_kind(r) in TPU_KINDS]
        out += [(r.name, 1.0, ctx.hours(r)[0]) for r in tpus if not tpu_external_ip(r.inputs)]
        return out
    return ctx.memo("gcp-nat-users", build)


def _nat_ip_parts(res: Resource, ctx: PricingContext, region: str, vms: float,
                  hours: float) -> tuple[list[CostPart], str]:
    """Auto-allocated NAT addresses: enough for every VM's minimum ports."""
    inputs = res.inputs
    option = text(inputs.get("natIpAllocateOption"), "natIpAllocateOption", "AUTO_ONLY")
    if option == "MANUAL_ONLY":
        count = len(items(inputs.get("natIps"), "natIps"))
        return [], f"its {count} manual IP address(es) are priced on their address lines"
    dynamic = flag(inputs.get("enableDynamicPortAllocation"))
    ports = quantity(inputs.get("minPortsPerVm"), "minPortsPerVm", 32.0 if dynamic else 64.0)
    ips = math.ceil(vms * ports / NAT_PORTS_PER_IP) if vms else 0
    quote = service_price("gcp", region, "network", "external-ipv4", "hour")
    note = (f"{ips:g} auto-allocated IP address(es) for {vms:g} VMs x {ports:g} ports "
            f"({NAT_PORTS_PER_IP} ports per address), priced for every gateway hour")
    return [part(f"NAT external IPv4 x{ips}", ips * hours, "IP-h", quote)] if ips else [], note


@rule(tokens.GCP_COMPUTE_ROUTER_NAT, usage=("hours_per_month", "processed_gb"))
def cloud_nat(res: Resource, ctx: PricingContext) -> CostLine:
    """Per VM-hour of the VMs it serves (their schedules) up to 32 VMs, then a flat hourly
    cap; its auto-allocated IP addresses; per-GB processing."""
    region = region_of(ctx, res.inputs)
    hours, basis = ctx.hours(res)
    try:
        users = nat_users(ctx)
    except AilabError as exc:
        raise CatalogError(f"the VMs that use this NAT cannot be priced: {exc.message}") from None
    vms = sum(n for _, n, _ in users)
    vm_hours_ = sum(n * h for _, n, h in users)
    vm_hour = storage_prices.network_price("gcp", region, "nat-gateway", "hour")
    cap = storage_prices.network_price("gcp", region, "nat-gateway", "hour_max")
    parts = [part(f"NAT for {vms:g} VMs", vm_hours_, "VM-h", vm_hour)
             if vms <= NAT_MAX_UNCAPPED_VMS else part("NAT (32+ VMs: hourly cap)", hours, "h", cap)]
    ip_parts, ip_note = _nat_ip_parts(res, ctx, region, vms, hours)
    parts += ip_parts
    parts.append(processed_part(ctx, res, storage_prices.network_price("gcp", region,
                                                                       "nat-gateway",
                                                                       "processed")))
    notes = [f"{vms:g} VMs without external IPs in the stack are counted as NAT users, "
             f"{vm_hours_:,.1f} VM-hours a month by their schedules", ip_note]
    return new_line(res, ctx, parts, notes, hours_per_month=hours, hours_basis=basis)


ADDRESS_USERS = ("networkInterfaces", "natIps", "ipAddress")
"""Properties through which a resource in the stack uses a static address."""


@rule(tokens.GCP_COMPUTE_ADDRESS, tokens.GCP_COMPUTE_GLOBAL_ADDRESS,
      usage=("hours_per_month",))
def address(res: Resource, ctx: PricingContext) -> CostLine:
    """External static IPv4 at the in-use rate; internal addresses are free."""
    if text(res.inputs.get("addressType"), "addressType", "EXTERNAL").upper() == "INTERNAL":
        return free_line(res, ctx, "internal address: no charge")
    hours, basis = ctx.hours(res)
    region = region_of(ctx, res.inputs)
    quote = service_price("gcp", region, "network", "external-ipv4", "hour")
    unused = service_price("gcp", region, "network", "external-ipv4-unused", "hour")
    used = any(ctx.referencing(res, prop) for prop in ADDRESS_USERS)
    note = ("used by a resource in this stack: priced at the in-use rate" if used else
            "priced at the in-use rate; no resource in this stack uses it, and a reserved "
            f"address left unused costs {unused.value:g} {unused.unit}")
    return new_line(res, ctx, [part("external IPv4", hours, "IP-h", quote)], [note],
                    hours_per_month=hours, hours_basis=basis)


@rule(tokens.GCP_COMPUTE_FORWARDING_RULE,
      tokens.GCP_COMPUTE_GLOBAL_FORWARDING_RULE,
      usage=("hours_per_month", "processed_gb"))
def forwarding_rule(res: Resource, ctx: PricingContext) -> CostLine:
    """A load balancer's forwarding rule: hourly (first-5 rate) plus data processed."""
    region = region_of(ctx, res.inputs)
    hours, basis = ctx.hours(res)
    parts = [part("forwarding rule hours", hours, "h",
                  service_price("gcp", region, "network", "forwarding-rule", "hour")),
             processed_part(ctx, res, service_price("gcp", region, "network",
                                                    "forwarding-rule", "processed"))]
    return new_line(res, ctx, parts, ["priced at the rate of a project's first 5 rules"],
                    hours_per_month=hours, hours_basis=basis)
