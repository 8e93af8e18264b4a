"""The GCP lab dashboard, parsed into the Monitoring API's own message type, and the
Ops Agent configuration the GPU VMs' start-up script writes (validated by the
agent's documented rules, and run under bash with fakes)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ailab.core import gpu_metrics, tokens
from ailab.infra.contract.dashboards import gcp_dashboard_problems
from ailab.infra.contract.gcp_shapes import check_gcp
from ailab.infra.gcp import ops_agent
from ailab.infra.gcp.machine import startup_script

GCP_STACKS = ["gcp-tpu-lab", "gcp-gpu-lab", "gcp-a3-cluster"]
BASH = shutil.which("bash")


def _document(inv: Any) -> dict[str, Any]:
    boards = inv.by_type(tokens.GCP_MONITORING_DASHBOARD)
    assert len(boards) == 1
    return json.loads(boards[0].inputs["dashboardJson"])


def _filters(doc: dict[str, Any]) -> list[str]:
    return [d["timeSeriesQuery"]["timeSeriesFilter"]["filter"]
            for t in doc["mosaicLayout"]["tiles"]
            for d in t["widget"].get("xyChart", {}).get("dataSets", [])]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_every_gcp_stack_declares_a_dashboard_the_api_would_accept(preview: Any,
                                                                   stack: str) -> None:
    inv = preview(stack)
    board = inv.by_type(tokens.GCP_MONITORING_DASHBOARD)[0]
    assert gcp_dashboard_problems(board.inputs["dashboardJson"]) == []
    doc = _document(inv)
    assert doc["displayName"] == f"ailab {stack}" and doc["mosaicLayout"]["columns"] == 48
    assert board.inputs["project"] == inv.by_type(tokens.PROVIDER_GCP)[0].inputs["project"]
    apis = {s.inputs["service"] for s in inv.by_type(tokens.GCP_PROJECTS_SERVICE)}
    assert "monitoring.googleapis.com" in apis


def test_the_gpu_stack_selects_its_vms_by_the_stack_label(preview: Any) -> None:
    doc = _document(preview("gcp-a3-cluster"))
    filters = _filters(doc)
    mine = 'metadata.user_labels."ailab-stack"="gcp-a3-cluster"'
    gpu = [f for f in filters if gpu_metrics.GCP_GPU_UTILIZATION in f
           or gpu_metrics.GCP_GPU_MEMORY_USED in f]
    assert len(gpu) == 3 and all(mine in f for f in gpu)
    assert any('memory_state="used"' in f for f in gpu)
    assert any("compute.googleapis.com/instance/cpu/utilization" in f for f in filters)
    assert any("cloudsql.googleapis.com" in f for f in filters)   # the tracking database
    assert any("run.googleapis.com/request_count" in f for f in filters)


def test_the_tpu_lab_shows_its_slices_duty_cycle_and_no_gpu_charts(preview: Any) -> None:
    doc = _document(preview("gcp-tpu-lab"))
    filters = " ".join(_filters(doc))
    assert "tpu.googleapis.com/accelerator/duty_cycle" in filters
    assert 'resource.labels.node_id="gcp-tpu-lab-tpu-0"' in filters
    assert "agent.googleapis.com/gpu" not in filters


def test_the_lab_dashboard_shows_filestore_the_watchdog_and_the_budget(preview: Any) -> None:
    inv = preview("gcp-gpu-lab")
    doc = _document(inv)
    widgets = [t["widget"] for t in doc["mosaicLayout"]["tiles"]]
    filestore = inv.by_type(tokens.GCP_FILESTORE_INSTANCE)[0].outputs["name"]
    assert any(f'instance_name="{filestore}"' in f for f in _filters(doc))
    logs = [w["logsPanel"] for w in widgets if "logsPanel" in w]
    assert logs and 'textPayload:"ailab-idle-watchdog"' in logs[0]["filter"]
    text = " ".join(w["text"]["content"] for w in widgets if "text" in w)
    assert "$300 per month" in text or "per month" in text
    assert "ailab usage gcp-gpu-lab" in text and "Instance schedule" in text
    assert "get-guest-attributes" in text


def test_the_opt_out_key_removes_the_dashboard(preview: Any) -> None:
    inv = preview("gcp-tpu-lab", {"ailab:dashboard": False})
    assert not inv.by_type(tokens.GCP_MONITORING_DASHBOARD)


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda d: d["mosaicLayout"]["tiles"][1]["widget"]["xyChart"].update(kind="LINE"),
     'has no field named "kind"'),
    (lambda d: d["mosaicLayout"]["tiles"][1].update(width="wide"), "Failed to parse"),
    (lambda d: d["mosaicLayout"]["tiles"][1].update(xPos=40), "overflows 48 columns"),
    (lambda d: d["mosaicLayout"]["tiles"][1]["widget"].pop("title"), "needs a title"),
    (lambda d: d.pop("displayName"), "needs a displayName"),
    (lambda d: d["mosaicLayout"]["tiles"][1]["widget"]["xyChart"]["dataSets"][0][
        "timeSeriesQuery"]["timeSeriesFilter"]["aggregation"].update(
            perSeriesAligner="ALIGN_AVERAGE"), "ALIGN_AVERAGE"),
])
def test_the_proto_rejects_what_the_api_would(preview: Any, edit: Any, problem: str) -> None:
    doc = copy.deepcopy(_document(preview("gcp-a3-cluster")))
    edit(doc)
    found = gcp_dashboard_problems(json.dumps(doc))
    assert any(problem in p for p in found), found


def test_a_changed_dashboard_is_caught_by_the_contract_layer(preview: Any) -> None:
    inv = copy.deepcopy(preview("gcp-gpu-lab"))
    board = inv.by_type(tokens.GCP_MONITORING_DASHBOARD)[0]
    board.inputs["dashboardJson"] = json.dumps({"displayName": "x", "gridLayout": {
        "columns": "three"}})
    assert any(p.resource == board.name for p in check_gcp(inv)[1])


# The Ops Agent ----------------------------------------------------------------------


def _excluded(patterns: list[str], metric: str) -> bool:
    """The agent's own matching (apps/metric_processors.go): '*' is any run of characters,
    anchored at both ends."""
    import re

    return any(re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), metric)
               for pattern in patterns)


def test_the_agent_config_passes_the_agents_validation_and_keeps_the_gpu_series() -> None:
    config = ops_agent.agent_config()
    processor = config["metrics"]["processors"]["metrics_filter"]
    patterns = processor["metrics_pattern"]
    assert processor["type"] == "exclude_metrics"
    assert all(p.startswith("agent.googleapis.com/") and p.endswith("/*") for p in patterns)
    assert not _excluded(patterns, gpu_metrics.GCP_GPU_UTILIZATION)
    assert not _excluded(patterns, gpu_metrics.GCP_GPU_MEMORY_USED)
    # The NVML pipeline stays unless all four GPU metrics are excluded (hostmetrics.go).
    nvml = [gpu_metrics.GCP_GPU_UTILIZATION, gpu_metrics.GCP_GPU_MEMORY_USED,
            "agent.googleapis.com/gpu/processes/utilization",
            "agent.googleapis.com/gpu/processes/max_bytes_used"]
    assert not all(_excluded(patterns, m) for m in nvml)
    for dropped in ("agent.googleapis.com/cpu/utilization", "agent.googleapis.com/memory/"
                    "bytes_used", "agent.googleapis.com/gpu/processes/utilization"):
        assert _excluded(patterns, dropped)


@pytest.mark.parametrize("stack", ["gcp-gpu-lab", "gcp-a3-cluster"])
def test_gpu_vms_install_the_agent_and_tpus_do_not(preview: Any, stack: str) -> None:
    inv = preview(stack)
    for vm in inv.by_type(tokens.GCP_COMPUTE_INSTANCE):
        script = vm.inputs["metadata"]["startup-script"]
        assert ops_agent.config_from_script(script) == ops_agent.agent_config()
        assert gpu_metrics.gcp_ops_agent_installed(script)
    tpu = json.dumps([r.inputs for r in preview("gcp-tpu-lab").resources])
    assert gpu_metrics.GCP_CONFIG_MARKER not in tpu


def _run(tmp_path: Path, installed: bool, curl_ok: bool = True) -> tuple[int, str, Path]:
    script = startup_script(None, None, False, gpu_metrics=True).replace(
        "/etc/google-cloud-ops-agent", f"{tmp_path}/etc/google-cloud-ops-agent").replace(
        "/tmp/add-google-cloud-ops-agent-repo.sh", f"{tmp_path}/repo.sh")
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    fakes = {"systemctl": f'echo "systemctl $*" >> {log}\n'
                          f'[ "$1" != cat ] || [ {int(installed)} = 1 ]',
             "curl": f'echo "curl $*" >> {log}\n[ {int(curl_ok)} = 1 ] && '
                     f'echo "echo repo-script \\$* >> {log}" > {tmp_path}/repo.sh'}
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    path = tmp_path / "startup.sh"
    path.write_text(script + "echo 'after the agent' >> " + str(log) + "\n")
    done = subprocess.run([str(BASH), str(path)], env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)
    return done.returncode, log.read_text() if log.exists() else "", tmp_path


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_the_agent_is_installed_configured_and_restarted(tmp_path: Path) -> None:
    code, calls, root = _run(tmp_path, installed=False)
    assert code == 0
    assert f"curl -fsSL -o {root}/repo.sh {ops_agent.REPO_SCRIPT}" in calls
    assert "repo-script --also-install" in calls
    assert "systemctl restart google-cloud-ops-agent" in calls
    written = (root / "etc/google-cloud-ops-agent/config.yaml").read_text()
    assert ops_agent.config_from_script(f"<<'{gpu_metrics.GCP_CONFIG_MARKER}'\n{written}"
                                        f"{gpu_metrics.GCP_CONFIG_MARKER}\n") == \
        ops_agent.agent_config()


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_an_installed_agent_is_only_reconfigured(tmp_path: Path) -> None:
    code, calls, _ = _run(tmp_path, installed=True)
    assert code == 0 and "curl" not in calls and "systemctl restart" in calls


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_a_failed_install_stops_nothing_after_it(tmp_path: Path) -> None:
    code, calls, _ = _run(tmp_path, installed=False, curl_ok=False)
    assert code == 0 and "after the agent" in calls and "systemctl restart" not in calls
