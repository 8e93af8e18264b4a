"""The contract layer over every shipped stack (and variants that switch on the
rest of the resource types), and each check shown to catch what it is for."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.costs import catalog
from ailab.infra.contract.aws_common import TRANSLATORS
from ailab.infra.contract.aws_requests import check_aws
from ailab.infra.contract.gcp_shapes import check_gcp
from ailab.infra.contract.sdk_args import args_class, check_resource
from ailab.infra.contract.stack import check_stack
from ailab.infra.gcp import facts
from ailab.infra.stacks import list_stacks

STACKS = list_stacks()
VARIANTS = [
    ("aws-gpu-lab", {"ailab:fsxLustre": True, "ailab:natGateway": True}),
    ("aws-gpu-lab", {"ailab:publicIp": False}),  # no way out: the CloudWatch endpoint
    ("aws-gpu-lab", {"ailab:autoStopCpuPercent": 20, "ailab:dataVolumeType": "io2",
                     "ailab:dataVolumeIops": 16000}),
    ("aws-spot-pool", {"ailab:efs": True, "ailab:bucketTiering": "lifecycle"}),
    ("aws-h100-cluster", {"ailab:clusterEfa": False, "ailab:clusterInstanceType": "g6e.12xlarge"}),
    ("gcp-tpu-lab", {"ailab:tpuQueued": False}),
    ("gcp-gpu-lab", {"ailab:poolMachineType": "g2-standard-8", "ailab:poolMax": 3}),
]


def test_all_six_stacks_are_covered() -> None:
    assert len(STACKS) == 6


@pytest.mark.parametrize("stack", STACKS)
def test_every_shipped_stack_passes_every_contract(preview: Any, stack: str) -> None:
    report = check_stack(preview(stack))
    assert report.unchecked == [], "every custom resource has an SDK class to check against"
    assert report.problems == []
    assert report.resources == len(preview(stack).custom())


@pytest.mark.parametrize(("stack", "overrides"), VARIANTS)
def test_variants_pass_too(preview: Any, stack: str, overrides: dict[str, Any]) -> None:
    report = check_stack(preview(stack, overrides))
    assert report.unchecked == [] and report.problems == []


@pytest.mark.parametrize("stack", [s for s in STACKS if s.startswith("aws-")])
def test_every_aws_resource_becomes_validated_requests(preview: Any, stack: str) -> None:
    inv = preview(stack)
    report = check_aws(inv)
    aws = [r for r in inv.custom() if r.type.startswith("aws:")]
    assert report.resources == len(aws)
    assert {r.type for r in aws} <= set(TRANSLATORS)
    assert {name for name, _ in report.requests} == {r.name for r in aws}


def _mutated(preview: Any, stack: str) -> Inventory:
    return copy.deepcopy(preview(stack))


def _one(inv: Inventory, token: str) -> Resource:
    return inv.by_type(token)[0]


def test_sdk_args_catch_unknown_nested_and_deprecated_inputs(preview: Any) -> None:
    inv = _mutated(preview, "aws-gpu-lab")
    inst = _one(inv, tokens.AWS_EC2_INSTANCE)
    inst.inputs["instanceTyp"] = "g6.xlarge"
    inst.inputs["rootBlockDevice"]["volumeSizeGb"] = 10
    inst.inputs["networkInterfaces"] = [{"deviceIndex": 0, "networkInterfaceId": "eni-1"}]
    found = {(p.path, p.message) for p in check_resource(inst) or []}
    assert ("instanceTyp", "InstanceArgs has no input 'instanceTyp'") in found
    assert ("rootBlockDevice.volumeSizeGb",
            "InstanceRootBlockDeviceArgs has no input 'volumeSizeGb'") in found
    assert ("networkInterfaces", "InstanceArgs.networkInterfaces is deprecated") in found


def test_sdk_args_know_the_resource_class_behind_a_clashing_name() -> None:
    cls = args_class(tokens.AWS_S3_BUCKET_VERSIONING)
    assert cls is not None and cls.__name__ == "BucketVersioningInitArgs"


def test_provider_config_keys_are_the_providers(preview: Any) -> None:
    inv = _mutated(preview, "gcp-gpu-lab")
    provider = _one(inv, tokens.PROVIDER_GCP)
    provider.inputs["billing_project"] = provider.inputs.pop("billingProject")
    assert any("no input 'billing_project'" in p.message for p in check_resource(provider) or [])


def test_the_queued_tpu_is_checked_against_the_library(preview: Any) -> None:
    inv = _mutated(preview, "gcp-tpu-lab")
    queued = _one(inv, tokens.DYNAMIC_RESOURCE)
    queued.inputs["node"]["spotTier"] = {}
    assert check_resource(queued)


@pytest.mark.parametrize(("token", "path", "value", "message"), [
    (tokens.AWS_EC2_PLACEMENT_GROUP, "strategy", "clustered", "is not one of cluster"),
    (tokens.AWS_CLOUDWATCH_METRIC_ALARM, "statistic", "Max", "is not one of"),
    (tokens.AWS_CLOUDWATCH_METRIC_ALARM, "threshold", "ten", "Invalid type"),
    (tokens.AWS_EFS_FILE_SYSTEM, "throughputMode", "fast", "is not one of"),
    (tokens.AWS_EC2_SUBNET, "vpcId", None, "Missing required parameter"),
    (tokens.AWS_AUTOSCALING_GROUP, "healthCheckType", "x" * 40, "above the maximum 32"),
    (tokens.AWS_EC2_LAUNCH_TEMPLATE, "metadataOptions.httpTokens", "always", "is not one of"),
])
def test_botocore_catches_what_the_api_would_refuse(preview: Any, token: str, path: str,
                                                    value: Any, message: str) -> None:
    stack = "aws-spot-pool" if token == tokens.AWS_AUTOSCALING_GROUP else (
        "aws-h100-cluster" if token in (tokens.AWS_EC2_PLACEMENT_GROUP,
                                        tokens.AWS_EC2_LAUNCH_TEMPLATE) else "aws-gpu-lab")
    inv = _mutated(preview, stack)
    res = _one(inv, token)
    *parents, leaf = path.split(".")
    target = res.inputs
    for part in parents:
        target = target[part]
    if value is None:
        target.pop(leaf)
    else:
        target[leaf] = value
    problems = [p for p in check_aws(inv).problems if p.resource == res.name]
    assert any(message in p.message for p in problems), problems


def test_an_ec2_stop_on_metric_math_is_refused(preview: Any) -> None:
    inv = _mutated(preview, "aws-gpu-lab")
    alarm = _one(inv, tokens.AWS_CLOUDWATCH_METRIC_ALARM)
    for key in ("metricName", "namespace", "statistic", "dimensions", "period"):
        alarm.inputs.pop(key)
    alarm.inputs["metricQueries"] = [{"id": "e1", "expression": "MAX(SEARCH('x', 'Maximum'))"}]
    messages = [p.message for p in check_aws(inv).problems]
    assert any("EC2 action needs a single-metric alarm" in m for m in messages)


def test_user_data_over_16_kb_and_bad_booleans_are_refused(preview: Any) -> None:
    inv = _mutated(preview, "aws-gpu-lab")
    _one(inv, tokens.AWS_EC2_INSTANCE).inputs["userData"] = "#" * 17000
    assert any("EC2 takes at most 16384" in p.message for p in check_aws(inv).problems)
    inv = _mutated(preview, "aws-h100-cluster")
    nic = _one(inv, tokens.AWS_EC2_LAUNCH_TEMPLATE).inputs["networkInterfaces"][0]
    nic["deleteOnTermination"] = "yes"
    assert any("not a boolean" in p.message for p in check_aws(inv).problems)


def test_a_type_without_a_translation_is_a_finding(preview: Any) -> None:
    inv = _mutated(preview, "aws-gpu-lab")
    _one(inv, tokens.AWS_EBS_VOLUME).type = tokens.AWS_SAGEMAKER_NOTEBOOK_INSTANCE
    assert any("no API translation" in p.message for p in check_aws(inv).problems)


def test_gpu_machine_facts_agree_with_the_price_catalog() -> None:
    """Two independent sources: the facts table and SkyPilot's catalog."""
    for mtype, shape in facts.GPU_MACHINES.items():
        regions = catalog.regions_for("gcp", mtype)
        row = catalog.find_price("gcp", mtype, regions[0])
        assert row is not None, mtype
        assert (facts.CATALOG_GPU_NAMES[shape.gpu], shape.count) == (
            row.accelerator, int(row.accelerator_count)), mtype
    for mtype in catalog.instance_types("gcp"):
        if facts.gpu_series(mtype) and not mtype.endswith("-nolssd"):
            assert mtype in facts.GPU_MACHINES, f"{mtype} is missing from the facts table"


