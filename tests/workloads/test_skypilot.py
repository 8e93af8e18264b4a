"""SkyPilot's own parsers on every shipped YAML and on the builder's output, offline.

SkyPilot is imported once for this module, after its runtime dir and HOME point at
a temporary folder (the sandbox of ``workloads.skyrun``): no API server, no
network, nothing written to the real ``~/.sky``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ailab.cli import app
from ailab.core.errors import WorkloadError
from ailab.infra.stacks import list_stacks, load_stack_spec
from ailab.workloads import skychecks, skyrun
from ailab.workloads.builder import BuildRequest, build
from ailab.workloads.registry import WORKLOADS, shipped_task_yamls
from tests.support import SHARED

SHARED_CATALOG = SHARED / "data" / "catalog"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("sky")
    saved = {k: os.environ.get(k) for k in ("SKY_RUNTIME_DIR", "HOME")}
    os.environ.update({"SKY_RUNTIME_DIR": str(root), "HOME": str(root)})
    try:
        with skyrun.offline_sky(root):
            import sky  # noqa: F401  - once, inside the sandbox

            yield root
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.mark.parametrize("path", shipped_task_yamls(), ids=lambda p: p.name)
def test_every_shipped_yaml_validates(sandbox: Path, path: Path) -> None:
    config = yaml.safe_load(path.read_text())
    task = skyrun.to_task(config)
    assert task.run and task.name == config["name"]
    if "service" in config:
        spec = skyrun.check_service(config["service"])
        assert spec.max_replicas is not None and spec.target_qps_per_replica is not None


def _cases() -> list[tuple[str, str, str | None, str]]:
    cases = []
    for stack in list_stacks():
        for name, wl in WORKLOADS.items():
            for variant in wl.variants:
                cases.append((name, stack, variant, "cloud"))
    return cases + [("train-ddp", "aws-gpu-lab", None, infra)
                    for infra in ("onprem", "k8s", "hybrid")]


@pytest.mark.parametrize(("workload", "stack", "variant", "infra"), _cases())
def test_builder_output_round_trips(sandbox: Path, workload: str, stack: str,
                                    variant: str | None, infra: str) -> None:
    result = build(BuildRequest(workload, load_stack_spec(stack), variant=variant, infra=infra,
                                bucket="ailab-test-bucket", plan="cheapest"))
    text = skyrun.validate(result.config, storage=False)
    again = skyrun.to_task(yaml.safe_load(text))
    first = skyrun.to_task(result.config)
    assert again.num_nodes == first.num_nodes
    assert {str(r) for r in again.resources} == {str(r) for r in first.resources}
    assert again.envs == first.envs
    if result.choice is not None and infra == "cloud":
        assert {r.instance_type for r in first.resources} <= {
            result.choice.instance_type, None}


def test_storage_construct_checks_the_bucket_mount(sandbox: Path) -> None:
    result = build(BuildRequest("train-ddp", load_stack_spec("aws-h100-cluster"),
                                bucket="ailab-h100-ckpt", mount_mode="MOUNT_CACHED"))
    task = skyrun.to_task(result.config)
    skyrun.check_storage(task)
    (storage,) = task.storage_mounts.values()
    assert storage.name == "ailab-h100-ckpt" and storage.mode.value == "MOUNT_CACHED"
    import boto3

    assert "ailab-h100-ckpt" in {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}


def test_skypilot_errors_become_one_line(sandbox: Path) -> None:
    bad: dict[str, Any] = {"run": "x", "resources": {"accelerators": "H100:8",
                                                      "use_spot": "sometimes"}}
    with pytest.raises(WorkloadError, match="SkyPilot rejected the task") as err:
        skyrun.to_task(bad)
    assert "\n" not in err.value.message
    with pytest.raises(WorkloadError, match="max_replicas"):
        skyrun.check_service({"readiness_probe": "/",
                              "replica_policy": {"min_replicas": 1,
                                                 "target_qps_per_replica": 3}})


def test_cli_dryrun_prints_a_task_yaml(sandbox: Path) -> None:
    out = CliRunner().invoke(app, ["launch", "serve", "--variant", "vllm", "--stack",
                                   "aws-spot-pool", "--plan", "fastest", "--dry-run", "--json"])
    assert out.exit_code == 0, out.output
    import json

    info = json.loads(out.stdout)
    task = yaml.safe_load(info["task_yaml"])
    assert task["service"]["replica_policy"]["max_replicas"] == 4
    assert task["resources"]["instance_type"] == info["instance_type"]


@pytest.mark.skipif(shutil.which("rsync") is None, reason="SkyPilot's dry run needs rsync")
def test_skypilot_full_dryrun_inside_the_stack_network(sandbox: Path) -> None:
    """SkyPilot's optimizer and provisioner dry run, in-process, against moto, with the
    generated config as its project layer."""
    from sky import check as sky_check
    from sky import execution, global_user_state

    skyrun.write_images("us-west-2")
    sky_check.check(quiet=True, clouds=["aws"])
    result = build(BuildRequest("train-ddp", load_stack_spec("aws-spot-pool"),
                                bucket="ailab-dryrun-bucket"))
    assert result.launch is not None and result.launch.target == "vpc"
    with skychecks.layered(result.launch.skypilot_config):
        from sky import skypilot_config

        assert skypilot_config.get_nested(("aws", "vpc_name"), None) == "aws-spot-pool-net-vpc"
        task = skyrun.to_task(result.config)
        job_id, handle = execution.launch(task, cluster_name="ailab-dryrun", dryrun=True,
                                          stream_logs=False)
    assert job_id is None and handle is None
    assert global_user_state.get_clusters() == []  # a dry run provisions nothing


@pytest.mark.parametrize("stack", list_stacks())
def test_generated_config_and_pool_pass_skypilot_checks(sandbox: Path, stack: str) -> None:
    result = build(BuildRequest("train-ddp", load_stack_spec(stack), bucket="ailab-b"))
    plan = result.launch
    assert plan is not None
    skychecks.check_config(plan.skypilot_config)
    if plan.pool:
        assert skychecks.check_pool(plan) == plan.ssh_node_pools[plan.pool]["hosts"]
        task = skyrun.to_task(result.config)  # the task's ssh.pod_config is a valid override
        assert {(str(r.cloud), r.region) for r in task.resources} == {("SSH", f"ssh-{plan.pool}")}
    with pytest.raises(WorkloadError, match="SkyPilot rejected the generated config"):
        skychecks.check_config({**plan.skypilot_config, "aws": {"vpc_nam": "typo"}})


def test_skypilot_computes_32_efa_interfaces_only_with_the_generated_config(
        sandbox: Path) -> None:
    """SkyPilot's own code (resource variables + provisioner request): p5.48xlarge gets
    32 interfaces with internal IPs, 1 without (the warning issue 17 quotes)."""
    plan = build(BuildRequest("train-ddp", load_stack_spec("aws-h100-cluster"))).launch
    assert plan is not None
    ours = skychecks.skypilot_efa("p5.48xlarge", "us-east-1", plan.skypilot_config)
    assert ours["max_efa_interfaces"] == 32 and ours["use_internal_ips"] is True
    assert ours["attached_per_node"] == 32
    bare = skychecks.skypilot_efa("p5.48xlarge", "us-east-1", {})
    assert bare["max_efa_interfaces"] == 32 and bare["attached_per_node"] == 1


def test_cli_dryrun_shows_pool_efa_and_mounts(sandbox: Path) -> None:
    out = CliRunner().invoke(app, ["launch", "train-ddp", "--stack", "aws-h100-cluster",
                                   "--dry-run", "--json"])
    assert out.exit_code == 0, out.output
    import json

    info = json.loads(out.stdout)
    launch = info["launch"]
    assert launch["target"] == "pool" and launch["infra"] == "ssh/ailab-aws-h100-cluster"
    assert launch["ssh_node_pools"]["ailab-aws-h100-cluster"]["hosts"] == [
        "ailab-aws-h100-cluster-0", "ailab-aws-h100-cluster-1"]
    assert launch["skypilot_config"]["aws"]["use_internal_ips"] is True
    assert info["efa"]["interfaces_per_node"] == 32
    assert info["efa"]["skypilot"]["attached_per_node"] == 32
    assert {m["path"]: m["kind"] for m in info["mounts"]} == {"/fsx": "lustre",
                                                              "/home/shared": "efs"}
    task = yaml.safe_load(info["task_yaml"])
    assert task["envs"]["AILAB_EFA_INTERFACES"] == "32"
    assert info["pricing"]["extra_hourly_usd"] == 0.0


def _mock_sdk(monkeypatch: pytest.MonkeyPatch, seen: dict[str, Any]) -> Any:
    """SkyPilot's SDK mocked at its public API (autospecs of the real functions): the
    launch records the config SkyPilot's client would send with the request."""
    from unittest.mock import create_autospec

    import sky
    from sky.server import common as server_common
    from sky.server.requests import payloads

    def record(task: Any, *args: Any, **kwargs: Any) -> str:
        seen["config"] = payloads.get_override_skypilot_config_from_client()
        seen["task"] = task
        return "request-1"

    for owner, attr in ((sky, "launch"), (sky.jobs, "launch"), (sky.serve, "up")):
        fake = create_autospec(getattr(owner, attr), side_effect=record)
        monkeypatch.setattr(owner, attr, fake)
    monkeypatch.setattr(sky, "stream_and_get",
                        create_autospec(sky.stream_and_get, return_value=(1, None)))
    stop = create_autospec(sky.api_stop)
    monkeypatch.setattr(sky, "api_stop", stop)
    monkeypatch.setattr(server_common, "is_api_server_local",
                        create_autospec(server_common.is_api_server_local, return_value=True))
    down = server_common.ApiServerInfo(status=server_common.ApiServerStatus.UNHEALTHY)
    monkeypatch.setattr(server_common, "get_api_server_status",
                        create_autospec(server_common.get_api_server_status,
                                        return_value=down))
    return stop


