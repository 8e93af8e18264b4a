"""The storage/transfer price table: provenance on every row and hand-checked lookups."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from ailab.core.errors import CatalogError
from ailab.costs import freshness
from ailab.costs import storage_prices as sp
from ailab.costs.service_prices import SERVICE_PRICES_CSV
from ailab.janitor.prices import address_monthly

STACK_REGIONS = {"aws": ("us-east-1", "us-west-2"), "gcp": ("us-central1", "europe-west4")}


def test_every_row_has_source_url_and_date() -> None:
    with sp.STORAGE_PRICES_CSV.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) > 150
    for row in rows:
        assert re.match(r"https://(aws\.amazon\.com|docs\.aws\.amazon\.com|cloud\.google\.com)/",
                        row["source"]), row
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["as_of"]), row
        assert float(row["value"]) >= 0 and row["unit"]
        assert row["confidence"] in ("confirmed", "uncertain") and row["evidence"], row


@pytest.mark.parametrize("cloud,kinds", [
    ("aws", {"object": ["STANDARD", "STANDARD_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE",
                        "INTELLIGENT_TIERING"],
             "block": ["gp3", "io2", "gp2", "st1", "sc1"],
             "file": ["efs-standard", "efs-ia", "fsx-lustre-scratch2",
                      "fsx-lustre-persistent1-200", "fsx-lustre-persistent2-1000"]}),
    ("gcp", {"object": ["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"],
             "block": ["pd-standard", "pd-balanced", "pd-ssd", "hyperdisk-balanced"],
             "file": ["filestore-basic-hdd", "filestore-basic-ssd", "filestore-zonal",
                      "filestore-regional"]}),
])
def test_stack_regions_are_priced(cloud: str, kinds: dict[str, list[str]]) -> None:
    for region in STACK_REGIONS[cloud]:
        for service, names in kinds.items():
            for kind in names:
                q = sp.quote(cloud, region, service, kind, "storage")
                assert q.value > 0 and q.unit == "USD/GB-month" and q.as_of
        assert sp.network_price(cloud, region, "nat-gateway", "processed").value > 0
        assert sp.transfer_price(cloud, region, "internet").value > 0


def test_gp3_with_iops_and_throughput_hand_computed() -> None:
    # 1000 GB at $0.08 + (6000-3000) IOPS at $0.005 + (250-125) MiB/s at $0.04 = $100
    assert sp.block_monthly_usd("aws", "us-east-1", "gp3", 1000, iops=6000,
                                throughput_mibps=250) == pytest.approx(100.0)
    assert sp.block_monthly_usd("aws", "us-east-1", "gp3", 500, iops=3000) == pytest.approx(40.0)


def test_io2_iops_tiers_hand_computed() -> None:
    # 100 GB * 0.125 + 32000 * 0.065 + 8000 * 0.0455
    expected = 12.5 + 32000 * 0.065 + 8000 * 0.0455
    assert sp.block_monthly_usd("aws", "us-east-1", "io2", 100, iops=40000) == pytest.approx(
        expected)


def test_hyperdisk_balanced_baseline_included() -> None:
    cost = sp.block_monthly_usd("gcp", "us-central1", "hyperdisk-balanced", 100, iops=3000,
                                throughput_mibps=140)
    assert cost == pytest.approx(100 * 0.06)


def test_transfer_kinds_and_prices() -> None:
    assert sp.transfer_price("aws", "us-east-1", "aws:us-west-2").value == 0.02
    assert sp.transfer_price("gcp", "us-central1", "gcp:europe-west4").value == 0.05
    assert sp.transfer_price("gcp", "us-central1", "gcp:us-east1").value == 0.01
    assert sp.transfer_kind("aws", "us-east-1", "gcp:us-central1") == "internet"
    assert sp.transfer_kind("aws", "us-east-1", "onprem") == "internet"
    assert sp.transfer_price("aws", "us-east-1", "interconnect").value == 0.02
    assert sp.transfer_price("gcp", "us-central1", "zone").value == 0.01
    assert sp.transfer_price("aws", "us-east-1", "aws:us-east-1").value == 0.0


def test_internet_egress_tiers_hand_computed() -> None:
    # AWS: first 10 TB at $0.09, next 40 TB at $0.085 (the account-wide free 100 GB is not
    # applied: it is shared by every service and region of an account)
    expected = 10240 * 0.09 + (20000 - 10240) * 0.085
    assert sp.transfer_cost("aws", "us-east-1", "internet", 20000) == pytest.approx(expected)
    # GCP premium: 1 TiB at $0.12, then $0.11
    assert sp.transfer_cost("gcp", "us-central1", "onprem", 2048) == pytest.approx(
        1024 * 0.12 + 1024 * 0.11)


def test_s3_standard_volume_tiers() -> None:
    t = sp.tiers("aws", "us-east-1", "object", "STANDARD", "storage")
    assert sp.tiered_cost(61200, t) == pytest.approx(51200 * 0.023 + 10000 * 0.022)
    assert sp.tiered_cost(0, t) == 0


def test_quote_carries_source() -> None:
    q = sp.object_price("gcp", "us-central1", "ARCHIVE", "min_duration")
    assert (q.value, q.unit) == (365, "days")
    assert q.source == "https://cloud.google.com/storage/pricing"


@pytest.mark.parametrize("args,needle", [
    (("azure", "eastus", "block", "gp3", "storage"), "known: aws, gcp"),
    (("aws", "mars-1", "block", "gp3", "storage"), "us-east-1"),
    (("aws", "us-east-1", "block", "gp9", "storage"), "gp3"),
    (("aws", "us-east-1", "block", "gp3", "latency"), "iops"),
])
def test_unknown_names_list_the_valid_ones(args: tuple[str, ...], needle: str) -> None:
    with pytest.raises(CatalogError, match=needle):
        sp.quote(*args)


def test_bad_transfer_destination() -> None:
    with pytest.raises(CatalogError, match="<cloud>:<region>"):
        sp.transfer_price("aws", "us-east-1", "moon")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_each_price_is_written_once_across_the_tables() -> None:
    """One source per fact: no (cloud, region, service, kind, component, tier) twice, and
    the public IPv4 price in one row of one table (the janitor reads it from there)."""
    seen: set[tuple[str, ...]] = set()
    for path in (sp.STORAGE_PRICES_CSV, SERVICE_PRICES_CSV):
        for row in _rows(path):
            for region in row["regions"].split(";"):
                key = (row["cloud"], region, row["service"], row["kind"], row["component"],
                       row.get("tier_up_to", ""))
                assert key not in seen, key
                seen.add(key)
    ipv4 = [r for path in (sp.STORAGE_PRICES_CSV, SERVICE_PRICES_CSV) for r in _rows(path)
            if r["kind"] == "public-ipv4"]
    assert len(ipv4) == 1 and ipv4[0]["confidence"] == "confirmed"
    usd, source = address_monthly("us-east-1")
    assert usd == pytest.approx(float(ipv4[0]["value"]) * 730)
    assert ipv4[0]["as_of"] in source


def test_corrected_rows_match_the_independent_sources() -> None:
    """Values settled in the research notes (service_prices.md): S3 Glacier Flexible standard
    restore requests 0.05 per 1,000 (offer file RestoreObject 0.00005 per request; Infracost's
    0.03 is the vault upload SKU), Deep Archive 0.10, GCS regional Coldline class A 0.02 per
    1,000 (a 2026 billing export: 0.04 multi-region = 2x regional)."""
    glacier = sp.object_price("aws", "us-east-1", "GLACIER", "get")
    assert (glacier.value, glacier.unit, glacier.uncertain) == (0.05, "USD/1000 requests", False)
    assert sp.object_price("aws", "us-east-1", "DEEP_ARCHIVE", "get").value == 0.1
    assert sp.object_price("aws", "us-east-1", "GLACIER", "put").value == 0.03
    coldline = sp.object_price("gcp", "us-central1", "COLDLINE", "put")
    assert (coldline.value, coldline.uncertain) == (0.02, False)
    assert sp.object_price("gcp", "us-central1", "COLDLINE", "get").uncertain
    assert sp.file_price("aws", "us-east-1", "efs-ia").value == 0.016


def test_uncertain_rows_say_so_in_every_quote() -> None:
    lustre = sp.file_price("aws", "us-east-1", "fsx-lustre-persistent2-250")
    assert lustre.uncertain and lustre.as_dict()["uncertain"] is True
    assert not sp.block_price("aws", "us-east-1", "gp3").uncertain
    uncertain = [r for r in _rows(sp.STORAGE_PRICES_CSV) if r["confidence"] == "uncertain"]
    assert uncertain and all(r["evidence"] for r in uncertain)


def test_tables_register_their_dates() -> None:
    keys = {t.key for t in freshness.tables()}
    assert {"gpu-catalog", "storage-prices", "stack-service-prices"} <= keys
    storage = next(t for t in freshness.tables() if t.key == "storage-prices")
    oldest = min(r["as_of"] for r in _rows(sp.STORAGE_PRICES_CSV))
    assert storage.as_of().isoformat() == oldest
    freshness.reset()
    sp.block_price("aws", "us-east-1", "gp3")
    assert [t.key for t in freshness.used()] == ["storage-prices"]
