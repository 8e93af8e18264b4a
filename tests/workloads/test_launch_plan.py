"""Each shipped stack's launch plan: its own machines as a node pool, or its network.

Facts come from the stack's program run offline (``preview_outputs``), the same
keys ``pulumi stack output --json`` gives after ``pulumi up``.
"""

from __future__ import annotations

import pytest

from ailab.infra.stacks import list_stacks, load_stack_spec
from ailab.workloads.builder import BuildRequest, build
from ailab.workloads.stack_facts import StackFacts, preview_outputs

# stack -> (target, reach, nodes, mounts)
EXPECTED = {
    "aws-gpu-lab": ("pool", "SSM", 1, {"/home/shared": "efs"}),
    "aws-h100-cluster": ("pool", "SSM", 2, {"/fsx": "lustre", "/home/shared": "efs"}),
    "aws-spot-pool": ("vpc", "SSM", 0, {}),
    "gcp-gpu-lab": ("pool", "IAP", 1, {"/home/shared": "filestore"}),
    "gcp-a3-cluster": ("pool", "IAP", 2, {"/mnt/gcs": "gcsfuse"}),
    "gcp-tpu-lab": ("pool", "IAP", 1, {}),
}


def test_every_shipped_stack_has_an_expected_plan() -> None:
    assert sorted(EXPECTED) == sorted(list_stacks())


@pytest.mark.parametrize("stack", sorted(EXPECTED))
def test_launch_plan_per_stack(stack: str) -> None:
    target, reach, count, mounts = EXPECTED[stack]
    spec = load_stack_spec(stack)
    r = build(BuildRequest("train-ddp", spec))
    plan = r.launch
    assert plan is not None and plan.target == target and reach in plan.reach
    assert {m.path: m.kind for m in r.facts.mounts} == mounts  # type: ignore[union-attr]
    net = plan.skypilot_config[spec.cloud]
    assert net["vpc_name"] == f"{stack}-net-vpc" and net["labels"] == {"ailab-stack": stack}
    if spec.cloud == "aws":
        assert net["security_group_name"] == f"{stack}-net-cluster-sg"
        assert net["remote_identity"] == f"{stack}-nodes-profile" and net["use_ssm"] is True
    if target == "vpc":
        assert r.config["resources"]["infra"] == f"{spec.cloud}/{spec.region}"
        assert all(m.mount_command() in r.config["setup"] for m in r.facts.mounts)  # type: ignore[union-attr]
        return
    pool = f"ailab-{stack}"
    assert r.config["resources"]["infra"] == f"ssh/{pool}" and r.config["num_nodes"] == count
    assert plan.ssh_node_pools[pool]["hosts"] == [f"{pool}-{i}" for i in range(count)]
    pod = plan.pod_config["spec"]
    assert {v["hostPath"]["path"] for v in pod["volumes"]} >= set(mounts)
    for i, node in enumerate(plan.nodes):
        stanza = plan.ssh_config.split(f"Host {pool}-{i}\n")[1].split("\n\n")[0]
        assert f"HostName {node.target}" in stanza
        assert ("aws ssm start-session" if spec.cloud == "aws" else "gcloud") in stanza
    assert "use_spot" not in r.config["resources"]  # SkyPilot's SSH pools have no spot


def test_private_subnets_and_internal_ips_only_with_egress() -> None:
    """aws-gpu-lab has no NAT gateway: SkyPilot's machines there need public subnets."""
    gpu = build(BuildRequest("bench", load_stack_spec("aws-gpu-lab"))).launch
    h100 = build(BuildRequest("bench", load_stack_spec("aws-h100-cluster"))).launch
    assert gpu is not None and h100 is not None
    assert gpu.skypilot_config["aws"]["use_internal_ips"] is False
    assert gpu.skypilot_config["aws"]["subnet_names"] == [
        "aws-gpu-lab-net-public-us-east-1a", "aws-gpu-lab-net-public-us-east-1b"]
    assert h100.skypilot_config["aws"]["use_internal_ips"] is True
    assert h100.skypilot_config["aws"]["subnet_names"] == [
        "aws-h100-cluster-net-private-us-east-1a", "aws-h100-cluster-net-private-us-east-1b"]


def test_real_outputs_are_parsed_like_the_offline_ones() -> None:
    """After `pulumi up` the same keys carry instance ids and private IPs."""
    doc = preview_outputs("aws-h100-cluster")
    doc["nodes"] = [{**n, "id": f"i-0abc{i}", "private_ip": f"10.0.16.{10 + i}",
                     "zone": "us-east-1a"} for i, n in enumerate(doc["nodes"])]
    doc["security_group_name"] = "aws-h100-cluster-net-cluster-sg-3f2a1b0"
    facts = StackFacts.from_outputs(doc, "aws-h100-cluster", "aws", "us-east-1", "out.json")
    r = build(BuildRequest("train-ddp", load_stack_spec("aws-h100-cluster"), facts=facts))
    assert r.launch is not None and "HostName i-0abc1" in r.launch.ssh_config
    assert r.launch.skypilot_config["aws"]["security_group_name"].endswith("-3f2a1b0")
    assert [n.private_ip for n in r.launch.nodes] == ["10.0.16.10", "10.0.16.11"]
    assert r.bucket_known and r.bucket == doc["bucket"]
