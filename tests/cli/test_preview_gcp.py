"""`ailab preview` on a GCP stack: the same JSON schema and table as on AWS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from ailab.cli import app

runner = CliRunner(env={"COLUMNS": "200"})  # piped output is $COLUMNS wide


def test_preview_json_and_table_for_gcp() -> None:
    result = runner.invoke(app, ["preview", "gcp-a3-cluster", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["stack"], doc["cloud"], doc["region"]) == ("gcp-a3-cluster", "gcp",
                                                           "us-central1")
    types = {r["type"] for r in doc["resources"]}
    assert {"ailab:gcp:GpuCluster", "gcp:compute/resourcePolicy:ResourcePolicy",
            "gcp:compute/instance:Instance"} <= types
    table = runner.invoke(app, ["preview", "gcp-a3-cluster"], env={"COLUMNS": "240"})
    assert table.exit_code == 0, table.output
    assert "placement COLLOCATED" in table.output
    assert "a3-highgpu-8g, standard, 5 NICs gVNIC" in table.output


def test_bad_gcp_config_is_one_clean_error(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.bad.yaml").write_text(
        "config:\n  ailab:cloud: gcp\n  gcp:project: ailab-bad\n  gcp:region: us-central1\n"
        "  gcp:zone: us-central1-a\n  ailab:owner: me@example.com\n"
        "  ailab:tpuType: v5litepod-8\n  ailab:tpuTopology: 4x4\n")
    proc = subprocess.run([sys.executable, "-m", "ailab.cli.__main__", "preview", "bad",
                           "--stacks-dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert proc.stderr.strip() == ("error: ailab:tpuTopology: '4x4' is not valid; not a "
                                   "topology of v5litepod-8 (8 chips, 2D); e.g. 2x4")
