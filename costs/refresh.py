"""Rebuild the price table: from a SkyPilot-format catalog directory, or from live APIs.

Pure data code: the live path takes already-built clients (duck-typed boto3
``pricing`` and per-region ``ec2`` clients) so that no cloud SDK is imported here;
the CLI builds them. Live refresh covers AWS (Price List API for on-demand, spot
price history for spot: the median of the last day's prices over the region's
zones); rows it cannot price keep their previous values with their own source and
date. Every write goes to a temporary file first and replaces the target only when
complete, so a failed refresh leaves the table as it was.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from ailab.core.errors import CatalogRefreshError
from ailab.costs.catalog_build import COLUMNS, build_catalog, write_catalog

AWS_SOURCE = "aws-price-list-api+spot-price-history"


def meta_path(output: Path) -> Path:
    """``prices.csv`` -> ``prices.meta.json`` next to it."""
    return output.with_name(output.stem + ".meta.json")


def write_table(table: pd.DataFrame, output: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Write table and its provenance atomically; return a short summary."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing or table.empty:
        raise CatalogRefreshError(f"refusing to write an empty or malformed table (missing: "
                                  f"{', '.join(missing) or 'rows'})")
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    write_catalog(table[COLUMNS], tmp)
    meta_tmp = meta_path(output).with_name(meta_path(output).name + ".tmp")
    meta_tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(output)
    meta_tmp.replace(meta_path(output))
    return summary(table, output)


def summary(table: pd.DataFrame, output: Path) -> dict[str, Any]:
    return {
        "output": str(output),
        "rows": int(len(table)),
        "clouds": {c: int(n) for c, n in table["cloud"].value_counts().sort_index().items()},
        "sources": sorted(set(table["source"])),
        "as_of": [str(table["as_of"].min()), str(table["as_of"].max())],
    }


def refresh_from_dir(directory: Path, output: Path, source: str | None = None,
                     as_of: str | None = None) -> dict[str, Any]:
    """Rebuild from a SkyPilot catalog directory (``<cloud>/vms.csv`` or ``<cloud>_vms*.csv``)."""
    if not directory.is_dir():
        raise CatalogRefreshError(f"{directory} is not a directory", field="from_dir")
    when = as_of or date.today().isoformat()
    label = source or f"skypilot-format catalog {directory.name}"
    table = build_catalog(directory, label, when)
    meta = {"source": label, "as_of": when,
            "method": "ailab.costs.catalog_build from " + directory.name}
    return write_table(table, output, meta)


# --- AWS live ---------------------------------------------------------------------------------

def _on_demand_usd(price_item: str) -> tuple[str, float] | None:
    """(regionCode, USD/hour) from one Price List product document, or None."""
    doc = json.loads(price_item)
    region = doc.get("product", {}).get("attributes", {}).get("regionCode")
    for term in doc.get("terms", {}).get("OnDemand", {}).values():
        for dim in term.get("priceDimensions", {}).values():
            usd = float(dim.get("pricePerUnit", {}).get("USD", "0") or 0)
            if region and 0 < usd < math.inf and dim.get("unit") in ("Hrs", "Hr"):
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
        for page in paginator.paginate(ServiceCode="AmazonEC2", Filters=filters):
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
        for page in paginator.paginate(InstanceTypes=sorted(itypes), StartTime=start,
                                       ProductDescriptions=["Linux/UNIX"]):
            for rec in page.get("SpotPriceHistory", []):
                # Newest first: keep the latest price per zone.
                zones = seen.setdefault(rec["InstanceType"], {})
                zones.setdefault(rec["AvailabilityZone"], float(rec["SpotPrice"]))
        for itype, zones in seen.items():
            out[(itype, region)] = statistics.median(zones.values())
    return out


def refresh_aws(base: pd.DataFrame, pricing: Any, ec2_for: Callable[[str], Any],
                today: str | None = None) -> pd.DataFrame:
    """The base table with its AWS rows repriced from the live APIs."""
    aws = base[base["cloud"] == "aws"]
    on_demand = aws_on_demand(pricing, aws["instance_type"])
    if not on_demand:
        raise CatalogRefreshError("AWS Price List returned no prices for the table's types")
    wanted: dict[str, list[str]] = {}
    for itype, region in zip(aws["instance_type"], aws["region"], strict=True):
        wanted.setdefault(region, []).append(itype)
    spot = aws_spot(ec2_for, wanted)
    when = today or date.today().isoformat()
    table = base.copy()
    for idx in aws.index:
        key = (table.at[idx, "instance_type"], table.at[idx, "region"])
        if key not in on_demand:
            continue
        table.at[idx, "price_usd_hr"] = on_demand[key]
        table.at[idx, "spot_usd_hr"] = spot.get(key, float("nan"))
        table.at[idx, "source"] = AWS_SOURCE
        table.at[idx, "as_of"] = when
    return table
