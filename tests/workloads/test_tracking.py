"""Training logs to the stack's tracking server: the URI travels from the stack outputs
into the task, and the node-side tracker logs through MLflow's own client.

The tracker runs against mlflow-skinny's real fluent API and store (a local file
store: the same client calls a server would receive), read back with
``MlflowClient``; a restarted attempt must log into the same run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ailab.infra.stacks import load_stack_spec
from ailab.workloads.builder import TRACKING_ENV, BuildRequest, build
from ailab.workloads.stack_facts import StackFacts, preview_outputs
from ailab.workloads.tracking import RUN_ID_FILE, RunTracker


def _build(workload: str, stack: str, **kw: Any) -> Any:
    return build(BuildRequest(workload, load_stack_spec(stack), **kw))


def test_a_stack_with_tracking_exports_its_uri() -> None:
    aws = preview_outputs("aws-h100-cluster")["tracking_uri"]
    gcp = preview_outputs("gcp-a3-cluster")["tracking_uri"]
    assert aws.startswith("http://internal-") and aws.endswith(".elb.amazonaws.com")
    assert gcp.startswith("https://gcp-a3-cluster-mlflow-") and gcp.endswith(".run.app")
    assert "tracking_uri" not in preview_outputs("aws-gpu-lab")


def test_training_tasks_get_the_uri_only_when_the_stack_has_a_server() -> None:
    tracked = _build("train-ddp", "aws-h100-cluster", bucket="lab-bkt")
    assert tracked.config["envs"][TRACKING_ENV] == preview_outputs(
        "aws-h100-cluster")["tracking_uri"]
    assert any("placeholder; pass --outputs" in n for n in tracked.notes)
    assert TRACKING_ENV not in _build("train-ddp", "aws-gpu-lab", bucket="lab-bkt").config["envs"]
    assert TRACKING_ENV in _build("train-ddp", "gcp-a3-cluster", bucket="lab-bkt").config["envs"]
    assert "mlflow-skinny" in tracked.config["setup"]


def test_the_real_outputs_file_sets_the_real_uri(tmp_path: Path) -> None:
    doc = preview_outputs("aws-h100-cluster")
    doc["tracking_uri"] = "http://internal-mlflow-0123.us-east-1.elb.amazonaws.com"
    doc["nodes"] = [{**n, "id": f"i-0{i}abc", "private_ip": f"10.20.128.{i + 10}"}
                    for i, n in enumerate(doc["nodes"])]
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(doc))
    result = _build("train-ddp", "aws-h100-cluster", bucket="lab-bkt", outputs=outputs)
    assert result.config["envs"][TRACKING_ENV] == doc["tracking_uri"]
    assert any(str(outputs) in n for n in result.notes)


def test_off_the_stacks_network_the_private_server_is_not_used() -> None:
    hybrid = _build("train-hybrid", "aws-h100-cluster", infra="hybrid", bucket="lab-bkt")
    assert TRACKING_ENV not in hybrid.config["envs"]


def test_facts_without_a_tracking_output_parse_as_before() -> None:
    doc = preview_outputs("aws-gpu-lab")
    facts = StackFacts.from_outputs(doc, "aws-gpu-lab", "aws", "us-east-1", "f", offline=True)
    assert facts.tracking_uri is None


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A local MLflow store (the file backend; MLflow 3 wants the opt-in)."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    return (tmp_path / "mlruns").as_uri()


def test_rank_zero_logs_params_and_the_loss_curve(tmp_path: Path, store: str) -> None:
    from mlflow.tracking import MlflowClient

    env = {TRACKING_ENV: store, "AILAB_RUN_NAME": "train-ddp"}
    tracker = RunTracker(tmp_path / "ckpt", 0, {"engine": "ddp", "lr": 3e-4}, env)
    assert tracker.active
    for step, loss in ((1, 5.0), (2, 4.5), (3, 4.1)):
        tracker.loss(step, loss)
    tracker.close()
    run_id = (tmp_path / "ckpt" / RUN_ID_FILE).read_text()
    client = MlflowClient(store)
    run = client.get_run(run_id)
    assert run.data.params == {"engine": "ddp", "lr": "0.0003"}
    assert client.get_experiment(run.info.experiment_id).name == "train-ddp"
    # Queued points may arrive in any order; each carries its step.
    assert sorted((m.step, m.value) for m in client.get_metric_history(run_id, "loss")) == [
        (1, 5.0), (2, 4.5), (3, 4.1)]


def test_a_resumed_attempt_logs_into_the_same_run(tmp_path: Path, store: str) -> None:
    from mlflow.tracking import MlflowClient

    env = {TRACKING_ENV: store}
    first = RunTracker(tmp_path, 0, {"steps": 8}, env)
    first.loss(4, 3.0)
    first.close()
    second = RunTracker(tmp_path, 0, {"steps": 8}, env)  # the restart after preemption
    second.loss(5, 2.9)
    second.close()
    client = MlflowClient(store)
    runs = client.search_runs([client.get_experiment_by_name("train").experiment_id])
    assert len(runs) == 1
    assert sorted(m.step for m in client.get_metric_history(runs[0].info.run_id, "loss")) == [
        4, 5]


def test_no_uri_other_ranks_and_an_unreachable_server_log_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # fail at once, not in minutes
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    assert not RunTracker(tmp_path, 0, {}, {}).active
    assert not RunTracker(tmp_path, 1, {}, {TRACKING_ENV: "http://x"}).active
    # Port 9 on loopback: nothing listens, the client fails and training goes on.
    down = RunTracker(tmp_path, 0, {}, {TRACKING_ENV: "http://127.0.0.1:9"})
    assert not down.active and "unreachable" in down.reason
    down.loss(1, 1.0)
    down.close()
    assert "tracking off" in capsys.readouterr().out
    assert not (tmp_path / RUN_ID_FILE).exists()
