"""Storage and data-transfer list prices: object, block, file, NAT and egress.

The table lives in ``costs/data/storage_prices.csv``: one row per (cloud, regions,
service, kind, component[, tier]) with the value, its unit, the public pricing
page it is listed on (``source``), the date it was last checked (``as_of``), and
whether independent copies of the price list confirm it (``confidence``:
``confirmed`` or ``uncertain``, with the ``evidence``). An uncertain price is
still used, and every quote says so (``PriceQuote.uncertain``), so outputs can
show it. The table's as-of date is its oldest row's (``costs.freshness``). Regions
with identical list prices share a row (``us-east-1;us-west-2``). Tiered prices
(S3 Standard volume tiers, internet egress, io2 IOPS) carry ``tier_up_to``: the
upper bound of the tier in the component's quantity (GB per month, IOPS); empty
means "and above".

Lookup API (every answer is a :class:`PriceQuote` carrying unit, source, as_of):

- ``object_price(cloud, region, storage_class, component="storage")``: S3/GCS
  classes (``STANDARD``, ``STANDARD_IA``, ``GLACIER_IR``, ``GLACIER``,
  ``DEEP_ARCHIVE``, ``INTELLIGENT_TIERING``; ``NEARLINE``, ``COLDLINE``,
  ``ARCHIVE``, ``AUTOCLASS``). Components: storage, put, get, transition,
  retrieval, min_duration, min_billable_size, monitoring, management, ...
- ``block_price(cloud, region, kind, component="storage")``: gp3, gp2, io1, io2,
  st1, sc1, snapshot; pd-standard, pd-balanced, pd-ssd, pd-extreme,
  hyperdisk-balanced, hyperdisk-extreme. Components storage, iops, throughput,
  iops_included, throughput_included.
- ``file_price(cloud, region, kind, component="storage")``: efs-standard, efs-ia,
  efs-archive, efs-one-zone, fsx-lustre-<deployment>-<MB/s/TiB>, filestore-*.
- ``network_price(cloud, region, kind, component)``: nat-gateway hour/processed.
- ``transfer_price(cloud, region, to)``: USD/GB leaving (cloud, region) for
  ``to`` = ``"internet"``, ``"onprem"``, ``"interconnect"``, ``"zone"`` (another
  zone of the region), or ``"<cloud>:<region>"``. Another cloud or on-prem over
  the internet is internet egress. ``transfer_cost(..., gb_per_month)`` applies
  the tiers. AWS's 100 GB/month free egress is account-wide (all services and
  regions together), so it is not applied per line.
- ``block_monthly_usd(cloud, region, kind, size_gb, iops=0, throughput_mibps=0)``
  prices a volume including the IOPS/throughput above what the kind includes.
- ``tiered_cost(quantity, tiers)`` and ``tiers(...)`` expose the volume tiers.

An unknown cloud, region, kind or component raises CatalogError listing what
the table knows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from ailab.core.errors import CatalogError
from ailab.costs import freshness

STORAGE_PRICES_CSV = Path(__file__).parent / "data" / "storage_prices.csv"
SERVICES = ("object", "block", "file", "network", "transfer")
TABLE = "storage-prices"


@dataclass(frozen=True)
class PriceQuote:
    """One list price with where and when it was read, and whether it is confirmed."""

    value: float
    unit: str
    source: str
    as_of: str
    uncertain: bool = False
    """No independent copy of the price list confirms the value (see the row's evidence)."""

    def as_dict(self) -> dict[str, object]:
        return {"value": self.value, "unit": self.unit, "source": self.source,
                "as_of": self.as_of, "uncertain": self.uncertain}


def read_quote(rec: dict[str, str]) -> PriceQuote:
    """A quote from one CSV row of a price table (storage or stack services)."""
    confidence = rec.get("confidence") or "uncertain"
    if confidence not in ("confirmed", "uncertain"):
        raise CatalogError(f"price row confidence {confidence!r} is not confirmed or uncertain")
    return PriceQuote(float(rec["value"]), rec["unit"], rec["source"], rec["as_of"],
                      confidence == "uncertain")


def oldest_as_of(path: Path) -> date:
    """The date of the oldest price in a CSV price table."""
    with path.open(newline="") as handle:
        return min(date.fromisoformat(rec["as_of"]) for rec in csv.DictReader(handle))


@dataclass(frozen=True)
class Tier:
    """A volume tier: ``quote`` applies to quantities up to ``up_to`` (None = no bound)."""

    up_to: float | None
    quote: PriceQuote


_Key = tuple[str, str, str, str, str]


@lru_cache(maxsize=2)
def _table(path: Path = STORAGE_PRICES_CSV) -> dict[_Key, tuple[Tier, ...]]:
    """Index the CSV by (cloud, region, service, kind, component), tiers sorted."""
    index: dict[_Key, list[Tier]] = {}
    with path.open(newline="") as handle:
        for rec in csv.DictReader(handle):
            quote = read_quote(rec)
            up_to = float(rec["tier_up_to"]) if rec["tier_up_to"] else None
            for region in rec["regions"].split(";"):
                key = (rec["cloud"], region, rec["service"], rec["kind"], rec["component"])
                index.setdefault(key, []).append(Tier(up_to, quote))
    return {
        key: tuple(sorted(tiers, key=lambda t: float("inf") if t.up_to is None else t.up_to))
        for key, tiers in index.items()
    }


def _known(pos: int, **fixed: str) -> list[str]:
    """Distinct values at key position ``pos`` among keys matching ``fixed``."""
    names = ("cloud", "region", "service", "kind", "component")
    out = set()
    for key in _table():
        if all(key[names.index(k)] == v for k, v in fixed.items()):
            out.add(key[pos])
    return sorted(out)


def tiers(cloud: str, region: str, service: str, kind: str, component: str) -> tuple[Tier, ...]:
    """All tiers of one price; raises CatalogError naming the valid choices."""
    freshness.use(TABLE)
    found = _table().get((cloud, region, service, kind, component))
    if found is not None:
        return found
    if cloud not in _known(0):
        raise CatalogError(f"cloud {cloud!r} has no storage prices; known: {', '.join(_known(0))}")
    if region not in _known(1, cloud=cloud):
        known = ", ".join(_known(1, cloud=cloud))
        raise CatalogError(f"{cloud} region {region!r} has no storage prices; known: {known}")
    kinds = _known(3, cloud=cloud, region=region, service=service)
    if kind not in kinds:
        raise CatalogError(f"{cloud} {service} kind {kind!r} is unknown; known: {', '.join(kinds)}")
    comps = ", ".join(_known(4, cloud=cloud, region=region, service=service, kind=kind))
    raise CatalogError(f"{cloud} {kind} has no {component!r} price; known: {comps}")


def quote(cloud: str, region: str, service: str, kind: str, component: str) -> PriceQuote:
    """The first-tier (or only) price of one component."""
    return tiers(cloud, region, service, kind, component)[0].quote


def has_price(cloud: str, region: str, service: str, kind: str, component: str) -> bool:
    """True when the table lists this component (optional components, e.g. overheads)."""
    freshness.use(TABLE)
    return (cloud, region, service, kind, component) in _table()


def object_price(cloud: str, region: str, storage_class: str,
                 component: str = "storage") -> PriceQuote:
    """An object-storage class price (first volume tier for tiered storage)."""
    return quote(cloud, region, "object", storage_class, component)


def block_price(cloud: str, region: str, kind: str, component: str = "storage") -> PriceQuote:
    """A block-volume price: storage per GB-month, IOPS or throughput per month."""
    return quote(cloud, region, "block", kind, component)


def file_price(cloud: str, region: str, kind: str, component: str = "storage") -> PriceQuote:
    """A file-system price (EFS, FSx for Lustre, Filestore)."""
    return quote(cloud, region, "file", kind, component)


def network_price(cloud: str, region: str, kind: str, component: str) -> PriceQuote:
    """A network-service price (NAT gateway hour and data processed)."""
    return quote(cloud, region, "network", kind, component)


def tiered_cost(quantity: float, price_tiers: tuple[Tier, ...]) -> float:
    """Cost of ``quantity`` units under cumulative volume tiers."""
    total, floor = 0.0, 0.0
    for tier in price_tiers:
        top = quantity if tier.up_to is None else min(quantity, tier.up_to)
        if top > floor:
            total += (top - floor) * tier.quote.value
        if tier.up_to is None or quantity <= tier.up_to:
            break
        floor = tier.up_to
    return total


def _continent(region: str) -> str:
    head = region.split("-")[0]
    return {"us": "na", "northamerica": "na", "ca": "na"}.get(head, head)


def transfer_kind(cloud: str, region: str, to: str) -> str:
    """Which transfer price applies from (cloud, region) to a destination."""
    if to in ("internet", "onprem"):
        return "internet"
    if to in ("interconnect", "zone"):
        return "inter-zone" if to == "zone" else "interconnect"
    dest_cloud, sep, dest_region = to.partition(":")
    if not sep or not dest_region:
        raise CatalogError(
            f"transfer destination {to!r} is not valid; use internet, onprem, interconnect, "
            "zone or <cloud>:<region>")
    if dest_cloud != cloud:
        return "internet"
    if dest_region == region:
        return "intra-zone"
    same = _continent(dest_region) == _continent(region)
    return "inter-region" if same else "inter-continent"


def transfer_price(cloud: str, region: str, to: str) -> PriceQuote:
    """USD per GB for data leaving (cloud, region) towards ``to`` (first tier)."""
    return quote(cloud, region, "transfer", transfer_kind(cloud, region, to), "egress")


def transfer_cost(cloud: str, region: str, to: str, gb_per_month: float) -> float:
    """Monthly USD for ``gb_per_month`` leaving (cloud, region) towards ``to``."""
    kind = transfer_kind(cloud, region, to)
    return tiered_cost(gb_per_month, tiers(cloud, region, "transfer", kind, "egress"))


def block_monthly_usd(cloud: str, region: str, kind: str, size_gb: float,
                      iops: float = 0.0, throughput_mibps: float = 0.0) -> float:
    """Monthly USD of one volume: capacity plus provisioned IOPS/throughput above baseline."""
    total = size_gb * block_price(cloud, region, kind).value
    for comp, amount in (("iops", iops), ("throughput", throughput_mibps)):
        if amount <= 0:
            continue
        if not has_price(cloud, region, "block", kind, comp):
            raise CatalogError(f"{cloud} {kind} has no provisioned {comp} to price")
        included = 0.0
        if has_price(cloud, region, "block", kind, f"{comp}_included"):
            included = block_price(cloud, region, kind, f"{comp}_included").value
        extra = max(0.0, amount - included)
        total += tiered_cost(extra, tiers(cloud, region, "block", kind, comp))
    return total


def regions(cloud: str) -> list[str]:
    """Regions with storage prices for a cloud."""
    return _known(1, cloud=cloud)


freshness.register(freshness.PriceTable(
    TABLE, "storage and data-transfer price", lambda: oldest_as_of(STORAGE_PRICES_CSV),
    "no live source: check the rows of costs/data/storage_prices.csv against the pages in "
    "their source column and update value, as_of and confidence"))
