"""Live AWS refresh against stub clients shaped like boto3's (no network)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ailab.core.errors import CatalogRefreshError
from ailab.costs.catalog import load_prices
from ailab.costs.refresh import AWS_SOURCE, refresh_aws


def product(itype: str, region: str, usd: str) -> str:
    return json.dumps({
        "product": {"attributes": {"instanceType": itype, "regionCode": region}},
        "terms": {"OnDemand": {"T": {"priceDimensions": {"D": {"unit": "Hrs",
                                                               "pricePerUnit": {"USD": usd}}}}}},
    })


class Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.calls: list[dict[str, Any]] = []

    def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(kwargs)
        return self.pages


class Pricing:
    def __init__(self, items: dict[str, list[str]]) -> None:
        self.items = items

    def get_paginator(self, name: str) -> Any:
        assert name == "get_products"
        items = self.items

        class P:
            def paginate(self, ServiceCode: str, Filters: list[dict[str, str]]) -> Any:
                itype = next(f["Value"] for f in Filters if f["Field"] == "instanceType")
                assert ServiceCode == "AmazonEC2"
                return [{"PriceList": items.get(itype, [])}]

        return P()


class Ec2:
    def __init__(self, history: list[dict[str, Any]]) -> None:
        self.history = history

    def get_paginator(self, name: str) -> Pages:
        assert name == "describe_spot_price_history"
        return Pages([{"SpotPriceHistory": self.history}])


def test_refresh_aws_reprices_rows() -> None:
    base = load_prices()
    pricing = Pricing({"p5.48xlarge": [product("p5.48xlarge", "us-east-1", "55.04")]})
    history = [
        {"InstanceType": "p5.48xlarge", "AvailabilityZone": "use1-az1", "SpotPrice": "20.0"},
        {"InstanceType": "p5.48xlarge", "AvailabilityZone": "use1-az2", "SpotPrice": "30.0"},
        {"InstanceType": "p5.48xlarge", "AvailabilityZone": "use1-az1", "SpotPrice": "99.0"},
    ]
    table = refresh_aws(base, pricing, lambda region: Ec2(history if region == "us-east-1"
                                                          else []), today="2027-01-01")
    row = table[(table["instance_type"] == "p5.48xlarge") & (table["region"] == "us-east-1")]
    assert row["price_usd_hr"].item() == 55.04
    assert row["spot_usd_hr"].item() == 25.0  # median of the newest price per zone
    assert row["source"].item() == AWS_SOURCE and row["as_of"].item() == "2027-01-01"
    untouched = table[(table["instance_type"] == "p5.48xlarge") & (table["region"] == "us-east-2")]
    assert untouched["source"].item() == base.loc[untouched.index, "source"].item()
    assert len(table) == len(base)


def test_refresh_aws_with_no_prices_fails() -> None:
    with pytest.raises(CatalogRefreshError, match="no prices"):
        refresh_aws(load_prices(), Pricing({}), lambda region: Ec2([]))
