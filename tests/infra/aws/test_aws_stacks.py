"""Properties of the shipped AWS stacks that users and auditors care about."""

from __future__ import annotations

import json

import pytest

from ailab.infra.aws.facts import efa_interfaces

AWS_STACKS = ["aws-gpu-lab", "aws-spot-pool", "aws-h100-cluster"]
TAGGABLE_PREFIXES = ("aws:ec2/vpc:", "aws:ec2/subnet:", "aws:ec2/instance:", "aws:s3/bucket:Bucket",
                     "aws:ebs/", "aws:efs/fileSystem", "aws:fsx/lustre", "aws:iam/role:",
                     "aws:ec2/securityGroup", "aws:ec2/launchTemplate",
                     "aws:cloudwatch/metricAlarm", "aws:cloudwatch/logGroup", "aws:rds/",
                     "aws:ecs/", "aws:lb/")
"""Every taggable type ailab declares (CloudWatch dashboards take no tags)."""


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_every_taggable_resource_carries_stack_and_owner(preview, stack: str) -> None:
    inv = preview(stack)
    tagged = [r for r in inv.resources if r.type.startswith(TAGGABLE_PREFIXES)]
    assert tagged
    for res in tagged:
        tags = res.inputs.get("tags") or {}
        assert tags.get("ailab:stack") == stack, res.name
        assert tags.get("ailab:owner"), res.name


def test_expires_tag_present_where_configured(preview) -> None:
    vpc = preview("aws-gpu-lab").by_type("aws:ec2/vpc:Vpc")[0]
    assert vpc.inputs["tags"]["ailab:expires"] == "2027-06-30"
    pool_vpc = preview("aws-spot-pool").by_type("aws:ec2/vpc:Vpc")[0]
    assert "ailab:expires" not in pool_vpc.inputs["tags"]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_every_child_has_a_parent_component(preview, stack: str) -> None:
    inv = preview(stack)
    components = {r.name for r in inv.resources if not r.custom}
    for res in inv.resources:
        if res.custom and not res.type.startswith("pulumi:providers:"):
            assert res.parent in components, res.name


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_no_ssh_from_the_world(preview, stack: str) -> None:
    for sg in preview(stack).by_type("aws:ec2/securityGroup:SecurityGroup"):
        for rule in sg.inputs.get("ingress") or []:
            assert "0.0.0.0/0" not in (rule.get("cidrBlocks") or []), sg.name


def test_lab_sg_allows_ssh_only_from_configured_cidr_and_all_within_group(preview) -> None:
    sg = preview("aws-gpu-lab").get("aws-gpu-lab-net-cluster-sg")
    ingress = sg.inputs["ingress"]
    ssh = [r for r in ingress if r.get("fromPort") == 22]
    assert ssh == [{"protocol": "tcp", "fromPort": 22, "toPort": 22,
                    "cidrBlocks": ["203.0.113.0/24"], "description": "SSH from sshCidr"}]
    assert any(r.get("self") and r["protocol"] == "-1" for r in ingress)
    assert any(r.get("self") and r["protocol"] == "-1" for r in sg.inputs["egress"])


def test_no_ssh_rule_at_all_without_ssh_cidr(preview) -> None:
    sg = preview("aws-spot-pool").get("aws-spot-pool-net-cluster-sg")
    assert all(r.get("fromPort") != 22 for r in sg.inputs["ingress"])


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_machines_require_imdsv2_and_encrypted_roots(preview, stack: str) -> None:
    inv = preview(stack)
    launchers = inv.by_type("aws:ec2/launchTemplate:LaunchTemplate") + [
        r for r in inv.by_type("aws:ec2/instance:Instance") if "launchTemplate" not in r.inputs]
    assert launchers
    for res in launchers:
        assert res.inputs["metadataOptions"]["httpTokens"] == "required", res.name
        if "rootBlockDevice" in res.inputs:
            root = res.inputs["rootBlockDevice"]
            assert root["encrypted"] is True and root["volumeType"] == "gp3"
        else:
            for bdm in res.inputs["blockDeviceMappings"]:
                assert bdm["ebs"]["encrypted"] == "true"


def test_gpu_lab_machine_is_spot_with_stop_on_interruption(preview) -> None:
    [machine] = preview("aws-gpu-lab").by_type("aws:ec2/instance:Instance")
    assert machine.inputs["instanceType"] == "g6.xlarge"
    market = machine.inputs["instanceMarketOptions"]
    assert market["marketType"] == "spot"
    assert market["spotOptions"]["instanceInterruptionBehavior"] == "stop"
    assert machine.inputs["rootBlockDevice"]["volumeSize"] == 200
    assert machine.inputs["amiId" if "amiId" in machine.inputs else "ami"].startswith("ami-")


