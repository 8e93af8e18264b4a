"""Live AWS refresh on recorded responses, through real boto3 clients.

botocore's ``Stubber`` checks every request against the service model (operation,
parameter names and types, filter enums) and every recorded response against
the response shape, so these tests fail if the code calls the API in a way AWS
would refuse or reads a field the API does not return."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import create_autospec

import boto3
import pandas as pd
import pytest
from botocore.stub import Stubber

from ailab.core.errors import CatalogRefreshError
from ailab.costs.catalog import load_prices
from ailab.costs.refresh import AWS_SOURCE, aws_on_demand, refresh_aws, write_refreshed

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
FILTERS = (("operatingSystem", "Linux"), ("tenancy", "Shared"), ("preInstalledSw", "NA"),
           ("capacitystatus", "Used"))


def _filters(itype: str) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": f, "Value": v}
            for f, v in (("instanceType", itype), *FILTERS)]


def stubbed_pricing(pages: dict[str, list[list[dict[str, Any]]]]) -> tuple[Any, Stubber]:
    """A real pricing client answering ``get_products`` from recorded pages, in order."""
    client = boto3.client("pricing", region_name="us-east-1")
    stub = Stubber(client)
    for itype in sorted(pages):
        for i, page in enumerate(pages[itype]):
            last = i == len(pages[itype]) - 1
            params: dict[str, Any] = {"ServiceCode": "AmazonEC2", "Filters": _filters(itype),
                                      "FormatVersion": "aws_v1"}
            if i:
                params["NextToken"] = f"{itype}-{i}"
            response: dict[str, Any] = {"FormatVersion": "aws_v1",
                                        "PriceList": [json.dumps(doc) for doc in page]}
            if not last:
                response["NextToken"] = f"{itype}-{i + 1}"
            stub.add_response("get_products", response, params)
    stub.activate()
    return client, stub


def stubbed_ec2(region: str, history: list[dict[str, Any]], types: list[str]) -> Any:
    client = boto3.client("ec2", region_name=region)
    stub = Stubber(client)
    records = [{**rec, "Timestamp": datetime.fromisoformat(rec["Timestamp"])} for rec in history]
    stub.add_response("describe_spot_price_history", {"SpotPriceHistory": records},
                      {"InstanceTypes": sorted(types), "StartTime": NOW - timedelta(days=1),
                       "ProductDescriptions": ["Linux/UNIX"]})
    stub.activate()
    return client


@pytest.fixture
def base() -> pd.DataFrame:
    table = load_prices()
    keep = table["instance_type"].isin(["p5.48xlarge", "g6.xlarge"]) | (
        table["cloud"] == "lambda")
    return table[keep].reset_index(drop=True)


def _recorded() -> tuple[dict[str, Any], dict[str, Any]]:
    products = json.loads((FIXTURES / "aws_get_products.json").read_text())
    spot = json.loads((FIXTURES / "aws_spot_price_history.json").read_text())
    return ({k: v for k, v in products.items() if not k.startswith("_")},
            {k: v for k, v in spot.items() if not k.startswith("_")})


def test_refresh_aws_reprices_rows_from_recorded_responses(base: pd.DataFrame) -> None:
    products, spot = _recorded()
    pricing, stub = stubbed_pricing(products)
    clients = {r: stubbed_ec2(r, spot[r], ["g6.xlarge", "p5.48xlarge"]) for r in spot}
    table = refresh_aws(base, pricing, clients.__getitem__, today="2026-12-01", now=NOW)
    stub.assert_no_pending_responses()

    def row(itype: str, region: str) -> pd.Series:
        found = table[(table["instance_type"] == itype) & (table["region"] == region)]
        assert len(found) == 1
        return found.iloc[0]

    east = row("p5.48xlarge", "us-east-1")
    assert east["price_usd_hr"] == 55.04
    assert east["spot_usd_hr"] == 25.0  # newest price per zone: 20 and 30 (not the old 99)
    assert east["source"] == AWS_SOURCE and east["as_of"] == "2026-12-01"
    assert east["note"] == ""  # the snapshot's notes do not describe live prices
    assert pd.isna(row("p5.48xlarge", "us-west-2")["spot_usd_hr"])  # no spot history there
    assert row("g6.xlarge", "us-west-2")["spot_usd_hr"] == 0.33
    untouched = table[(table["cloud"] == "aws") & (table["source"] != AWS_SOURCE)]
    assert len(untouched) and set(untouched["as_of"]) == set(base.loc[untouched.index, "as_of"])
    pd.testing.assert_frame_equal(table[table["cloud"] == "lambda"],
                                  base[base["cloud"] == "lambda"])
    assert len(table) == len(base)


def test_refreshed_spot_above_on_demand_is_dropped_when_written(base: pd.DataFrame,
                                                                 tmp_path: Path) -> None:
    products, spot = _recorded()
    pricing, _ = stubbed_pricing(products)
    clients = {r: stubbed_ec2(r, spot[r], ["g6.xlarge", "p5.48xlarge"]) for r in spot}
    table = refresh_aws(base, pricing, clients.__getitem__, today="2026-12-01", now=NOW)
    g6 = (table["instance_type"] == "g6.xlarge") & (table["region"] == "us-east-1")
    assert table.loc[g6, "spot_usd_hr"].item() == 0.9  # above 0.8048 on-demand
    summary = write_refreshed(table, tmp_path / "prices.csv", "test")
    written = pd.read_csv(tmp_path / "prices.csv", dtype={"note": str})
    row = written[(written["instance_type"] == "g6.xlarge") & (written["region"] == "us-east-1")]
    assert pd.isna(row["spot_usd_hr"].item())
    assert row["note"].item() == "spot: dropped (above on-demand)"
    assert summary["checks"]["spot-above-on-demand"] == 1
    log = pd.read_csv(tmp_path / "prices.build-log.csv")
    assert list(log["instance_type"]) == ["g6.xlarge"]


def test_no_prices_is_an_error_and_the_client_is_asked_as_documented(
        base: pd.DataFrame) -> None:
    real = boto3.client("pricing", region_name="us-east-1")
    pricing = create_autospec(real, instance=True)
    pricing.get_paginator.return_value.paginate.return_value = [{"PriceList": []}]
    with pytest.raises(CatalogRefreshError, match="no prices"):
        refresh_aws(base, pricing, lambda region: None)
    pricing.get_paginator.assert_called_with("get_products")
    assert aws_on_demand(pricing, ["g6.xlarge"]) == {}
