"""The `ailab preview` command and the CLI's start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from ailab import __version__
from ailab.cli import app

runner = CliRunner(env={"COLUMNS": "200"})  # piped output is $COLUMNS wide
HEAVY = ("pulumi_aws", "pulumi_gcp", "sky", "pulumi", "boto3", "google.cloud")


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"ailab {__version__}"


def test_preview_json_schema() -> None:
    result = runner.invoke(app, ["preview", "aws-h100-cluster", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["stack"] == "aws-h100-cluster"
    assert doc["resources"]
    names = {r["name"] for r in doc["resources"]}
    for res in doc["resources"]:
        assert set(res) >= {"type", "name", "parent", "inputs"}
        assert isinstance(res["inputs"], dict)
        assert res["parent"] is None or res["parent"] in names
    types = {r["type"] for r in doc["resources"]}
    assert {"aws:ec2/placementGroup:PlacementGroup", "ailab:aws:GpuCluster"} <= types


def test_preview_table_lists_key_settings() -> None:
    result = runner.invoke(app, ["preview", "aws-gpu-lab"])
    assert result.exit_code == 0, result.output
    for fragment in ("aws.ec2.Instance", "g6.xlarge", "spot", "IMDSv2", "gp3 500 GiB",
                     "encrypted", "STANDARD_IA@30d", "retained on delete"):
        assert fragment in result.output, fragment


def _cli(*args: str, stacks: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "ailab.cli.__main__", *args]
    if stacks is not None:
        cmd += ["--stacks-dir", str(stacks)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_unknown_stack_is_one_line(tmp_path: Path) -> None:
    proc = _cli("preview", "no-such-stack")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("error: stack 'no-such-stack' not found")
    assert "aws-gpu-lab" in lines[0]
    assert "Traceback" not in proc.stderr


def test_bad_config_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.broken.yaml"
    stack.write_text("config:\n  aws:region: us-east-1\n  ailab:owner: me\n"
                     "  ailab:instanceType: g6.xlarge\n  ailab:instanceCount: 0\n")
    before = stack.read_text()
    proc = _cli("preview", "broken", stacks=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: ailab:instanceCount: 0 is not valid; must be 1 or more"
    assert proc.stdout == ""
    assert stack.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Pulumi.broken.yaml"]


def test_help_does_not_import_heavy_sdks() -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "ailab.cli.__main__",
                           "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    for heavy in HEAVY:
        assert heavy not in imported, f"`ailab --help` imports {heavy}"
