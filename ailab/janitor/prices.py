"""Monthly waste of a finding, in USD.

Instance-hours come from the shared catalog (``costs.catalog``); storage,
snapshot, NAT gateway and S3 prices from the shared storage table
(``costs.storage_prices``); public IPv4 addresses from the shared service table
(``costs.service_prices``). The janitor keeps no price of its own, so every
figure has the date of the table it came from, and a command that uses a table
older than 30 days says so (``costs.freshness``). Where a table has no row for
the region, the us-east-1 row is used and the price source says so.
"""

from __future__ import annotations

from ailab.core.errors import CatalogError
from ailab.costs import storage_prices as sp
from ailab.costs.catalog import HOURS_PER_MONTH, PriceRow, find_price, load_prices
from ailab.costs.service_prices import service_price
from ailab.janitor.records import Resource

GIB = 1024**3
_FALLBACK_REGION = "us-east-1"


def _quote(region: str, service: str, kind: str, component: str) -> tuple[float, str]:
    """A shared-table price for the region, else its us-east-1 price (said in the source)."""
    where = region if sp.has_price("aws", region, service, kind, component) else _FALLBACK_REGION
    q = sp.quote("aws", where, service, kind, component)
    note = "" if where == region else f", {where} price (no {region} row)"
    return q.value, f"{q.source} ({q.as_of}, {q.unit}{note})"


def volume_monthly(volume_type: str, size_gib: float, region: str) -> tuple[float, str]:
    """What an EBS volume's storage costs per month while it exists."""
    kind = volume_type if sp.has_price("aws", _FALLBACK_REGION, "block", volume_type,
                                       "storage") else "gp2"
    usd, source = _quote(region, "block", kind, "storage")
    return size_gib * usd, source


def snapshot_monthly(size_gib: float, region: str) -> tuple[float, str]:
    """Upper bound for a snapshot: its full volume size (snapshots are incremental)."""
    usd, source = _quote(region, "block", "snapshot", "storage")
    return size_gib * usd, source + ", full-size upper bound"


def address_monthly(region: str = _FALLBACK_REGION) -> tuple[float, str]:
    """An idle public IPv4 address, billed per hour (the shared service price table)."""
    try:
        q, note = service_price("aws", region, "network", "public-ipv4", "hour"), ""
    except CatalogError:
        q = service_price("aws", _FALLBACK_REGION, "network", "public-ipv4", "hour")
        note = f", {_FALLBACK_REGION} price (no {region} row)"
    return q.value * HOURS_PER_MONTH, f"{q.source} ({q.as_of}, {q.unit}{note})"


def nat_gateway_monthly(region: str) -> tuple[float, str]:
    """A NAT gateway's hourly charge (data processing is zero when idle)."""
    usd, source = _quote(region, "network", "nat-gateway", "hour")
    return usd * HOURS_PER_MONTH, source


def upload_monthly(size_bytes: float, region: str) -> tuple[float, str]:
    """Parts of an incomplete multipart upload bill as S3 Standard storage."""
    usd, source = _quote(region, "object", "STANDARD", "storage")
    return size_bytes / GIB * usd, source


def catalog_row(cloud: str, instance_type: str, region: str) -> PriceRow | None:
    """The catalog row for a type in a region, else the type's cheapest region."""
    row = find_price(cloud, instance_type, region)
    if row is not None:
        return row
    frame = load_prices()
    rows = frame[(frame["cloud"] == cloud) & (frame["instance_type"] == instance_type)]
    if rows.empty:
        return None
    cheapest = rows.sort_values("price_usd_hr").iloc[0]
    return find_price(cloud, instance_type, str(cheapest["region"]))


def accelerator_count(cloud: str, instance_type: str, region: str) -> float:
    """Accelerators on a type per the catalog; 0 for types the catalog does not know."""
    row = catalog_row(cloud, instance_type, region)
    return row.accelerator_count if row is not None else 0.0


def instance_monthly(cloud: str, instance_type: str, region: str,
                     spot: bool = False) -> tuple[float, str]:
    """On-demand (or spot) monthly price of a running instance from the catalog."""
    row = catalog_row(cloud, instance_type, region)
    if row is None:
        return 0.0, f"not priced: {instance_type} is not in the {cloud} catalog"
    hourly = row.spot_usd_hr if spot and row.spot_usd_hr is not None else row.price_usd_hr
    where = "" if row.region == region else f", priced in {row.region}"
    kind = "spot" if spot and row.spot_usd_hr is not None else "on-demand"
    return hourly * HOURS_PER_MONTH, f"catalog {row.source} ({row.as_of}, {kind}{where})"


def resource_monthly(res: Resource) -> tuple[float, str]:
    """Monthly cost of a resource as it is now (what removing it would save)."""
    attrs = res.attrs
    if res.kind in ("instance", "gce-instance", "tpu-node"):
        if res.state.lower() in ("running", "ready"):
            cloud = "aws" if res.kind == "instance" else "gcp"
            return instance_monthly(cloud, attrs.get("instance_type", ""), res.region,
                                    spot=bool(attrs.get("spot")))
        volumes = attrs.get("volumes", [])
        total = sum(volume_monthly(v["type"], v["size_gib"], res.region)[0] for v in volumes)
        source = volume_monthly("gp3", 0, res.region)[1]
        return total, f"{source}, {len(volumes)} attached volume(s)"
    if res.kind == "volume":
        return volume_monthly(attrs.get("volume_type", "gp2"), attrs.get("size_gib", 0),
                              res.region)
    if res.kind == "snapshot":
        return snapshot_monthly(attrs.get("size_gib", 0), res.region)
    if res.kind == "address":
        return address_monthly(res.region)
    if res.kind == "nat-gateway":
        return nat_gateway_monthly(res.region)
    if res.kind == "multipart-upload":
        return upload_monthly(attrs.get("size_bytes", 0), res.region)
    return 0.0, f"not priced: no price for {res.kind}"