def _gcp(preview: Any, stack: str, token: str) -> tuple[Inventory, Resource]:
    inv = _mutated(preview, stack)
    return inv, _one(inv, token)


def test_gcp_shapes_catch_nics_accelerators_and_live_migration(preview: Any) -> None:
    inv, node = _gcp(preview, "gcp-a3-cluster", tokens.GCP_COMPUTE_INSTANCE)
    node.inputs["networkInterfaces"] = node.inputs["networkInterfaces"][:3]
    node.inputs["guestAccelerators"] = [{"type": "nvidia-h100-80gb", "count": 8}]
    node.inputs["scheduling"]["onHostMaintenance"] = "MIGRATE"
    messages = [p.message for p in check_gcp(inv)[1]]
    assert any("a GPUDirect a3-highgpu-8g has 1 + 4" in m for m in messages)
    assert any("give no guestAccelerators" in m for m in messages)
    assert any("cannot live-migrate" in m for m in messages)


@pytest.mark.parametrize(("change", "message"), [
    ({"accelerator_config": {"type": "V5LITEPOD", "topology": "2x4"}}, "is not a tpu_v2"),
    ({"accelerator_config": {"type": "V5LITE_POD", "topology": "2x2x2"}}, "does not shape"),
    ({"runtime_version": "tpu-vm-v4-base"}, "does not run on v5litepod-8"),
])
def test_gcp_shapes_catch_tpu_mismatches(preview: Any, change: dict[str, Any],
                                         message: str) -> None:
    inv, queued = _gcp(preview, "gcp-tpu-lab", tokens.DYNAMIC_RESOURCE)
    queued.inputs["node"].update(change)
    assert any(message in p.message for p in check_gcp(inv)[1])


