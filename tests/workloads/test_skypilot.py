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
from ailab.workloads import skyrun
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
def test_skypilot_full_dryrun_of_the_cluster_task(sandbox: Path) -> None:
    """SkyPilot's optimizer and provisioner dry run, in-process, against moto."""
    import boto3
    from sky import check as sky_check
    from sky import execution

    image = boto3.client("ec2", region_name="us-east-1").describe_images(
        Owners=["amazon"])["Images"][0]["ImageId"]
    images = sandbox / ".sky" / "catalogs" / "v8" / "aws" / "images.csv"
    tags = ["skypilot:custom-gpu-ubuntu-cuda13", "skypilot:custom-gpu-ubuntu",
            "skypilot:custom-cpu-ubuntu", "skypilot:gpu-ubuntu-2204", "skypilot:cpu-ubuntu-2204"]
    images.write_text("Tag,Region,OS,OSVersion,ImageId,CreationDate\n" + "".join(
        f"{t},us-east-1,ubuntu,22.04,{image},20240101\n" for t in tags))
    sky_check.check(quiet=True, clouds=["aws"])
    result = build(BuildRequest("train-ddp", load_stack_spec("aws-h100-cluster"),
                                bucket="ailab-dryrun-bucket"))
    task = skyrun.to_task(result.config)
    job_id, handle = execution.launch(task, cluster_name="ailab-dryrun", dryrun=True,
                                      stream_logs=False)
    assert job_id is None and handle is None
    from sky import global_user_state

    assert global_user_state.get_clusters() == []  # a dry run provisions nothing
