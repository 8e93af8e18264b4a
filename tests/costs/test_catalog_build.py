"""Catalog build and checks: hand-made bad rows, and the shipped table against the v8 snapshot."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from ailab.costs.catalog import PRICES_CSV, build_log, catalog_meta, find_price
from ailab.costs.catalog_build import build_catalog
from tests.support import SHARED

V8 = SHARED / "data" / "catalog-v8"
needs_v8 = pytest.mark.skipif(not V8.is_dir(), reason="shared SkyPilot v8 snapshot not present")

AWS_HEADER = ("InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,"
              "SpotPrice,Region,AvailabilityZone,Arch")
GCP_HEADER = ("InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,"
              "AvailabilityZone,Price,SpotPrice")


def _aws(itype: str, price: str, spot: str, region: str, zone: str) -> str:
    return f"{itype},H100,8.0,192.0,2048.0,,{price},{spot},{region},{zone},x86_64"


def _write(tmp_path: Path, aws: list[str], gcp: list[str]) -> Path:
    (tmp_path / "aws_vms_accel.csv").write_text("\n".join([AWS_HEADER, *aws]) + "\n")
    (tmp_path / "gcp_vms_accel.csv").write_text("\n".join([GCP_HEADER, *gcp]) + "\n")
    return tmp_path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """One row of every kind the checks must catch, plus good rows around them."""
    aws = [
        _aws("p5.48xlarge", "55.04", "21.0", "us-east-1", "use1-az1"),
        _aws("p5.48xlarge", "55.04", "23.0", "us-east-1", "use1-az2"),
        _aws("p5.48xlarge", "55.04", "56.0", "us-east-1", "use1-az4"),     # spot > on-demand
        _aws("p5.48xlarge", "55.04", "21.0", "us-east-1", "use1-az1"),     # exact repeat
        _aws("p5.48xlarge", "60.00", "22.0", "us-east-1", "use1-az2"),     # conflicting repeat
        _aws("p5.48xlarge", "", "20.0", "us-east-2", "use2-az1"),          # no on-demand price
        _aws("p5.48xlarge", "57.00", "", "us-west-2", "usw2-az1"),
        _aws("p5.48xlarge", "58.00", "", "eu-west-1", "euw1-az1"),
        _aws("p5.48xlarge", "170.00", "30.0", "sa-east-1", "sae1-az1"),    # 3x the median
        _aws("p4d.24xlarge", "21.96", "22.5", "us-east-1", "use1-az1"),    # only zone: spot > OD
    ]
    gcp = [
        ",,,tpu-v6e-8,1,tpu-v6e-8,us-east5,us-east5-b,21.6,8.0",
        ",,,tpu-v6e-8,1,tpu-v6e-8,asia-east1,asia-east1-c,700.0,700.0",    # placeholder row
        ",,,tpu-v6e-8,1,tpu-v6e-8,southamerica-west1,southamerica-west1-a,21.6,700.0",
        "a3-highgpu-8g,208.0,1872.0,,,,us-central1,us-central1-a,9.46006,2.88933",
        ",,,H100,8,,us-central1,us-central1-a,33.60609,23.9408",
        "a3-highgpu-8g,208.0,1872.0,,,,europe-west8,europe-west8-c,10.0,3.0",  # no GPU row
        "n2-standard-8,8.0,32.0,,,,us-central1,us-central1-a,0.0,0.0",     # zero, not bundled
    ]
    return _write(tmp_path, aws, gcp)


def _issues(built: object, check: str) -> list[tuple[str, str, str, str]]:
    frame = built.log.frame()  # type: ignore[attr-defined]
    rows = frame[frame["check"] == check]
    return list(zip(rows["instance_type"], rows["zone"], rows["detail"], rows["action"],
                    strict=True))


def test_each_bad_row_kind_is_caught_and_handled(bad: Path) -> None:
    built = build_catalog(bad, "hand-made", "2026-12-01")
    table = built.table.set_index(["cloud", "instance_type", "region"])
    assert built.log.counts() == {"missing-price": 3, "placeholder": 2, "duplicate": 2,
                                  "spot-above-on-demand": 2, "outlier": 1}
    assert _issues(built, "duplicate") == [
        ("p5.48xlarge", "use1-az1", "row listed more than once", "repeat dropped"),
        ("p5.48xlarge", "use1-az2", "listed again with different values (price 60.0, spot "
         "22.0)", "first listing kept, this one dropped")]
    assert [i[3] for i in _issues(built, "placeholder")] == [
        "row dropped", "spot price dropped, row kept"]
    assert sorted(i[2] for i in _issues(built, "missing-price")) == [
        "no H100 x8 accelerator price in this zone", "no on-demand price",
        "on-demand price 0"]
    assert {i[0] for i in _issues(built, "spot-above-on-demand")} == {
        "p5.48xlarge", "p4d.24xlarge"}

    use1 = table.loc[("aws", "p5.48xlarge", "us-east-1")]
    assert use1["price_usd_hr"] == 55.04                 # the conflicting repeat did not win
    assert use1["spot_usd_hr"] == 22.0                   # median of 21 and 23; 56 dropped
    assert use1["note"].startswith("spot: 1 of 3 zone prices dropped (above on-demand)")
    p4d = table.loc[("aws", "p4d.24xlarge", "us-east-1")]
    assert math.isnan(p4d["spot_usd_hr"]) and p4d["note"] == (
        "spot: dropped (above on-demand) in every zone")
    assert ("aws", "p5.48xlarge", "us-east-2") not in table.index
    outlier = table.loc[("aws", "p5.48xlarge", "sa-east-1")]
    assert outlier["price_usd_hr"] == 170.0 and outlier["note"].startswith(
        "outlier: on-demand 170 is 2.96x the median 57.5 over 4 regions")
    assert table.loc[("aws", "p5.48xlarge", "us-west-2")]["note"] == ""

    assert ("gcp", "tpu-v6e-8", "asia-east1") not in table.index
    sa = table.loc[("gcp", "tpu-v6e-8", "southamerica-west1")]
    assert sa["price_usd_hr"] == 21.6 and math.isnan(sa["spot_usd_hr"])
    a3 = table.loc[("gcp", "a3-highgpu-8g", "us-central1")]
    assert a3["price_usd_hr"] == pytest.approx(43.06615) and a3["accelerator"] == "H100"
    assert ("gcp", "a3-highgpu-8g", "europe-west8") not in table.index
    assert ("gcp", "n2-standard-8", "us-central1") not in table.index
    assert (built.table["spot_usd_hr"].dropna() <= built.table.loc[
        built.table["spot_usd_hr"].notna(), "price_usd_hr"]).all()
    assert (built.table["source"] == "hand-made").all()


def test_gcp_spot_above_on_demand_in_the_accelerator_row(tmp_path: Path) -> None:
    gcp = ["a2-ultragpu-1g,12.0,170.0,,,,us-central1,us-central1-a,0.5,0.2",
           ",,,A100-80GB,1,,us-central1,us-central1-a,1.8,2.2",
           "a2-ultragpu-1g,12.0,170.0,,,,us-central1,us-central1-b,0.5,0.2",
           ",,,A100-80GB,1,,us-central1,us-central1-b,1.8,0.9"]
    built = build_catalog(_write(tmp_path, [], gcp), "x", "2026-12-01")
    row = built.table.iloc[0]
    assert row["price_usd_hr"] == pytest.approx(2.3)
    assert row["spot_usd_hr"] == pytest.approx(1.1)      # zone b only
    assert "1 of 2 zone prices dropped" in row["note"]
    assert [i[0] for i in _issues(built, "spot-above-on-demand")] == ["A100-80GB x1"]


def test_no_shipped_row_has_spot_above_on_demand() -> None:
    table = pd.read_csv(PRICES_CSV)
    spot = table.dropna(subset=["spot_usd_hr"])
    assert len(spot) > 2000
    assert (spot["spot_usd_hr"] <= spot["price_usd_hr"]).all()
    assert (table["price_usd_hr"] > 0).all()
    assert table["source"].notna().all() and table["as_of"].notna().all()


def test_shipped_build_log_and_meta_agree() -> None:
    log = build_log()
    counts = log["check"].value_counts().to_dict()
    assert {k: v for k, v in catalog_meta()["checks"].items() if v} == counts  # type: ignore


@needs_v8
def test_p5_48xlarge_us_east_1_equals_the_snapshot_row() -> None:
    raw = pd.read_csv(V8 / "aws_vms_accel.csv")
    rows = raw[(raw["InstanceType"] == "p5.48xlarge") & (raw["Region"] == "us-east-1")]
    assert set(rows["Price"]) == {55.04}
    row = find_price("aws", "p5.48xlarge", "us-east-1")
    assert row is not None and row.price_usd_hr == 55.04
    assert row.spot_usd_hr == pytest.approx(rows["SpotPrice"].median())  # README: 21.1543
    assert row.source == "skypilot-catalog/v8" and row.as_of == "2026-12-01"


@needs_v8
def test_shipped_table_is_the_v8_build_and_counts_match_the_readme() -> None:
    built = build_catalog(V8, "skypilot-catalog/v8", "2026-12-01")
    shipped = pd.read_csv(PRICES_CSV, dtype={"note": str}).fillna({"note": ""})
    rebuilt = pd.read_csv(pd.io.common.StringIO(built.table.to_csv(
        index=False, float_format="%.10g")), dtype={"note": str}).fillna({"note": ""})
    pd.testing.assert_frame_equal(shipped, rebuilt)
    frame = built.log.frame()
    by = frame.groupby(["check", "cloud"]).size().to_dict()
    # The snapshot README's quirk list: 17 AWS rows without Price, 22 AWS rows with
    # SpotPrice > Price, 154 exact GCP repeats, 24 GCP rows with SpotPrice > Price of
    # which 8 are the 700.0 spot placeholders in southamerica-west1-a.
    assert by[("missing-price", "aws")] == 17
    assert by[("spot-above-on-demand", "aws")] == 22
    assert by[("duplicate", "gcp")] == 154
    assert by[("spot-above-on-demand", "gcp")] + 8 == 24
    placeholders = frame[frame["check"] == "placeholder"]
    assert (placeholders["action"] == "spot price dropped, row kept").sum() == 8
    assert set(placeholders["instance_type"].str.rsplit("-", n=1).str[0]) == {"tpu-v6e"}


def test_gcp_split_prices_are_flagged_not_dropped() -> None:
    row = find_price("gcp", "a3-highgpu-8g", "us-central1")
    assert row is not None and row.note.startswith("outlier: on-demand 43.0662 is 0.46x")
    dear = find_price("gcp", "a3-highgpu-8g", "europe-west4")
    assert dear is not None and dear.note == ""
