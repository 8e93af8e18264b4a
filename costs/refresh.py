"""Rebuild the price table: from a SkyPilot-format catalog directory, or from live APIs.

Pure data code: the live paths take already-built clients (a boto3 ``pricing``
client and per-region ``ec2`` clients here, a Cloud Billing ``list_skus`` call in
``refresh_gcp``) so that no cloud SDK is imported here; the CLI builds them.
AWS: the Price List API gives on-demand prices, spot price history the spot
price (the median of the last day's newest price per zone). Rows a live source
cannot price keep their previous values with their own source and date, so a
partial refresh is visible row by row. Every refreshed table goes through the
same table-level checks as a build (spot above on-demand, cross-region
outliers) and is written with its provenance and build log, whole or not at all
(``catalog_build.write_outputs``), to the user data directory by default.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from ailab.core.errors import CatalogRefreshError
from ailab.costs.catalog_build import build_catalog, finish, write_outputs
from ailab.costs.catalog_validate import BuildLog

AWS_SOURCE = "aws-price-list-api+spot-price-history"


def summary(table: pd.DataFrame, output: Path, log: BuildLog) -> dict[str, Any]:
    """What a refresh wrote: rows per cloud, sources, date range, check counts."""
    return {
        "output": str(output),
        "rows": int(len(table)),
        "clouds": {c: int(n) for c, n in table["cloud"].value_counts().sort_index().items()},
        "sources": sorted(set(table["source"])),
        "as_of": [str(table["as_of"].min()), str(table["as_of"].max())],
        "checks": log.counts(),
    }


def refresh_from_dir(directory: Path, output: Path, source: str | None = None,
                     as_of: str | None = None) -> dict[str, Any]:
    """Rebuild from a SkyPilot catalog directory (``<cloud>/vms.csv`` or ``<cloud>_vms*.csv``)."""
    if not directory.is_dir():
        raise CatalogRefreshError(f"{directory} is not a directory", field="from_dir")
    when = as_of or date.today().isoformat()
    label = source or f"skypilot-format catalog {directory.name}"
    built = build_catalog(directory, label, when)
    meta = {"source": label, "method": "ailab.costs.catalog_build from " + directory.name}
    write_outputs(built.table, built.log, output, meta)
    return summary(built.table, output, built.log)


def write_refreshed(table: pd.DataFrame, output: Path, source: str) -> dict[str, Any]:
    """Check a live-refreshed table like a build and write it with its log."""
    log = BuildLog()
    checked = finish(table, log)
    meta = {"source": source, "method": "ailab.costs.refresh (live price APIs); rows the APIs "
            "did not price keep their previous source and date"}
    write_outputs(checked, log, output, meta)
    return summary(checked, output, log)


def _reprice(table: pd.DataFrame, idx: Any, on_demand: float, spot: float | None,
             source: str, when: str) -> None:
    """Set one row's prices from a live source; the old row's notes no longer apply."""
    table.at[idx, "price_usd_hr"] = on_demand
    table.at[idx, "spot_usd_hr"] = float("nan") if spot is None else spot
    table.at[idx, "source"] = source
    table.at[idx, "as_of"] = when
    table.at[idx, "note"] = ""


# --- AWS live ---------------------------------------------------------------------------------

def _on_demand_usd(price_item: str) -> tuple[str, float] | None:
    """(regionCode, USD/hour) from one Price List product document, or None."""
    doc = json.loads(price_item)
    region = doc.get("product", {}).get("attributes", {}).get("regionCode")
    for term in doc.get("terms", {}).get("OnDemand", {}).values():
        for dim in term.get("priceDimensions", {}).values():
            usd = float(dim.get("pricePerUnit", {}).get("USD", "0") or 0)
            if region and usd > 0 and dim.get("unit") in ("Hrs", "Hr"):
                return region, usd
    return None


def aws_on_demand(pricing: Any, instance_types: Iterable[str]) -> dict[tuple[str, str], float]:
    """(instance type, region) -> on-demand USD/hour, Linux shared tenancy, no licensed software."""
    prices: dict[tuple[str, str], float] = {}
    paginator = pricing.get_paginator("get_products")
    for itype in sorted(set(instance_types)):
        filters = [
            {"Type": "TERM_MATCH", "Field": field, "Value": value}
            for field, value in (("instanceType", itype), ("operatingSystem", "Linux"),
                                 ("tenancy", "Shared"), ("preInstalledSw", "NA"),
                                 ("capacitystatus", "Used"))
        ]
        for page in paginator.paginate(ServiceCode="AmazonEC2", Filters=filters,
                                       FormatVersion="aws_v1"):
            for item in page.get("PriceList", []):
                found = _on_demand_usd(item)
                if found is not None:
                    prices[(itype, found[0])] = found[1]
    return prices


def aws_spot(ec2_for: Callable[[str], Any], wanted: dict[str, list[str]],
             now: datetime | None = None) -> dict[tuple[str, str], float]:
    """(instance type, region) -> median spot USD/hour over the last day's zone prices."""
    start = (now or datetime.now(UTC)) - timedelta(days=1)
    out: dict[tuple[str, str], float] = {}
    for region, itypes in sorted(wanted.items()):
        client = ec2_for(region)
        seen: dict[str, dict[str, float]] = {}
        paginator = client.get_paginator("describe_spot_price_history")
        for page in paginator.paginate(InstanceTypes=sorted(set(itypes)), StartTime=start,
                                       ProductDescriptions=["Linux/UNIX"]):
            for rec in page.get("SpotPriceHistory", []):
                # Newest first: keep the latest price per zone.
                zones = seen.setdefault(rec["InstanceType"], {})
                zones.setdefault(rec["AvailabilityZone"], float(rec["SpotPrice"]))
        for itype, zones in seen.items():
            out[(itype, region)] = statistics.median(zones.values())
    return out


def refresh_aws(base: pd.DataFrame, pricing: Any, ec2_for: Callable[[str], Any],
                today: str | None = None, now: datetime | None = None) -> pd.DataFrame:
    """The base table with its AWS rows repriced from the live APIs."""
    aws = base[base["cloud"] == "aws"]
    on_demand = aws_on_demand(pricing, aws["instance_type"])
    if not on_demand:
        raise CatalogRefreshError("AWS Price List returned no prices for the table's types")
    wanted: dict[str, list[str]] = {}
    for itype, region in zip(aws["instance_type"], aws["region"], strict=True):
        if (itype, region) in on_demand:
            wanted.setdefault(region, []).append(itype)
    spot = aws_spot(ec2_for, wanted, now)
    when = today or date.today().isoformat()
    table = base.copy()
    for idx in aws.index:
        key = (table.at[idx, "instance_type"], table.at[idx, "region"])
        if key in on_demand:
            _reprice(table, idx, on_demand[key], spot.get(key), AWS_SOURCE, when)
    return table