def _ailab_files(home: Path) -> list[str]:
    return [str(p.relative_to(home)) for p in home.rglob("*")
            if p.is_file() and p.parent != home / ".sky" / "locks"]


def _outputs(tmp_path: Path, stack: str) -> Path:
    import json

    from ailab.workloads.stack_facts import preview_outputs

    doc = preview_outputs(stack)
    doc["bucket"] = f"{stack}-bucket-7f3a"
    doc["nodes"] = [{**n, "id": f"i-0{i}abc", "private_ip": f"10.0.16.{i + 10}"}
                    for i, n in enumerate(doc["nodes"])]
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(doc))
    return path


def test_real_launch_passes_the_generated_config_and_leaves_home_alone(
        sandbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, state = tmp_path / "home", tmp_path / "state"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    monkeypatch.chdir(tmp_path)
    seen: dict[str, Any] = {}
    stop = _mock_sdk(monkeypatch, seen)
    out = CliRunner().invoke(app, ["launch", "train-spot", "--stack", "aws-spot-pool",
                                   "--outputs", str(_outputs(tmp_path, "aws-spot-pool")),
                                   "--yes"])
    assert out.exit_code == 0, out.output
    aws = seen["config"]["aws"]
    assert aws["vpc_name"] == "aws-spot-pool-net-vpc" and aws["use_internal_ips"] is True
    assert aws["security_group_name"] == "aws-spot-pool-net-cluster-sg"
    assert seen["task"].name == "ailab-train-spot-aws-spot-pool"
    stop.assert_called_once_with()  # the launch started the server, so it stops it
    assert "stopped the SkyPilot API server" in out.output
    # ailab wrote nothing under HOME: no ~/.sky/config.yaml, no pools, no ~/.ssh. The
    # only entries are SkyPilot's own state-DB locks, which its SDK makes on use.
    assert _ailab_files(home) == []
    written = state / "ailab" / "skypilot" / "aws-spot-pool" / "config.yaml"
    assert yaml.safe_load(written.read_text())["aws"] == aws
    import os

    assert os.environ.get(skyrun.PROJECT_CONFIG_ENV) != str(written)  # restored after


def test_real_pool_launch_requires_registration_and_never_writes_it(
        sandbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ailab.workloads import skylaunch

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    seen: dict[str, Any] = {}
    _mock_sdk(monkeypatch, seen)
    args = ["launch", "train-ddp", "--stack", "aws-h100-cluster", "--outputs",
            str(_outputs(tmp_path, "aws-h100-cluster")), "--yes"]
    monkeypatch.setattr(skylaunch, "ssh_hostname", lambda alias: None)
    out = CliRunner().invoke(app, args)
    assert out.exit_code != 0 and "config" not in seen
    assert isinstance(out.exception, WorkloadError)
    assert "node pool ailab-aws-h100-cluster is not registered" in out.exception.message
    assert _ailab_files(home) == []
    # The user registers the pool and the aliases; then the launch goes ahead.
    pools = home / ".sky" / "ssh_node_pools.yaml"
    pools.parent.mkdir()
    folder = tmp_path / "state" / "ailab" / "skypilot" / "aws-h100-cluster"
    pools.write_text((folder / "ssh_node_pools.yaml").read_text())
    targets = {"ailab-aws-h100-cluster-0": "i-00abc", "ailab-aws-h100-cluster-1": "i-01abc"}
    monkeypatch.setattr(skylaunch, "ssh_hostname", targets.get)
    before = {p: p.read_bytes() for p in home.rglob("*") if str(p.relative_to(home))
              in ("", ".sky/ssh_node_pools.yaml")}
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    assert {(str(r.cloud), r.region) for r in seen["task"].resources} == {
        ("SSH", "ssh-ailab-aws-h100-cluster")}
    assert seen["task"].envs["AILAB_EFA_INTERFACES"] == "32"
    assert {p: p.read_bytes() for p in before} == before
    assert _ailab_files(home) == [".sky/ssh_node_pools.yaml"]  # the user's own, untouched
