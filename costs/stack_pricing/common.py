"""Pricing helpers both clouds share: instance hours, tiered parts, egress."""

from __future__ import annotations

from ailab.core.errors import CatalogError
from ailab.core.inventory import Resource
from ailab.costs import catalog, storage_prices
from ailab.costs.stack_pricing.context import PricingContext, part
from ailab.costs.stack_pricing.lines import CostPart
from ailab.costs.storage_prices import PriceQuote, Tier


def instance_part(cloud: str, region: str, itype: str, spot: bool, hours: float,
                  count: float = 1.0, catalog_name: str | None = None) -> CostPart:
    """Catalog hourly price x hours x count; spot uses the catalog's spot column."""
    row = catalog.price(cloud, catalog_name or itype, region)
    if spot and row.spot_usd_hr is None:
        raise CatalogError(f"{itype} has no spot price in {region} in the price table")
    rate = row.spot_usd_hr if spot and row.spot_usd_hr is not None else row.price_usd_hr
    label = f"{itype} {'spot' if spot else 'on-demand'}" + (f" x{count:g}" if count != 1 else "")
    return CostPart(label, hours * count, "instance-h", rate, "USD/hour", row.source, row.as_of,
                    note=row.note)


SPOT_NOTE = "spot at the catalog spot price (median over the region's zones); it moves with demand"


def tier_parts(label: str, quantity: float | None, tiers: tuple[Tier, ...], unit: str,
               scale: float = 1.0) -> list[CostPart]:
    """One part per volume tier the quantity reaches (quantity None: first tier, usage)."""
    if quantity is None:
        first = tiers[0].quote
        return [part(label, None, unit, first)]
    out: list[CostPart] = []
    floor = 0.0
    for tier in tiers:
        top = quantity if tier.up_to is None else min(quantity, tier.up_to)
        if top > floor or (not out and quantity == 0):
            name = label if len(tiers) == 1 else f"{label} (tier to {tier.up_to or 'above'})"
            out.append(part(name, (top - floor) * scale, unit, tier.quote))
        if tier.up_to is None or quantity <= tier.up_to:
            break
        floor = tier.up_to
    return out


def egress_parts(ctx: PricingContext, res: Resource, cloud: str) -> list[CostPart]:
    """Internet egress from the usage file's ``egress_gb``; nothing when not declared."""
    gb = ctx.usage_for(res).get("egress_gb")
    if gb is None:
        return []
    tiers = storage_prices.tiers(cloud, ctx.region, "transfer", "internet", "egress")
    return tier_parts("internet egress", float(gb), tiers, "GB")


def object_parts(ctx: PricingContext, res: Resource, cloud: str, region: str, klass: str,
                 label: str, requests_word: str) -> list[CostPart]:
    """A bucket: stored GB (volume tiers), PUT/GET requests and egress from the usage file."""
    use = ctx.usage_for(res)
    stored = use.get("stored_gb")
    tiers = storage_prices.tiers(cloud, region, "object", klass, "storage")
    parts = tier_parts(f"{label} storage", None if stored is None else float(stored),
                       tiers, "GB-month")
    requests = use.get("requests") or {}
    for kind in ("put", "get"):
        count = requests.get(kind)
        parts.append(part(f"{kind.upper()} {requests_word}",
                          None if count is None else count / 1000, "1000 requests",
                          storage_prices.object_price(cloud, region, klass, kind)))
    return parts + egress_parts(ctx, res, cloud)


def processed_part(ctx: PricingContext, res: Resource, quote: PriceQuote) -> CostPart:
    """Per-GB data processing, from the usage file's ``processed_gb``."""
    return part("data processed", ctx.usage_for(res).get("processed_gb"), "GB", quote)


def block_parts(cloud: str, region: str, kind: str, size_gb: float, iops: float = 0.0,
                throughput: float = 0.0, count: float = 1.0, label: str = "volume"
                ) -> list[CostPart]:
    """A block volume: GB-months plus IOPS/throughput above what the kind includes."""
    quote = storage_prices.block_price(cloud, region, kind)
    suffix = f" x{count:g}" if count != 1 else ""
    out = [part(f"{label} {kind} {size_gb:g} GB{suffix}", size_gb * count, "GB-month", quote)]
    for comp, amount, unit in (("iops", iops, "IOPS-month"),
                               ("throughput", throughput, "MiBps-month")):
        if amount <= 0:
            continue
        if not storage_prices.has_price(cloud, region, "block", kind, comp):
            if storage_prices.has_price(cloud, region, "block", kind, f"{comp}_included"):
                continue
            raise CatalogError(f"{cloud} {kind} has no provisioned {comp} price")
        included = 0.0
        if storage_prices.has_price(cloud, region, "block", kind, f"{comp}_included"):
            included = storage_prices.block_price(cloud, region, kind, f"{comp}_included").value
        extra = max(0.0, amount - included)
        if extra > 0:
            tiers = storage_prices.tiers(cloud, region, "block", kind, comp)
            out += tier_parts(f"{label} {comp} above {included:g}", extra, tiers, unit, count)
    return out
