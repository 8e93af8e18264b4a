"""The builder without SkyPilot: plans, EFA, buckets, on-prem, and the errors caught first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ailab.cli import app
from ailab.core.errors import InputFileError, WorkloadError
from ailab.costs.catalog import find_price
from ailab.infra.stacks import load_stack_spec
from ailab.workloads import checks
from ailab.workloads.builder import EFA_ENVS, BuildRequest, build
from ailab.workloads.stack_facts import preview_outputs

runner = CliRunner()


def _build(workload: str, stack: str, **kw):  # type: ignore[no-untyped-def]
    return build(BuildRequest(workload, load_stack_spec(stack), **kw))


def test_cluster_stack_runs_on_its_own_nodes_with_every_efa_interface() -> None:
    r = _build("train-ddp", "aws-h100-cluster", bucket="lab-bkt")
    res, envs = r.config["resources"], r.config["envs"]
    assert r.config["num_nodes"] == 2
    assert res == {"disk_size": 256, "infra": "ssh/ailab-aws-h100-cluster",
                   "accelerators": "H100:8"}  # no instance type: nothing is provisioned
    assert envs.items() >= EFA_ENVS.items() and envs["AILAB_EFA_INTERFACES"] == "32"
    pod = r.config["config"]["ssh"]["pod_config"]["spec"]
    assert {"name": "ailab-efa", "hostPath": {"path": "/dev/infiniband"}} in pod["volumes"]
    assert pod["containers"][0]["securityContext"] == {"privileged": True}
    assert r.config["file_mounts"]["/checkpoints"] == {"name": "lab-bkt", "store": "s3",
                                                        "mode": "MOUNT"}
    assert envs["AILAB_BUCKET"] == "lab-bkt" and r.bucket_known


def test_plans_pick_cheapest_and_fastest_from_the_pool() -> None:
    spec = load_stack_spec("aws-spot-pool")
    pool = spec.aws.pool.instance_types
    cheap = _build("train-spot", "aws-spot-pool", plan="cheapest").choice
    assert _build("train-spot", "aws-spot-pool").launch.target == "vpc"
    fast = _build("train-spot", "aws-spot-pool", plan="fastest").choice
    spot = {t: find_price("aws", t, spec.region).spot_usd_hr for t in pool}
    assert cheap.instance_type == min(spot, key=spot.get) and cheap.spot
    assert fast.instance_type.startswith("g6e")  # L40S: the highest peak in the pool
    assert "network_tier" not in _build("train-spot", "aws-spot-pool").config["resources"]


def test_variants_set_the_launcher_and_unknown_names_list_valid_ones() -> None:
    assert _build("train-ddp", "aws-gpu-lab", variant="deepspeed").config["envs"][
        "AILAB_LAUNCHER"] == "deepspeed"
    with pytest.raises(WorkloadError, match="valid: torchrun, accelerate, deepspeed"):
        _build("train-ddp", "aws-gpu-lab", variant="horovod")
    with pytest.raises(WorkloadError, match="valid: train-ddp, train-spot, serve"):
        _build("pretrain", "aws-gpu-lab")
    with pytest.raises(WorkloadError, match="plan: 'fast' is not a plan"):
        _build("train-ddp", "aws-gpu-lab", plan="fast")


def test_bucket_from_outputs_file_and_placeholder(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    doc = {**preview_outputs("aws-gpu-lab"), "bucket": "ailab-gpu-lab-1a2b3c"}
    outputs.write_text(json.dumps(doc))
    r = _build("bench", "aws-gpu-lab", outputs=outputs)
    assert r.bucket == "ailab-gpu-lab-1a2b3c" and r.bucket_known
    r = _build("bench", "aws-gpu-lab")
    assert r.bucket == "aws-gpu-lab-lab-bucket" and not r.bucket_known
    outputs.write_text(json.dumps({k: v for k, v in doc.items() if k != "vpc_name"}))
    with pytest.raises(InputFileError, match="vpc_name: missing from the stack outputs"):
        _build("bench", "aws-gpu-lab", outputs=outputs)
    with pytest.raises(WorkloadError, match="bucket: "):
        _build("bench", "aws-gpu-lab", bucket="Not_A_Bucket")


def test_onprem_and_hybrid_use_owned_infra_first_with_durable_checkpoints() -> None:
    r = _build("train-ddp", "aws-gpu-lab", infra="onprem", pool="rack-a")
    assert r.config["resources"]["infra"] == "ssh/rack-a"
    assert r.config["file_mounts"]["/checkpoints"]["name"] == "aws-gpu-lab-lab-bucket"
    assert "AILAB_CKPT_DIR" not in r.config["envs"]
    r = _build("train-ddp", "aws-gpu-lab", infra="hybrid")
    infras = [o["infra"] for o in r.config["resources"]["ordered"]]
    assert infras == ["ssh/ailab-onprem", "k8s", "aws/us-east-1", "aws/us-east-1"]
    assert _build("serve", "aws-gpu-lab", infra="k8s").config["resources"]["infra"] == "k8s"


def test_invalid_combinations_are_caught_before_skypilot() -> None:
    with pytest.raises(WorkloadError, match="num_nodes: 2 with TPU pod type 'tpu-v4-32'"):
        checks.check_config({"num_nodes": 2, "resources": {"accelerators": "tpu-v4-32"}})
    checks.check_config({"num_nodes": 1, "resources": {"accelerators": "tpu-v4-32"}})
    checks.check_config({"num_nodes": 2, "resources": {"accelerators": "tpu-v5litepod-8"}})
    with pytest.raises(WorkloadError, match=r"file_mounts\./checkpoints\.mode: 'STREAM'"):
        _build("train-ddp", "aws-gpu-lab", mount_mode="STREAM")
    with pytest.raises(WorkloadError, match="max_replicas: required when target_qps"):
        checks.check_service({"replica_policy": {"min_replicas": 1,
                                                 "target_qps_per_replica": 2}})
    with pytest.raises(WorkloadError, match="nodes: "):
        _build("train-ddp", "aws-gpu-lab", nodes=0)


def test_real_launch_without_a_known_bucket_fails_in_one_line() -> None:
    out = runner.invoke(app, ["launch", "train-ddp", "--stack", "aws-gpu-lab", "--yes"])
    assert out.exit_code != 0
    assert isinstance(out.exception, WorkloadError)
    assert "--bucket NAME or --outputs FILE" in out.exception.message
    assert "\n" not in out.exception.message


def test_workloads_command_lists_them() -> None:
    out = runner.invoke(app, ["workloads", "--json"])
    assert out.exit_code == 0
    names = {w["name"]: w["kind"] for w in json.loads(out.stdout)["workloads"]}
    assert names == {"train-ddp": "cluster", "train-spot": "job", "serve": "service",
                     "bench": "job", "train-hybrid": "cluster"}


def test_hybrid_overflow_follows_the_stack_class() -> None:
    """The single-L4 course stack overflows to its own class, never 2 x 8 H100."""
    r = _build("train-hybrid", "gcp-gpu-lab")
    res = r.config["resources"]
    assert res["accelerators"] == "L4:1" and r.config["num_nodes"] == 1
    assert [o.get("instance_type") for o in res["ordered"][2:]] == ["g2-standard-8"] * 2
    assert [o["infra"] for o in res["ordered"][2:]] == ["gcp/us-central1"] * 2
    assert r.launch is not None and r.launch.skypilot_config["gcp"]["vpc_name"] == \
        "gcp-gpu-lab-net-vpc"
    assert r.config["file_mounts"]["/checkpoints"]["store"] == "gcs"
    h100 = _build("train-ddp", "aws-h100-cluster", infra="hybrid")
    assert h100.config["num_nodes"] == 2 and h100.config["resources"]["accelerators"] == "H100:8"
    assert all(o["network_tier"] == "best" for o in h100.config["resources"]["ordered"][2:])


def test_checkpoints_never_on_local_disk() -> None:
    for path in ("/tmp/ckpt", "relative/ckpt", "/dev/shm/x", "/var/tmp"):
        with pytest.raises(WorkloadError, match="ckpt_dir: .* is not durable shared storage"):
            _build("train-ddp", "aws-h100-cluster", infra="hybrid", ckpt_dir=path)
    r = _build("train-ddp", "aws-h100-cluster", ckpt_dir="/fsx/ckpt")
    assert r.config["envs"]["AILAB_CKPT_DIR"] == "/fsx/ckpt/train-ddp"
    assert "file_mounts" not in r.config
