"""Monthly waste of a finding, in USD.

Instance-hours come from the shared catalog (``costs.catalog.find_price``).
Storage, address and gateway prices are not in that catalog, so this module
keeps a small table: AWS us-east-1 list prices, each with its source page and
the date it was recorded. Other regions are priced at these rates (AWS list
prices for these items differ by region by a few percent); the report says so
through ``price_source``.
"""

from __future__ import annotations

from dataclasses import dataclass

from costs.catalog import HOURS_PER_MONTH, PriceRow, find_price, load_prices
from janitor.model import Resource


@dataclass(frozen=True)
class UnitPrice:
    """One list price with its provenance."""

    usd: float
    unit: str
    source: str
    as_of: str


_EBS = "https://aws.amazon.com/ebs/pricing/"
_VPC = "https://aws.amazon.com/vpc/pricing/"
_S3 = "https://aws.amazon.com/s3/pricing/"
_AS_OF = "2025-06-01"

# GB-month prices per EBS volume type (storage only; provisioned IOPS are not priced).
EBS_GB_MONTH: dict[str, UnitPrice] = {
    "gp3": UnitPrice(0.08, "GB-month", _EBS, _AS_OF),
    "gp2": UnitPrice(0.10, "GB-month", _EBS, _AS_OF),
    "io1": UnitPrice(0.125, "GB-month", _EBS, _AS_OF),
    "io2": UnitPrice(0.125, "GB-month", _EBS, _AS_OF),
    "st1": UnitPrice(0.045, "GB-month", _EBS, _AS_OF),
    "sc1": UnitPrice(0.015, "GB-month", _EBS, _AS_OF),
    "standard": UnitPrice(0.05, "GB-month", _EBS, _AS_OF),
}
SNAPSHOT_GB_MONTH = UnitPrice(0.05, "GB-month", _EBS, _AS_OF)
PUBLIC_IPV4_HOUR = UnitPrice(0.005, "hour", _VPC, _AS_OF)
NAT_GATEWAY_HOUR = UnitPrice(0.045, "hour", _VPC, _AS_OF)
S3_STANDARD_GB_MONTH = UnitPrice(0.023, "GB-month", _S3, _AS_OF)

GIB = 1024**3


def _cite(price: UnitPrice) -> str:
    return f"{price.source} ({price.as_of}, us-east-1 list price)"


def volume_monthly(volume_type: str, size_gib: float) -> tuple[float, str]:
    """What an EBS volume costs per month while it exists."""
    price = EBS_GB_MONTH.get(volume_type, EBS_GB_MONTH["gp2"])
    return size_gib * price.usd, _cite(price)


def snapshot_monthly(size_gib: float) -> tuple[float, str]:
    """Upper bound for a snapshot: its full volume size (snapshots are incremental)."""
    return size_gib * SNAPSHOT_GB_MONTH.usd, _cite(SNAPSHOT_GB_MONTH) + ", full-size upper bound"


def address_monthly() -> tuple[float, str]:
    """An idle public IPv4 address, billed per hour."""
    return PUBLIC_IPV4_HOUR.usd * HOURS_PER_MONTH, _cite(PUBLIC_IPV4_HOUR)


def nat_gateway_monthly() -> tuple[float, str]:
    """A NAT gateway's hourly charge (data processing is zero when idle)."""
    return NAT_GATEWAY_HOUR.usd * HOURS_PER_MONTH, _cite(NAT_GATEWAY_HOUR)


def upload_monthly(size_bytes: float) -> tuple[float, str]:
    """Parts of an incomplete multipart upload bill as S3 Standard storage."""
    return size_bytes / GIB * S3_STANDARD_GB_MONTH.usd, _cite(S3_STANDARD_GB_MONTH)


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
        total = sum(volume_monthly(v["type"], v["size_gib"])[0] for v in volumes)
        return total, volume_monthly("gp3", 0)[1] + f", {len(volumes)} attached volume(s)"
    if res.kind == "volume":
        return volume_monthly(attrs.get("volume_type", "gp2"), attrs.get("size_gib", 0))
    if res.kind == "snapshot":
        return snapshot_monthly(attrs.get("size_gib", 0))
    if res.kind == "address":
        return address_monthly()
    if res.kind == "nat-gateway":
        return nat_gateway_monthly()
    if res.kind == "multipart-upload":
        return upload_monthly(attrs.get("size_bytes", 0))
    return 0.0, f"not priced: no price for {res.kind}"
