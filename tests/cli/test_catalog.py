from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

import ailab.costs.catalog as catalog
from ailab.costs.catalog import load_prices, snapshot_date, staleness_warning
from tests.support import SHARED as SHARED_DIR

Cli = Callable[[list[str]], tuple[int, str, str]]

SHARED = SHARED_DIR / "data" / "catalog"


def test_show_json_filters(cli: Cli) -> None:
    code, out, _ = cli(["catalog", "show", "--gpu", "h100-80gb", "--cloud", "aws", "--json"])
    assert code == 0
    data = json.loads(out)
    assert data["meta"]["source"] and data["rows"]
    assert {r["cloud"] for r in data["rows"]} == {"aws"}
    assert {r["instance_type"] for r in data["rows"]} == {"p5.48xlarge"}
    assert all(r["source"] and r["as_of"] for r in data["rows"])


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


def test_staleness_warning() -> None:
    as_of = snapshot_date()
    assert staleness_warning(today=as_of + timedelta(days=30)) is None
    warning = staleness_warning(today=as_of + timedelta(days=45))
    assert warning is not None and "45 days old" in warning and "ailab catalog refresh" in warning


def test_stale_snapshot_warns_on_stderr(monkeypatch: pytest.MonkeyPatch, cli: Cli) -> None:
    later = snapshot_date() + timedelta(days=40)

    class Later(date):
        @classmethod
        def today(cls) -> Later:
            return cls(later.year, later.month, later.day)

    monkeypatch.setattr(catalog, "date", Later)
    code, out, err = cli(["catalog", "show", "--gpu", "L4", "--json"])
    assert code == 0 and json.loads(out)["rows"]
    assert "warning: price snapshot is 40 days old" in err
    code, _, err = cli(["estimate", "train", "--params", "1e9", "--tokens", "1e10", "--gpu",
                        "L4", "--gpus", "8", "--json"])
    assert code == 0 and "40 days old" in err


def test_live_refresh_offline_is_one_clear_line(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "prices.csv"
    code, out, err = cli(["catalog", "refresh", "--output", str(target)])
    assert code == 2 and out == ""
    first = err.splitlines()[0]
    assert first.startswith("error: live price sources unreachable (AWS Price List:")
    assert "--from-dir" in err
    assert not target.exists()


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared SkyPilot catalog snapshot not present")
def test_refresh_from_dir_rebuilds_the_embedded_table(tmp_path: Path, cli: Cli) -> None:
    target = tmp_path / "prices.csv"
    code, out, _ = cli(["catalog", "refresh", "--from-dir", str(SHARED), "--output",
                        str(target), "--source", "skypilot-catalog/v7", "--as-of",
                        "2026-11-25", "--json"])
    assert code == 0
    summary = json.loads(out)
    assert set(summary["clouds"]) == {"aws", "gcp", "lambda", "nebius"}
    rebuilt = pd.read_csv(target)
    embedded = load_prices()
    assert len(rebuilt) == len(embedded) == summary["rows"]
    keys = ["cloud", "instance_type", "region"]
    merged = rebuilt.merge(embedded, on=keys, suffixes=("_new", "_old"))
    assert len(merged) == len(embedded)
    assert (merged["price_usd_hr_new"] - merged["price_usd_hr_old"]).abs().max() < 1e-3
    meta = json.loads((tmp_path / "prices.meta.json").read_text())
    assert meta["source"] == "skypilot-catalog/v7" and meta["as_of"] == "2026-11-25"


def test_refresh_from_missing_dir(tmp_path: Path, cli: Cli) -> None:
    code, _, err = cli(["catalog", "refresh", "--from-dir", str(tmp_path / "nope"),
                        "--output", str(tmp_path / "p.csv")])
    assert code == 2 and "is not a directory" in err
    (tmp_path / "empty").mkdir()
    code, _, err = cli(["catalog", "refresh", "--from-dir", str(tmp_path / "empty"),
                        "--output", str(tmp_path / "p.csv")])
    assert code == 2 and "no SkyPilot catalog files" in err
    assert not (tmp_path / "p.csv").exists()
