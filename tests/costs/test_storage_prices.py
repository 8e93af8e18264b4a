"""The storage/transfer price table: provenance on every row and hand-checked lookups."""

from __future__ import annotations

import csv
import re

import pytest

from ailab.core.errors import CatalogError
from ailab.costs import storage_prices as sp

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
