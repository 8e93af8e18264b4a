"""The serve variants: Triton (ONNX Runtime, TensorRT), TensorRT-LLM, ONNX Runtime on CPU.

Each variant's task is built from a stack and checked twice: its content here
(image, readiness probe, replica policy, bucket mount, the command it runs) and
by SkyPilot's own parsers in a separate interpreter (``ailab launch``'s dry run's
offline sandbox: task schema, round trip, service spec, resources against the
catalog), so this module does not share SkyPilot's process-wide state. (The
round-trip test of tests/workloads/test_skypilot.py runs every variant on every
stack in-process as well.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from ailab.core.errors import WorkloadError
from ailab.infra.stacks import load_stack_spec
from ailab.workloads import checks
from ailab.workloads.builder import BuildRequest, build
from ailab.workloads.registry import get_workload
from tests.support import ROOT

NEW = ("tensorrt-llm", "triton-onnx", "triton-trt", "onnx-cpu")
PROBES = {"tensorrt-llm": "/health", "triton-onnx": "/v2/health/ready",
          "triton-trt": "/v2/health/ready", "onnx-cpu": "/v2/health/ready"}
IMAGES = {"tensorrt-llm": "docker:nvcr.io/nvidia/tensorrt-llm/release:1.0.0",
          "triton-onnx": "docker:nvcr.io/nvidia/tritonserver:24.08-py3",
          "triton-trt": "docker:nvcr.io/nvidia/tritonserver:24.08-py3"}


def _build(variant: str, stack: str = "aws-spot-pool", **kw: Any) -> Any:
    return build(BuildRequest("serve", load_stack_spec(stack), variant=variant, **kw))


def test_serve_lists_every_variant() -> None:
    assert get_workload("serve").variants == ["vllm", *NEW, "fastapi"]
    with pytest.raises(WorkloadError, match="valid: vllm, tensorrt-llm, triton-onnx"):
        _build("sglang")


@pytest.mark.parametrize("variant", NEW)
def test_variant_is_a_service_with_probe_autoscaling_and_spot(variant: str) -> None:
    r = _build(variant, plan="cheapest", bucket="lab-models")
    cfg, res = r.config, r.config["resources"]
    assert r.kind == "service"
    assert cfg["service"]["readiness_probe"]["path"] == PROBES[variant]
    checks.check_service(cfg["service"])
    policy = cfg["service"]["replica_policy"]
    assert policy["target_qps_per_replica"] > 0 and policy["max_replicas"] >= 1
    assert policy["dynamic_ondemand_fallback"] and policy["base_ondemand_fallback_replicas"] == 1
    assert res["use_spot"] is True and res["ports"] == 8000
    assert res.get("image_id") == IMAGES.get(variant)
    assert res["instance_type"] == r.choice.instance_type


@pytest.mark.parametrize("infra", ["onprem", "k8s", "hybrid"])
@pytest.mark.parametrize("variant", sorted(IMAGES))
def test_container_variants_keep_their_image_on_owned_machines(variant: str,
                                                               infra: str) -> None:
    """SkyPilot's Kubernetes cloud (SSH node pools included) runs a ``docker:``
    image_id as the pod's image; without it Triton's command is not on the machine."""
    res = _build(variant, stack="gcp-gpu-lab", infra=infra).config["resources"]
    assert res["image_id"] == IMAGES[variant]


def test_triton_variants_lay_out_the_lab_bucket_model() -> None:
    for variant, backend in (("triton-onnx", "onnxruntime"), ("triton-trt", "tensorrt")):
        r = _build(variant, bucket="lab-models")
        assert r.config["file_mounts"]["/lab"] == {"name": "lab-models", "store": "s3",
                                                   "mode": "MOUNT"}
        assert r.bucket_known and r.config["envs"]["AILAB_BUCKET"] == "lab-models"
        assert "triton_repo.py --onnx" in r.config["setup"]
        assert f"--backend {backend}" in r.config["setup"]
        assert "tritonserver --model-repository" in r.config["run"]
    assert "--ort-trt" in _build("triton-onnx").config["setup"]
    gcp = _build("triton-trt", "gcp-gpu-lab", bucket="lab-models")
    assert gcp.config["file_mounts"]["/lab"]["store"] == "gcs"


def test_trtllm_serves_openai_with_tensor_parallel_over_the_gpus() -> None:
    r = _build("tensorrt-llm", "aws-h100-cluster")
    assert "trtllm-serve serve" in r.config["run"] and "--backend pytorch" in r.config["run"]
    assert '--tp_size "$SKYPILOT_NUM_GPUS_PER_NODE"' in r.config["run"]
    assert r.config["resources"]["accelerators"] == "H100:8"
    assert "network_tier" not in r.config["resources"]  # services get no EFA tier


def test_onnx_cpu_runs_the_kserve_server() -> None:
    run = _build("onnx-cpu").config["run"]
    assert "uvicorn ailab.workloads.scripts.onnx_server:app" in run
    assert (ROOT / "workloads" / "scripts" / "onnx_server.py").is_file()


SCRIPT = r"""
import contextlib, json, sys
from ailab.workloads import skyrun
from ailab.workloads.builder import BuildRequest, build
from ailab.infra.stacks import load_stack_spec
out = {}
with contextlib.redirect_stdout(sys.stderr), skyrun.offline_sky():
    for stack in ("aws-spot-pool",):
        for variant in sys.argv[1:]:
            r = build(BuildRequest("serve", load_stack_spec(stack), variant=variant,
                                   bucket="ailab-test-models", plan="cheapest"))
            text = skyrun.validate(r.config, storage=False)
            spec = skyrun.check_service(r.config["service"])
            out[f"{stack}/{variant}"] = {"yaml": text, "probe": spec.readiness_path,
                                         "qps": spec.target_qps_per_replica}
print(json.dumps(out))
"""


def test_skypilot_accepts_every_new_variant_offline() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, *NEW], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert len(results) == len(NEW)
    for key, res in results.items():
        variant = key.split("/")[1]
        assert res["probe"] == PROBES[variant] and res["qps"] > 0
        if variant in IMAGES:
            assert IMAGES[variant] in res["yaml"], key
