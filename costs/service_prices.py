"""Prices of cloud services a stack declares besides compute and storage.

The table lives in ``costs/data/stack_prices.csv`` (public IPv4 addresses, load
balancers, CloudWatch alarms, GCP external IPs and forwarding rules), one row
per (cloud, regions, service, kind, component) in the same shape as the storage
table: value, unit, source page, date checked, confidence and evidence. It is
the one place each of these facts is written: stack pricing and the janitor both
read it. Its as-of date is its oldest row's (``costs.freshness``).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ailab.core.errors import CatalogError
from ailab.costs import freshness
from ailab.costs.storage_prices import PriceQuote, oldest_as_of, read_quote

SERVICE_PRICES_CSV = Path(__file__).resolve().parent / "data" / "stack_prices.csv"
TABLE = "stack-service-prices"

_Key = tuple[str, str, str, str, str]


@lru_cache(maxsize=1)
def _table() -> dict[_Key, PriceQuote]:
    out = {}
    with SERVICE_PRICES_CSV.open(newline="") as handle:
        for rec in csv.DictReader(handle):
            quote = read_quote(rec)
            for region in rec["regions"].split(";"):
                out[(rec["cloud"], region, rec["service"], rec["kind"], rec["component"])] = quote
    return out


def service_price(cloud: str, region: str, service: str, kind: str,
                  component: str) -> PriceQuote:
    """One price; a missing one is a CatalogError naming the regions that have it."""
    freshness.use(TABLE)
    found = _table().get((cloud, region, service, kind, component))
    if found is None:
        known = sorted({k[1] for k in _table() if k[0] == cloud and k[3] == kind})
        raise CatalogError(f"no {cloud} {kind} {component} price for {region}; "
                           f"priced regions: {', '.join(known) or 'none'}")
    return found


freshness.register(freshness.PriceTable(
    TABLE, "stack service price", lambda: oldest_as_of(SERVICE_PRICES_CSV),
    "no live source: check the rows of costs/data/stack_prices.csv against the pages in "
    "their source column and update value, as_of and confidence"))
