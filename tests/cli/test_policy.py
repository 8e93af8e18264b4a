"""``ailab policy list`` and ``ailab preview STACK --policy``."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from ailab.cli import app
from ailab.core.errors import AilabError, PolicyViolationError
from ailab.guardrails.rule import load_rules
from ailab.infra.stacks import stack_path

runner = CliRunner(env={"COLUMNS": "200"})  # piped output is $COLUMNS wide


def test_policy_list_json() -> None:
    result = runner.invoke(app, ["policy", "list", "--json"])
    assert result.exit_code == 0, result.output
    rules = json.loads(result.stdout)["rules"]
    assert {r["id"] for r in rules} == set(load_rules())
    assert all(r["severity"] and r["enforcement"] and r["remediation"] for r in rules)


def test_policy_list_table_and_category() -> None:
    result = runner.invoke(app, ["policy", "list", "--category", "network"])
    assert result.exit_code == 0
    assert "no-admin-ports-from-internet" in result.stdout
    assert "ebs-encrypted" not in result.stdout
    bad = runner.invoke(app, ["policy", "list", "--category", "nope"])
    assert isinstance(bad.exception, AilabError)
    assert "valid: data, finops, network, security" in str(bad.exception)


def test_preview_policy_passes_a_shipped_stack() -> None:
    result = runner.invoke(app, ["preview", "aws-gpu-lab", "--policy", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["policy"] == {"violations": 0, "mandatory": 0, "advisory": 0, "passed": True,
                             "results": []}
    table = runner.invoke(app, ["preview", "aws-spot-pool", "--policy"])
    assert table.exit_code == 0
    assert "passes every guardrail" in table.stdout


def _bad_stack(tmp_path: Path) -> Path:
    doc = yaml.safe_load(stack_path("aws-gpu-lab").read_text())
    doc["config"].update({"ailab:autoStopMinutes": 0, "ailab:retainOnDelete": False,
                          "ailab:spot": False})
    (tmp_path / "Pulumi.bad-lab.yaml").write_text(yaml.safe_dump(doc))
    return tmp_path


def test_preview_policy_lists_violations_and_exits_1(tmp_path: Path) -> None:
    stacks = _bad_stack(tmp_path)
    result = runner.invoke(app, ["preview", "bad-lab", "--stacks-dir", str(stacks), "--policy",
                                 "--json"])
    assert isinstance(result.exception, PolicyViolationError)
    assert result.exception.exit_code == 1
    doc = json.loads(result.stdout)
    fired = {(v["rule"], v["resource_name"]) for v in doc["policy"]["results"]}
    assert ("gpu-auto-stop", "bad-lab-gpu-0") in fired
    assert ("spot-required", "bad-lab-gpu-0") in fired
    assert ("data-retained-on-delete", "bad-lab-data-bucket") in fired
    assert doc["policy"]["passed"] is False
    assert "mandatory guardrail violation" in str(result.exception)
    table = runner.invoke(app, ["preview", "bad-lab", "--stacks-dir", str(stacks), "--policy"])
    assert isinstance(table.exception, PolicyViolationError)
    assert "gpu-auto-stop" in table.stdout and "remediation" in table.stdout


def test_preview_without_policy_is_unchanged(tmp_path: Path) -> None:
    stacks = _bad_stack(tmp_path)
    result = runner.invoke(app, ["preview", "bad-lab", "--stacks-dir", str(stacks), "--json"])
    assert result.exit_code == 0
    assert "policy" not in json.loads(result.stdout)
