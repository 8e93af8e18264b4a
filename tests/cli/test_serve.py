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
    assert names[:2] == ["fixed-peak", "autoscaled"]
    for pol in data["policies"]:
        assert {"name", "replica_hours", "cost_usd", "overload_minutes"} <= set(pol)
    peak, auto = data["policies"][:2]
    assert auto["cost_usd"] <= peak["cost_usd"]
    if "autoscaled-spot" in names:
        assert data["policies"][2]["cost_usd"] < auto["cost_usd"] < peak["cost_usd"]
    assert data["price"]["source"] and data["price"]["as_of"]
    assert set(data["timeline"]["replicas"]) == set(names)
    assert data["replica"]["source"] in ("given", "table", "calibration")
    assert data["replica"]["requests_per_s"] > 0
    for option in data["serverless"]:
        assert option["priced"] or option["reason"]
    priced = {o["platform"] for o in data["serverless"] if o["priced"]}
    assert {b["platform"] for b in data["break_even"]} == priced
    assert data["recommendation"]["name"] in names + [f"serverless:{p}" for p in priced]
    policy = data["skyserve_replica_policy"]
    assert policy["target_qps_per_replica"] == pytest.approx(
        data["replica"]["requests_per_s"] * _util(example), rel=1e-3)


def _util(example: Path) -> float:
    import yaml

    return float(yaml.safe_load(example.read_text())["autoscaling"]["target_utilization"])


def test_break_even_of_the_shipped_examples(cli: Cli) -> None:
    """The figures the README quotes: serverless against replicas for each example."""
    found = {}
    for example in SERVE_FILES:
        data = json.loads(cli(["estimate", "serve", str(example), "--json"])[1])
        found[example.stem] = {b["platform"]: b for b in data["break_even"]}
    tiny = found["tiny-onnx-cpu"]
    assert tiny["lambda"]["serverless_cheaper_below"] and tiny["lambda"]["scale"] > 1
    assert tiny["sagemaker-serverless"]["scale"] is None  # cheaper over the whole range
    chat = found["chat-l4-cloudrun"]["cloud-run-gpu"]
    assert chat["serverless_cheaper_below"] and chat["scale"] < 1  # replicas win here
    assert found["chat-l4-diurnal"] == {} and found["vision-triton-a100"] == {}


def test_serverless_rows_in_the_table(cli: Cli) -> None:
    code, out, _ = cli(["estimate", "serve", str(EXAMPLES / "serve" / "tiny-onnx-cpu.yaml")])
    assert code == 0 and "serverless:lambda *" in out and "recommendation:" in out
    assert "scaled linearly" in out  # the calibration's vCPU scaling is flagged


def test_table_refusal_names_the_scenario_field(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("cloud: aws\nregion: us-east-1\ninstance_type: g5.xlarge\n"
                    "replica: {variant: vllm, model_class: llm-8b}\n"
                    "demand: {requests_per_s: [1]}\n")
    code, out, err = cli(["estimate", "serve", str(path), "--json"])
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}: replica: the throughput table has no row for vllm, "
                          "llm-8b on 1x A10G")
    assert "hint: measure it" in err


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
