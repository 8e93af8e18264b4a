"""``ailab estimate serve``: JSON contract, chart, examples and one-line input errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support import EXAMPLES

Cli = Callable[[list[str]], tuple[int, str, str]]

SERVE_FILES = sorted((EXAMPLES / "serve").glob("*.yaml"))


@pytest.mark.parametrize("example", SERVE_FILES, ids=lambda p: p.stem)
def test_examples_json_contract(example: Path, cli: Cli) -> None:
    code, out, err = cli(["estimate", "serve", str(example), "--json"])
    assert code == 0, err
    data = json.loads(out)
    names = [p["name"] for p in data["policies"]]
    assert names == ["fixed-peak", "autoscaled", "autoscaled-spot"]
    for pol in data["policies"]:
        assert {"name", "replica_hours", "cost_usd", "overload_minutes"} <= set(pol)
    peak, auto, spot = data["policies"]
    assert auto["cost_usd"] < peak["cost_usd"] and spot["cost_usd"] < auto["cost_usd"]
    assert data["price"]["source"] and data["price"]["as_of"]
    assert set(data["timeline"]["replicas"]) == set(names)


def test_table_and_chart(tmp_path: Path, cli: Cli) -> None:
    chart = tmp_path / "serve.png"
    code, out, _ = cli(["estimate", "serve", str(SERVE_FILES[0]), "--chart", str(chart)])
    assert code == 0 and "autoscaled-spot" in out
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_csv_one_line(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "d.csv").write_text("requests_per_s\n1\n-3\n")
    path = tmp_path / "s.yaml"
    path.write_text("cloud: aws\nregion: us-east-1\ninstance_type: g6.xlarge\n"
                    "replica: {requests_per_s: 1}\ndemand: {csv: d.csv}\n")
    code, out, err = cli(["estimate", "serve", str(path), "--json"])
    assert code == 2 and out == ""
    assert err.splitlines()[0] == (f"error: {tmp_path / 'd.csv'}: line 3: requests_per_s: "
                                   "'-3' is not a number >= 0")


def test_no_spot_market_one_line(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("cloud: aws\nregion: us-east-1\ninstance_type: p5.4xlarge\n"
                    "replica: {requests_per_s: 1}\ndemand: {requests_per_s: [1]}\n"
                    "spot: {share: 0.5}\n")
    code, _, err = cli(["estimate", "serve", str(path)])
    assert code == 2 and "no spot market" in err and "hint: set spot.share: 0" in err


def test_unknown_field(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("cloud: aws\nregion: us-east-1\ninstance_type: g6.xlarge\n"
                    "replica: {requests_per_s: 1}\ndemand: {requests_per_s: [1]}\n"
                    "policy: {max_replica: 3}\n")
    code, _, err = cli(["estimate", "serve", str(path)])
    assert code == 2 and err.startswith(f"error: {path}: policy.max_replica: unknown field")
