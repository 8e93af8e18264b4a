from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from ailab.costs import freshness
from ailab.costs.catalog import DATA_DIR_ENV, PRICES_CSV, load_prices, snapshot_date
from tests.support import SHARED as SHARED_DIR

Cli = Callable[[list[str]], tuple[int, str, str]]

V8 = SHARED_DIR / "data" / "catalog-v8"


@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user data directory for this test (refreshed tables land here)."""
    path = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(path))
    return path


def _clock(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr(freshness, "today", lambda: day)


def test_show_json_filters_and_carries_the_table_date(cli: Cli) -> None:
    code, out, _ = cli(["catalog", "show", "--gpu", "h100-80gb", "--cloud", "aws", "--json"])
    assert code == 0
    data = json.loads(out)
    assert data["meta"]["source"] and data["rows"]
    assert {r["cloud"] for r in data["rows"]} == {"aws"}
    assert {r["instance_type"] for r in data["rows"]} >= {"p5.48xlarge", "p5.4xlarge"}
    assert all(r["source"] and r["as_of"] for r in data["rows"])
    tables = {t["table"]: t for t in data["price_tables"]}
    assert tables["gpu-catalog"]["as_of"] == snapshot_date().isoformat()


def test_show_names_the_real_part(cli: Cli) -> None:
    """Lambda's gpu_1x_h100_pcie is an H100 PCIe (756 dense TFLOP/s, no NVLink), though
    the price catalog calls it H100: it is listed under H100-PCIe, never as H100."""
    code, out, _ = cli(["catalog", "show", "--gpu", "H100", "--cloud", "lambda", "--json"])
    assert code == 0
    h100 = {r["instance_type"] for r in json.loads(out)["rows"]}
    assert "gpu_8x_h100_sxm5" in h100 and not any("pcie" in t for t in h100)
    code, out, _ = cli(["catalog", "show", "--gpu", "H100-PCIe", "--json"])
    assert code == 0
    assert {r["instance_type"] for r in json.loads(out)["rows"]} == {"gpu_1x_h100_pcie"}


def test_show_table_and_errors(cli: Cli) -> None:
    code, out, _ = cli(["catalog", "show", "--gpu", "TPU-v6e", "--limit", "3"])
    assert code == 0 and "tpu-v6e" in out and "source:" in out
    code, out, err = cli(["catalog", "show", "--gpu", "Z100"])
    assert code == 2 and "known: A100-40GB" in err
    code, out, err = cli(["catalog", "show", "--cloud", "azure"])
    assert code == 2 and "--cloud: unknown cloud 'azure'" in err
    code, out, _ = cli(["catalog", "accelerators", "--json"])
    names = {a["name"] for a in json.loads(out)["accelerators"]}
    assert code == 0 and names >= {"H100", "TPU-v5e", "Trainium"}


def test_catalog_warning_after_30_days() -> None:
    table = next(t for t in freshness.tables() if t.key == "gpu-catalog")
    as_of = snapshot_date()
    assert freshness.warning(table, as_of + timedelta(days=30)) is None
    line = freshness.warning(table, as_of + timedelta(days=45))
    assert line is not None and "45 days old" in line and "ailab catalog refresh" in line


def test_stale_catalog_warns_once_on_stderr(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    _clock(monkeypatch, snapshot_date() + timedelta(days=40))
    code, out, err = cli(["catalog", "show", "--gpu", "L4", "--json"])
    assert code == 0 and json.loads(out)["price_tables"][0]["stale"] is True
    assert err.splitlines() == [
        f"warning: the GPU/VM price catalog table is 40 days old (as of "
        f"{snapshot_date().isoformat()}); run `ailab catalog refresh` (AWS/GCP price APIs) or "
        "`ailab catalog refresh --from-dir DIR` with a SkyPilot catalog checkout"]
    code, _, err = cli(["estimate", "train", "--params", "1e9", "--tokens", "1e10", "--gpu",
                        "L4", "--gpus", "8", "--json"])
    assert code == 0 and sum("GPU/VM price catalog table is 40 days old" in ln
                             for ln in err.splitlines()) == 1


def test_fresh_catalog_prints_no_warning(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    _clock(monkeypatch, snapshot_date() + timedelta(days=3))
    code, _, err = cli(["catalog", "show", "--gpu", "L4"])
    assert code == 0 and "warning" not in err


def test_show_issues_lists_the_build_log(cli: Cli) -> None:
    code, out, _ = cli(["catalog", "show", "--issues", "--json"])
    assert code == 0
    data = json.loads(out)
    assert data["counts"] == {k: v for k, v in data["meta"]["checks"].items() if v}
    code, out, _ = cli(["catalog", "show", "--issues", "--cloud", "gcp", "--region",
                        "us-central1", "--gpu", "a3-highgpu-8g", "--json"])
    found = json.loads(out)["issues"]
    assert [(i["check"], i["action"]) for i in found] == [("outlier", "kept with a note")]
    code, out, _ = cli(["catalog", "show", "--issues", "--limit", "5"])
    assert code == 0 and "catalog issues" in out and "duplicate" in out


def test_live_refresh_offline_is_one_clear_line(user_dir: Path, cli: Cli) -> None:
    code, out, err = cli(["catalog", "refresh", "--cloud", "aws"])
    assert code == 2 and out == ""
    assert err.splitlines()[0].startswith("error: live price sources unreachable (AWS Price "
                                          "List:")
    assert "--from-dir" in err and len(err.splitlines()) == 2
    code, out, err = cli(["catalog", "refresh", "--cloud", "gcp"])
    assert code == 2 and out == ""
    assert err.splitlines()[0].startswith("error: live price sources unreachable (GCP Cloud "
                                          "Billing Catalog:")
    assert not user_dir.exists()
    code, _, err = cli(["catalog", "refresh", "--cloud", "azure"])
    assert code == 2 and "--cloud: unknown source 'azure'" in err


@pytest.mark.skipif(not V8.is_dir(), reason="shared SkyPilot v8 catalog snapshot not present")
def test_refresh_from_dir_goes_to_the_user_directory_and_takes_over(
        user_dir: Path, cli: Cli) -> None:
    code, out, _ = cli(["catalog", "refresh", "--from-dir", str(V8), "--source",
                        "skypilot-catalog/v8", "--as-of", "2026-12-01", "--json"])
    assert code == 0
    summary = json.loads(out)
    assert summary["output"] == str(user_dir / "prices.csv")
    assert set(summary["clouds"]) == {"aws", "gcp", "lambda", "nebius"}
    assert summary["checks"]["duplicate"] == 154
    rebuilt = pd.read_csv(user_dir / "prices.csv", dtype={"note": str})
    shipped = pd.read_csv(PRICES_CSV, dtype={"note": str})
    pd.testing.assert_frame_equal(rebuilt, shipped)
    assert (user_dir / "prices.build-log.csv").is_file()
    assert json.loads((user_dir / "prices.meta.json").read_text())["source"] == (
        "skypilot-catalog/v8")
    assert not PRICES_CSV.with_name("prices.csv.tmp").exists()
    # The user table now answers: relabel it and see the label in `catalog show`.
    rebuilt["source"] = "refreshed-by-user"
    rebuilt.to_csv(user_dir / "prices.csv", index=False)
    from ailab.costs.catalog import clear_cache

    clear_cache()
    code, out, _ = cli(["catalog", "show", "--gpu", "L4", "--cloud", "gcp", "--json"])
    assert {r["source"] for r in json.loads(out)["rows"]} == {"refreshed-by-user"}
    clear_cache()
    assert set(load_prices(PRICES_CSV)["source"]) == {"skypilot-catalog/v8"}


def test_refresh_from_missing_dir(tmp_path: Path, user_dir: Path, cli: Cli) -> None:
    code, _, err = cli(["catalog", "refresh", "--from-dir", str(tmp_path / "nope")])
    assert code == 2 and "--from-dir: " in err and "is not a directory" in err
    (tmp_path / "empty").mkdir()
    code, _, err = cli(["catalog", "refresh", "--from-dir", str(tmp_path / "empty"),
                        "--output", str(tmp_path / "p.csv")])
    assert code == 2 and "no SkyPilot catalog files" in err
    assert not (tmp_path / "p.csv").exists() and not user_dir.exists()
