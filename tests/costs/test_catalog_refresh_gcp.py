"""Live GCP refresh on recorded Cloud Billing Catalog responses.

The recorded SKUs are parsed into the real ``google.cloud.billing_v1.Sku``
message (unknown or mistyped fields fail), and the client is
``create_autospec(CloudCatalogClient)``, so a call the real client would not
accept fails here too."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import create_autospec

import pandas as pd
import pytest
from google.cloud import billing_v1

from ailab.core.errors import CatalogRefreshError
from ailab.costs.catalog import DATA_DIR_ENV, load_prices
from ailab.costs.refresh_gcp import GCE_SERVICE, GCP_SOURCE, TPU_SERVICE, refresh_gcp

FIXTURES = Path(__file__).parent / "fixtures"


def recorded_skus() -> dict[str, list[billing_v1.Sku]]:
    doc = json.loads((FIXTURES / "gcp_skus.json").read_text())
    return {service: [billing_v1.Sku.from_json(json.dumps(s)) for s in skus]
            for service, skus in doc.items() if service.startswith("services/")}


def catalog_client(skus: dict[str, list[billing_v1.Sku]]) -> Any:
    client = create_autospec(billing_v1.CloudCatalogClient, instance=True)

    def list_skus(request: Any = None, *, parent: str | None = None, **_: Any) -> Any:
        assert request is None and parent is not None
        return iter(skus[parent])

    client.list_skus.side_effect = list_skus
    return client


@pytest.fixture
def base() -> pd.DataFrame:
    return load_prices().copy()


def _row(table: pd.DataFrame, itype: str, region: str) -> pd.Series:
    found = table[(table["cloud"] == "gcp") & (table["instance_type"] == itype)
                  & (table["region"] == region)]
    assert len(found) == 1, (itype, region)
    return found.iloc[0]


def test_gcp_rows_are_rebuilt_from_sku_parts(base: pd.DataFrame) -> None:
    client = catalog_client(recorded_skus())
    table = refresh_gcp(base, lambda service: client.list_skus(parent=service),
                        today="2026-12-01")
    assert [c.kwargs["parent"] for c in client.list_skus.call_args_list] == [GCE_SERVICE,
                                                                           TPU_SERVICE]
    a3 = _row(table, "a3-highgpu-8g", "us-central1")
    # 208 vCPU x 0.025 + 1872 GiB x 0.0025 + 8 x 11.06 (commitment and custom SKUs ignored)
    assert a3["price_usd_hr"] == pytest.approx(208 * 0.025 + 1872 * 0.0025 + 8 * 11.06)
    assert a3["spot_usd_hr"] == pytest.approx(208 * 0.008 + 1872 * 0.0008 + 8 * 2.25)
    assert a3["source"] == GCP_SOURCE and a3["as_of"] == "2026-12-01" and a3["note"] == ""
    g2 = _row(table, "g2-standard-8", "us-central1")
    assert g2["price_usd_hr"] == pytest.approx(8 * 0.024 + 32 * 0.0028 + 0.56)
    assert pd.isna(g2["spot_usd_hr"])  # no preemptible G2 SKU recorded
    v5e = _row(table, "tpu-v5litepod-8", "us-central1")
    assert (v5e["price_usd_hr"], v5e["spot_usd_hr"]) == pytest.approx((8 * 1.2, 8 * 0.48))
    v4 = _row(table, "tpu-v4-8", "us-central2")  # v4 SKUs price 4 chips
    assert (v4["price_usd_hr"], v4["spot_usd_hr"]) == pytest.approx((12.88, 3.686))
    europe = _row(table, "a3-highgpu-8g", "europe-west4")
    assert europe["source"] == "skypilot-catalog/v8"  # no SKU lists that region: unchanged
    assert (table["cloud"] != "gcp").sum() == (base["cloud"] != "gcp").sum()
    pd.testing.assert_frame_equal(table[table["cloud"] == "aws"], base[base["cloud"] == "aws"])


def test_no_matching_skus_is_an_error(base: pd.DataFrame) -> None:
    client = catalog_client({GCE_SERVICE: [], TPU_SERVICE: []})
    with pytest.raises(CatalogRefreshError, match="no prices"):
        refresh_gcp(base, lambda service: client.list_skus(parent=service))


Cli = Callable[[list[str]], tuple[int, str, str]]


def test_cli_refresh_gcp_writes_the_user_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               cli: Cli) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    client = catalog_client(recorded_skus())
    monkeypatch.setattr(billing_v1, "CloudCatalogClient", lambda: client)
    code, out, err = cli(["catalog", "refresh", "--cloud", "gcp", "--json"])
    assert code == 0, err
    summary = json.loads(out)
    assert summary["output"] == str(tmp_path / "prices.csv")
    assert GCP_SOURCE in summary["sources"]
    written = pd.read_csv(tmp_path / "prices.csv")
    assert _row(written, "a3-highgpu-8g", "us-central1")["source"] == GCP_SOURCE
    meta = json.loads((tmp_path / "prices.meta.json").read_text())
    assert meta["source"].startswith("GCP Cloud Billing Catalog API")
    from ailab.costs.catalog import clear_cache

    clear_cache()