def test_gcp_shapes_catch_a_tpu_disk_it_cannot_attach(preview: Any) -> None:
    inv, disk = _gcp(preview, "gcp-tpu-lab", tokens.GCP_COMPUTE_DISK)
    disk.inputs["type"] = "pd-standard"
    assert any("cannot attach a pd-standard" in p.message for p in check_gcp(inv)[1])


def test_gcp_shapes_catch_a_filestore_below_its_tier(preview: Any) -> None:
    inv, fs = _gcp(preview, "gcp-gpu-lab", tokens.GCP_FILESTORE_INSTANCE)
    fs.inputs["tier"] = "BASIC_SSD"
    assert any("outside BASIC_SSD's 2560" in p.message for p in check_gcp(inv)[1])


CLOUD_CLIENTS = ("boto3", "botocore", "google.cloud", "google.api_core", "googleapiclient")
CLIENT_USERS = {
    "infra/gcp/tpu_queue.py": "TpuClient calls: tests/infra/gcp/test_tpu_queue.py "
                              "(create_autospec of the client, real client over fake REST)",
    "infra/contract/botocore_check.py": "botocore's models and validator, no calls",
    "infra/contract/sdk_args.py": "google-cloud-tpu message types, no calls",
    "infra/contract/gcp_shapes.py": "google-cloud-tpu enums, no calls",
    "infra/contract/dashboards.py": "monitoring_dashboard_v1 message types "
                                    "(json_format.Parse), no calls",
}


def test_every_cloud_client_use_in_infra_is_one_the_contracts_cover() -> None:
    """A new call into boto3 or a Google client library must come with a contract
    test (a create_autospec of the real client or the real client over a fake
    transport) and a line here."""
    import ast

    from tests.support import ROOT

    users = set()
    for path in (ROOT / "infra").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        if any(name.startswith(CLOUD_CLIENTS) for name in names):
            users.add(str(path.relative_to(ROOT)))
    assert users == set(CLIENT_USERS)