def test_gpu_lab_storage_tiers(preview) -> None:
    inv = preview("aws-gpu-lab")
    [vol] = inv.by_type("aws:ebs/volume:Volume")
    assert (vol.inputs["type"], vol.inputs["size"], vol.inputs["iops"],
            vol.inputs["throughput"], vol.inputs["encrypted"]) == ("gp3", 500, 3000, 125, True)
    [efs] = inv.by_type("aws:efs/fileSystem:FileSystem")
    assert efs.inputs["encrypted"] is True
    assert len(inv.by_type("aws:efs/mountTarget:MountTarget")) == 2
    assert inv.by_type("aws:ec2/volumeAttachment:VolumeAttachment")


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_bucket_is_private_encrypted_versioned(preview, stack: str) -> None:
    inv = preview(stack)
    [pab] = inv.by_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(pab.inputs[k] is True for k in ("blockPublicAcls", "blockPublicPolicy",
                                               "ignorePublicAcls", "restrictPublicBuckets"))
    [ver] = inv.by_type("aws:s3/bucketVersioning:BucketVersioning")
    assert ver.inputs["versioningConfiguration"]["status"] == "Enabled"
    [sse] = inv.by_type("aws:s3/bucketServerSideEncryptionConfiguration:"
                        "BucketServerSideEncryptionConfiguration")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == \
        "aws:kms"


