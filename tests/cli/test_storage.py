"""``ailab estimate storage``: JSON contract, chart, examples and one-line input errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.support import EXAMPLES

Cli = Callable[[list[str]], tuple[int, str, str]]


STORAGE_FILES = sorted((EXAMPLES / "storage").glob("*.yaml"))


@pytest.mark.parametrize("example", STORAGE_FILES, ids=lambda p: p.stem)
def test_examples_json_contract(example: Path, cli: Cli) -> None:
    code, out, err = cli(["estimate", "storage", str(example), "--json"])
    assert code == 0, err
    data = json.loads(out)
    months = yaml.safe_load(example.read_text())["months"]
    for pol in data["tierings"]:
        assert {"name", "total_usd", "monthly_usd"} <= set(pol)
        assert len(pol["monthly_usd"]) == months
        assert pol["total_usd"] == pytest.approx(sum(pol["monthly_usd"]), abs=0.01 * months)
    rec = data["recommended"]
    assert rec["total_usd"] == min(p["total_usd"] for p in data["tierings"])
    config = yaml.safe_load(rec["config_yaml"])["config"]
    assert config["ailab:bucketTiering"] in {"lifecycle", "intelligent-tiering", "autoclass",
                                             "none"}


def test_examples_cover_every_recommendation_kind(cli: Cli) -> None:
    kinds = set()
    for example in STORAGE_FILES:
        _, out, _ = cli(["estimate", "storage", str(example), "--json"])
        kinds.add(yaml.safe_load(json.loads(out)["recommended"]["config_yaml"])["config"][
            "ailab:bucketTiering"])
    assert {"none", "lifecycle"} <= kinds


def test_table_and_chart(tmp_path: Path, cli: Cli) -> None:
    chart = tmp_path / "storage.png"
    code, out, _ = cli(["estimate", "storage", str(STORAGE_FILES[0]), "--chart", str(chart)])
    assert code == 0
    assert "config:" in out and "ailab:bucketTiering" in out
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("patch,field", [
    ({"cloud": "azure"}, "cloud"),
    ({"months": 0}, "months"),
    ({"colour": "blue"}, "colour"),
    ({"access": [{"after_days": 30, "read_fraction": 0.1}]}, "<root>"),
    ({"access": [{"after_days": 0, "read_fraction": 1.5}]}, "access[0].read_fraction"),
    ({"lifecycles": [{"ia_days": 10}]}, "<root>"),
    ({"lifecycles": [{"nearline_days": 30}]}, "<root>"),
    ({"mean_object_kb": None}, "<root>"),
])
def test_bad_scenarios_fail_in_one_line(tmp_path: Path, patch: dict[str, object], field: str,
                                        cli: Cli) -> None:
    data = {"cloud": "aws", "region": "us-east-1", "months": 12, "objects": 1000,
            "mean_object_kb": 512, "access": [{"after_days": 0, "read_fraction": 1.0}]}
    data.update(patch)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    chart = tmp_path / "never.png"
    code, out, err = cli(["estimate", "storage", str(path), "--chart", str(chart)])
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}: {field}: ") and len(err.strip().splitlines()) == 1
    assert not chart.exists()


def test_unknown_region_lists_known(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({
        "cloud": "gcp", "region": "asia-east1", "months": 3, "objects": 10,
        "mean_object_kb": 512, "access": [{"after_days": 0, "read_fraction": 1.0}]}))
    code, _, err = cli(["estimate", "storage", str(path)])
    assert code == 2 and "europe-west4, us-central1" in err


def test_missing_file(tmp_path: Path, cli: Cli) -> None:
    code, _, err = cli(["estimate", "storage", str(tmp_path / "nope.yaml")])
    assert code == 2 and "cannot read" in err
