"""Hand-computation helpers: read price rows straight from the CSV files."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.support import DATA


@pytest.fixture(scope="session")
def rows() -> Rows:
    return Rows()


class Rows:
    """Catalog and storage price rows, looked up by hand (not through the pricer)."""

    def __init__(self) -> None:
        self.prices = pd.read_csv(DATA / "prices.csv")
        self.storage = pd.read_csv(DATA / "storage_prices.csv", dtype={"tier_up_to": str})
        self.extra = pd.read_csv(DATA / "stack_prices.csv")

    def instance(self, cloud: str, itype: str, region: str, spot: bool = False) -> float:
        found = self.prices[(self.prices.cloud == cloud) & (self.prices.instance_type == itype)
                            & (self.prices.region == region)]
        assert len(found) == 1, (cloud, itype, region)
        return float(found.iloc[0]["spot_usd_hr" if spot else "price_usd_hr"])

    def _first(self, table: pd.DataFrame, cloud: str, region: str, service: str, kind: str,
               component: str) -> float:
        found = table[(table.cloud == cloud) & table.regions.str.split(";").apply(
            lambda rs: region in rs) & (table.service == service) & (table.kind == kind)
            & (table.component == component)]
        assert len(found) >= 1, (cloud, region, service, kind, component)
        return float(found.iloc[0]["value"])

    def storage_price(self, cloud: str, region: str, service: str, kind: str,
                      component: str = "storage") -> float:
        return self._first(self.storage, cloud, region, service, kind, component)

    def extra_price(self, cloud: str, region: str, service: str, kind: str,
                    component: str) -> float:
        return self._first(self.extra, cloud, region, service, kind, component)
