"""`ailab preview --cost`, `ailab diff` and `ailab cost --from-pulumi-preview`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ailab.cli import app
from ailab.core.errors import InputFileError
from tests.conftest import Cli
from tests.support import ROOT, STACKS

runner = CliRunner(env={"COLUMNS": "200"})  # piped output is $COLUMNS wide
FIXTURES = ROOT / "tests" / "costs" / "stack_pricing" / "fixtures"


def test_preview_cost_json_adds_cost_objects_and_totals() -> None:
    result = runner.invoke(app, ["preview", "aws-gpu-lab", "--cost", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    priced = [r for r in doc["resources"] if r["custom"]]
    assert all("cost" in r for r in priced)
    total = sum(r["cost"]["monthly_usd"] or 0 for r in priced)
    assert doc["total_monthly_usd"] == pytest.approx(total, abs=1e-3)
    assert doc["counts"]["usage"] == 2 and doc["complete"] is False
    node = next(r for r in priced if r["name"] == "aws-gpu-lab-gpu-0")["cost"]
    assert node["parts"][0]["source"] and node["parts"][0]["as_of"]


def test_preview_markdown_is_a_pr_table() -> None:
    result = runner.invoke(app, ["preview", "aws-h100-cluster", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "| Resource | Type | Monthly | How |" in result.output
    assert "`aws-h100-cluster-cluster-node-0`" in result.output
    assert "depends on usage" in result.output and "**total $" in result.output


def _stack_copy(tmp_path: Path, name: str, nodes: int) -> None:
    text = (STACKS / "Pulumi.aws-h100-cluster.yaml").read_text()
    assert "ailab:clusterNodes: 2" in text
    (tmp_path / f"Pulumi.{name}.yaml").write_text(
        text.replace("ailab:clusterNodes: 2", f"ailab:clusterNodes: {nodes}"))


def test_diff_command_on_two_configs(tmp_path: Path) -> None:
    _stack_copy(tmp_path, "two", 2)
    _stack_copy(tmp_path, "four", 4)
    result = runner.invoke(app, ["diff", "two", "four", "--stacks-dir", str(tmp_path),
                                 "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    added = {r["name"]: r for r in doc["resources"]}
    assert set(added) == {"four-cluster-node-2", "four-cluster-node-3", "four-autostop-2",
                          "four-autostop-3"}
    assert all(r["change"] == "added" for r in added.values())
    assert doc["total_delta_monthly_usd"] == pytest.approx(
        sum(r["delta_monthly_usd"] for r in added.values()), abs=1e-3)


def test_compare_to_baseline(tmp_path: Path) -> None:
    _stack_copy(tmp_path, "lab", 2)
    base = runner.invoke(app, ["preview", "lab", "--stacks-dir", str(tmp_path), "--cost",
                               "--json"])
    (tmp_path / "base.json").write_text(base.stdout)
    _stack_copy(tmp_path, "lab", 3)
    result = runner.invoke(app, ["preview", "lab", "--stacks-dir", str(tmp_path), "--json",
                                 "--compare-to", str(tmp_path / "base.json")])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    node = next(r for r in doc["resources"] if r["name"] == "lab-cluster-node-2")["cost"]
    alarm = next(r for r in doc["resources"] if r["name"] == "lab-autostop-2")["cost"]
    assert doc["cost_diff"]["total_delta_monthly_usd"] == pytest.approx(
        node["monthly_usd"] + alarm["monthly_usd"], abs=1e-3)
    table = runner.invoke(app, ["preview", "lab", "--stacks-dir", str(tmp_path),
                                "--compare-to", str(tmp_path / "base.json")])
    assert "cost change: lab -> lab" in table.output and "added" in table.output


def test_bad_baseline_and_usage_are_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "base.json"
    bad.write_text(json.dumps({"stack": "x", "resources": []}))
    result = runner.invoke(app, ["preview", "aws-gpu-lab", "--compare-to", str(bad)])
    assert isinstance(result.exception, InputFileError)
    assert result.exception.file_field == "total_monthly_usd"
    usage = tmp_path / "u.yaml"
    usage.write_text("aws-gpu-lab-gpu-0:\n  stored_gb: 3\n")
    result = runner.invoke(app, ["preview", "aws-gpu-lab", "--usage", str(usage)])
    assert isinstance(result.exception, InputFileError)
    assert result.exception.file_field == "aws-gpu-lab-gpu-0.stored_gb"


def test_errors_print_one_line_via_main(tmp_path: Path) -> None:
    import subprocess
    import sys

    usage = tmp_path / "u.yaml"
    usage.write_text("aws-gpu-lab-gpu-0:\n  hours: 3\n")
    proc = subprocess.run([sys.executable, "-m", "ailab.cli.__main__", "preview", "aws-gpu-lab",
                           "--usage", str(usage)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0].startswith(f"error: {usage}: aws-gpu-lab-gpu-0.hours: "
                                                  "unknown field")
    assert "Traceback" not in proc.stderr


def test_cost_from_pulumi_preview() -> None:
    result = runner.invoke(app, ["cost", "breakdown", "--from-pulumi-preview",
                                 str(FIXTURES / "pulumi-preview-update.json"), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "cost-breakdown" and doc["stack_count"] == 1
    stack = doc["stacks"][0]
    ops = {r["name"]: r["op"] for r in stack["resources"]}
    assert ops["box-node"] == "update" and "box-scratch" not in ops
    assert {r["name"] for r in stack["cost_diff"]["resources"]} == {"box-node", "box-scratch",
                                                                    "box-home"}
    assert doc["total_monthly_usd"] == pytest.approx(stack["total_monthly_usd"])
    table = runner.invoke(app, ["cost", "breakdown", "--from-pulumi-preview",
                                str(FIXTURES / "pulumi-preview-create.json")])
    assert table.exit_code == 0 and "unpriced" in table.output and "create" in table.output


def test_the_old_cost_spelling_still_works_with_a_warning(cli: Cli) -> None:
    code, out, err = cli(["cost", "--from-pulumi-preview",
                          str(FIXTURES / "pulumi-preview-update.json"), "--json"])
    assert code == 0 and json.loads(out)["stacks"][0]["stack"]
    assert "deprecated; use `ailab cost breakdown --from-pulumi-preview`" in err


def test_cost_prints_one_warning_per_stale_table_and_json_carries_dates(
        cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from ailab.costs import freshness

    monkeypatch.setattr(freshness, "today", lambda: date(2026, 12, 10))
    code, out, err = cli(["preview", "aws-gpu-lab", "--cost", "--json"])
    assert code == 0
    tables = {t["table"]: t for t in json.loads(out)["price_tables"]}
    assert set(tables) == {"gpu-catalog", "storage-prices", "stack-service-prices"}
    assert tables["gpu-catalog"]["stale"] is False and tables["storage-prices"]["stale"] is True
    lines = sorted(err.splitlines(), key=lambda ln: "storage" not in ln)
    assert len(lines) == 2 and all(ln.startswith("warning: the ") for ln in lines)
    assert "storage and data-transfer price table is 557 days old (as of 2025-06-01)" in lines[0]
    assert "costs/data/storage_prices.csv" in lines[0]
    assert "stack service price table" in lines[1] and "stack_prices.csv" in lines[1]


def test_cost_from_a_preview_with_unknown_and_invalid_values(cli: Any) -> None:
    code, out, _ = cli(["cost", "breakdown", "--from-pulumi-preview",
                        str(FIXTURES / "pulumi-preview-unknowns.json"), "--json"])
    assert code == 0
    doc = json.loads(out)["stacks"][0]
    costs = {r["name"]: r["cost"] for r in doc["resources"] if "cost" in r}
    assert costs["negative"]["status"] == "unpriced"
    assert costs["negative"]["monthly_usd"] is None
    assert costs["negative"]["reason"] == "size: -100 is negative; it must be >= 0"
    assert costs["unknown-type"]["reason"].startswith("instanceType is not known until")
    assert doc["counts"]["unpriced"] == 8 and doc["total_monthly_usd"] > 0
    code, out, _ = cli(["cost", "breakdown", "--from-pulumi-preview",
                        str(FIXTURES / "pulumi-preview-unknowns.json"), "--all"])
    assert code == 0 and "size: 'big' is not a number" in " ".join(out.split())