def test_lifecycle_moves_to_ia_then_glacier_ir_and_aborts_uploads(preview) -> None:
    [lc] = preview("aws-gpu-lab").by_type(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    tier = next(r for r in lc.inputs["rules"] if r["id"] == "tier-by-age")
    assert [(t["storageClass"], t["days"]) for t in tier["transitions"]] == [
        ("STANDARD_IA", 30), ("GLACIER_IR", 90)]
    abort = next(r for r in lc.inputs["rules"] if r["id"] == "abort-incomplete-uploads")
    assert abort["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7


def test_intelligent_tiering_stack(preview) -> None:
    [lc] = preview("aws-spot-pool").by_type(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    classes = [t["storageClass"] for r in lc.inputs["rules"] for t in r.get("transitions", [])]
    assert classes == ["INTELLIGENT_TIERING"]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_data_stores_retained_on_delete(preview, stack: str) -> None:
    inv = preview(stack)
    stores = [r for r in inv.resources if r.type in (
        "aws:s3/bucket:Bucket", "aws:ebs/volume:Volume", "aws:efs/fileSystem:FileSystem",
        "aws:fsx/lustreFileSystem:LustreFileSystem")]
    assert stores
    assert all(r.retain_on_delete for r in stores)
    assert not any(r.retain_on_delete for r in inv.by_type("aws:ec2/instance:Instance"))


def test_retain_on_delete_can_be_turned_off(preview) -> None:
    inv = preview("aws-gpu-lab", {"ailab:retainOnDelete": False})
    assert not inv.get("aws-gpu-lab-data-bucket").retain_on_delete


def test_spot_pool_mixed_instances_policy(preview) -> None:
    [asg] = preview("aws-spot-pool").by_type("aws:autoscaling/group:Group")
    assert (asg.inputs["minSize"], asg.inputs["desiredCapacity"], asg.inputs["maxSize"]) == \
        (1, 2, 16)
    assert asg.inputs["capacityRebalance"] is True
    mip = asg.inputs["mixedInstancesPolicy"]
    dist = mip["instancesDistribution"]
    assert dist["spotAllocationStrategy"] == "price-capacity-optimized"
    assert dist["onDemandBaseCapacity"] == 1
    assert dist["onDemandPercentageAboveBaseCapacity"] == 0
    types = [o["instanceType"] for o in mip["launchTemplate"]["overrides"]]
    assert types == ["g5.xlarge", "g5.2xlarge", "g6.xlarge", "g6.2xlarge", "g6e.xlarge"]
    assert len(asg.inputs["vpcZoneIdentifiers"]) == 2
    assert {"key": "ailab:stack", "value": "aws-spot-pool", "propagateAtLaunch": True} in \
        asg.inputs["tags"]


def test_h100_cluster_efa_and_placement(preview) -> None:
    inv = preview("aws-h100-cluster")
    [pg] = inv.by_type("aws:ec2/placementGroup:PlacementGroup")
    assert pg.inputs["strategy"] == "cluster"
    [lt] = inv.by_type("aws:ec2/launchTemplate:LaunchTemplate")
    nics = lt.inputs["networkInterfaces"]
    assert len(nics) == efa_interfaces("p5.48xlarge") == 32
    assert nics[0]["interfaceType"] == "efa" and nics[0]["deviceIndex"] == 0
    assert all(n["interfaceType"] == "efa-only" for n in nics[1:])
    assert sorted(n["networkCardIndex"] for n in nics) == list(range(32))
    assert len({n["subnetId"] for n in nics}) == 1
    assert all(n["associatePublicIpAddress"] == "false" for n in nics)
    nodes = inv.by_type("aws:ec2/instance:Instance")
    assert len(nodes) == 2
    assert all(n.inputs["instanceType"] == "p5.48xlarge" for n in nodes)
    assert all(n.inputs["placementGroup"] for n in nodes)


def test_h100_cluster_lustre_linked_to_bucket(preview) -> None:
    inv = preview("aws-h100-cluster")
    [fsx] = inv.by_type("aws:fsx/lustreFileSystem:LustreFileSystem")
    assert fsx.inputs["deploymentType"] == "PERSISTENT_2"
    assert fsx.inputs["storageCapacity"] == 2400
    assert isinstance(fsx.inputs["subnetIds"], str)
    [dra] = inv.by_type("aws:fsx/dataRepositoryAssociation:DataRepositoryAssociation")
    bucket = inv.get("aws-h100-cluster-data-bucket")
    assert dra.inputs["dataRepositoryPath"].startswith("s3://")
    assert bucket.inputs["bucketPrefix"] in dra.inputs["dataRepositoryPath"]


@pytest.mark.parametrize("stack", ["aws-gpu-lab", "aws-h100-cluster"])
def test_one_autostop_alarm_per_gpu_instance(preview, stack: str) -> None:
    inv = preview(stack)
    instances = inv.by_type("aws:ec2/instance:Instance")
    alarms = inv.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == len(instances)
    for alarm in alarms:
        assert alarm.inputs["metricName"] == "nvidia_smi_utilization_gpu"
        assert alarm.inputs["comparisonOperator"] == "LessThanThreshold"
        assert alarm.inputs["alarmActions"] == ["arn:aws:automate:us-east-1:ec2:stop"]
    ids = {a.inputs["dimensions"]["InstanceId"] for a in alarms}
    assert ids == {f"{i.name}-id" for i in instances}


def test_budget_alerts(preview) -> None:
    [budget] = preview("aws-gpu-lab").by_type("aws:budgets/budget:Budget")
    assert budget.inputs["limitAmount"] == "450.00"
    assert [n["threshold"] for n in budget.inputs["notifications"]] == [50, 80, 100]
    assert budget.inputs["costFilters"] == [
        {"name": "TagKeyValue", "values": ["user:ailab:stack$aws-gpu-lab"]}]


def test_instance_role_reaches_only_the_lab_bucket(preview) -> None:
    inv = preview("aws-gpu-lab")
    policy = inv.get("aws-gpu-lab-nodes-bucket-access")
    doc = json.loads(policy.inputs["policy"])
    bucket = inv.get("aws-gpu-lab-data-bucket").inputs["bucketPrefix"]
    for stmt in doc["Statement"]:
        assert "*" not in stmt["Action"]
        resources = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
        assert all(r.startswith(f"arn:aws:s3:::{bucket}") for r in resources)


def test_private_subnets_route_through_nat_when_enabled(preview) -> None:
    inv = preview("aws-h100-cluster")
    rt = inv.get("aws-h100-cluster-net-private-rt")
    assert rt.inputs["routes"][0]["natGatewayId"]
    gpu_lab_rt = preview("aws-gpu-lab").get("aws-gpu-lab-net-private-rt")
    assert not gpu_lab_rt.inputs.get("routes")
    assert not preview("aws-gpu-lab").by_type("aws:ec2/natGateway:NatGateway")


def test_cluster_scales_linearly_in_resources(preview) -> None:
    small = preview("aws-h100-cluster", {"ailab:clusterNodes": 2})
    big = preview("aws-h100-cluster", {"ailab:clusterNodes": 5})
    assert len(big.resources) - len(small.resources) == 3 * 2  # node + alarm per node


def test_on_demand_cluster_carries_its_spot_exemption(preview) -> None:
    inv = preview("aws-h100-cluster")
    for node in inv.by_type("aws:ec2/instance:Instance"):
        assert node.inputs["tags"]["ailab:spot-exempt"] == \
            "on-demand EFA cluster: spot reclaims break multi-node jobs"
    spot_lab = preview("aws-gpu-lab").by_type("aws:ec2/instance:Instance")[0]
    assert "ailab:spot-exempt" not in spot_lab.inputs["tags"]


def test_spot_exempt_reason_is_reduced_to_valid_tag_characters() -> None:
    from ailab.infra.aws.lab import spot_exempt_tag

    assert spot_exempt_tag("needs (on-demand) #1!", on_demand=True) == {
        "ailab:spot-exempt": "needs on-demand 1"}
    assert spot_exempt_tag("reason", on_demand=False) == {}
    assert spot_exempt_tag(None, on_demand=True) == {}


def test_inventory_records_property_dependencies(preview) -> None:
    inv = preview("aws-gpu-lab")
    assert inv.get("aws-gpu-lab-data-versioning").deps == {"bucket": ["aws-gpu-lab-data-bucket"]}


def test_inventory_order_is_stable_and_tree_shaped() -> None:
    from ailab.infra.preview import preview_stack
    from ailab.preview.engine import tree_order

    first = [r.name for r in preview_stack("aws-h100-cluster").resources]
    second = [r.name for r in preview_stack("aws-h100-cluster").resources]
    assert first == second
    assert first[0] == "aws-h100-cluster"
    nodes = [n for n in first if "-cluster-node-" in n]
    assert nodes == ["aws-h100-cluster-cluster-node-0", "aws-h100-cluster-cluster-node-1"]
    from ailab.core.inventory import Resource

    shuffled = [Resource("t", "lab-node-10", "lab", {}), Resource("c", "lab", None, {}, False),
                Resource("t", "lab-node-2", "lab", {})]
    assert [r.name for r in tree_order(shuffled)] == ["lab", "lab-node-2", "lab-node-10"]
