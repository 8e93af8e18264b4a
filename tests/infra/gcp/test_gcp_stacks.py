"""Properties of the shipped GCP stacks, asserted on the offline preview."""

from __future__ import annotations

import importlib
import inspect
import json
from typing import Any

import pytest

from ailab.infra.gcp.facts import IAP_SSH_RANGE
from ailab.infra.preview import inventory_json

GCP_STACKS = ["gcp-tpu-lab", "gcp-gpu-lab", "gcp-a3-cluster"]
INSTANCE = "gcp:compute/instance:Instance"
DEFAULT_COMPUTE_SA = "-compute@developer.gserviceaccount.com"


def _label_field(token: str) -> str | None:
    """The resource-label input of a pulumi-gcp type (``userLabels`` where ``labels``
    means something else, as on notification channels), or None."""
    if not token.startswith("gcp:"):
        return None
    module, cls = token.split(":")[1].split("/")[0], token.split(":")[2]
    resource = getattr(importlib.import_module(f"pulumi_gcp.{module}"), cls)
    params = inspect.signature(resource._internal_init).parameters
    return "userLabels" if "user_labels" in params else "labels" if "labels" in params else None


def one(inv: Any, type_: str) -> Any:
    found = inv.by_type(type_)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_preview_lists_every_resource_with_the_aws_schema(preview, stack: str) -> None:
    inv = preview(stack)
    doc = json.loads(inventory_json(inv))
    assert doc["cloud"] == "gcp" and doc["region"] == "us-central1"
    components = {r["name"] for r in doc["resources"] if not r["custom"]}
    for res in doc["resources"]:
        assert set(res) == {"type", "name", "parent", "inputs", "custom", "retain_on_delete",
                            "protect", "dependencies", "id", "outputs"}
        assert res["parent"] is None or res["parent"] in components
        assert "__provider" not in res["inputs"]
    assert doc["resources"][0]["type"] == "ailab:gcp:Lab"


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_everything_that_takes_labels_carries_them(preview, stack: str) -> None:
    inv = preview(stack)
    labelled = [r for r in inv.resources if _label_field(r.type)]
    assert len(labelled) >= 2
    for res in labelled:
        labels = res.inputs.get(_label_field(res.type) or "") or {}
        assert labels.get("ailab-stack") == stack, res.name
        assert labels.get("ailab-owner"), res.name
        assert labels.get("ailab-expires"), res.name


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_network_nat_private_access_and_firewalls(preview, stack: str) -> None:
    inv = preview(stack)
    vpc = inv.get(f"{stack}-net-vpc")
    assert vpc.inputs["autoCreateSubnetworks"] is False
    assert inv.get(f"{stack}-net-subnet").inputs["privateIpGoogleAccess"] is True
    internal = inv.get(f"{stack}-net-allow-internal").inputs
    assert internal["sourceRanges"] == ["10.30.0.0/20"]
    assert internal["allows"] == [{"protocol": "all"}]
    ssh = inv.get(f"{stack}-net-allow-ssh").inputs
    assert ssh["allows"] == [{"protocol": "tcp", "ports": ["22"]}]
    assert ssh["sourceRanges"] == [IAP_SSH_RANGE], "SSH through IAP reaches every machine"
    nat = one(inv, "gcp:compute/routerNat:RouterNat").inputs
    assert nat["sourceSubnetworkIpRangesToNat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES"
    assert one(inv, "gcp:compute/router:Router").inputs["network"].endswith(f"{stack}-net-vpc")


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_dedicated_service_account_with_minimal_roles(preview, stack: str) -> None:
    inv = preview(stack)
    account = inv.get(f"{stack}-nodes-sa")   # the tracking server, if any, has its own
    roles = sorted(r.inputs["role"] for r in inv.by_type("gcp:projects/iAMMember:IAMMember")
                   if "nodes" in r.name)
    assert roles == ["roles/logging.logWriter", "roles/monitoring.metricWriter"]
    grants = [g for g in inv.by_type("gcp:storage/bucketIAMMember:BucketIAMMember")
              if not g.name.startswith(f"{stack}-tracking")]
    assert len(grants) == 1
    grant = grants[0].inputs
    assert grant["role"] == "roles/storage.objectUser"
    assert grant["member"].startswith(f"serviceAccount:{account.inputs['accountId']}@")
    emails = [r.inputs["serviceAccount"]["email"] for r in inv.by_type(INSTANCE)]
    emails += [r.inputs["node"]["service_account"]["email"]
               for r in inv.by_type("pulumi-python:dynamic:Resource")]
    assert emails
    for email in emails:
        assert email.startswith(account.inputs["accountId"] + "@")
        assert DEFAULT_COMPUTE_SA not in email


@pytest.mark.parametrize("stack", GCP_STACKS)
def test_bucket_private_versioned_and_retained(preview, stack: str) -> None:
    bucket = one(preview(stack), "gcp:storage/bucket:Bucket")
    assert bucket.inputs["uniformBucketLevelAccess"] is True
    assert bucket.inputs["publicAccessPrevention"] == "enforced"
    assert bucket.inputs["versioning"] == {"enabled": True}
    assert bucket.inputs["forceDestroy"] is False
    assert bucket.retain_on_delete


def test_gpu_lab_vm(preview) -> None:
    inv = preview("gcp-gpu-lab")
    vm = one(inv, INSTANCE).inputs
    assert vm["machineType"] == "g2-standard-8"
    assert "guestAccelerators" not in vm  # G2 bundles its L4
    assert vm["scheduling"] == {"provisioningModel": "SPOT", "preemptible": True,
                                "automaticRestart": False, "onHostMaintenance": "TERMINATE",
                                "instanceTerminationAction": "STOP"}
    assert vm["shieldedInstanceConfig"] == {"enableSecureBoot": True, "enableVtpm": True,
                                            "enableIntegrityMonitoring": True}
    assert vm["metadata"]["enable-oslogin"] == "TRUE"
    assert vm["metadata"]["block-project-ssh-keys"] == "TRUE"
    assert [n["nicType"] for n in vm["networkInterfaces"]] == ["GVNIC"]
    assert "accessConfigs" not in vm["networkInterfaces"][0]
    image = vm["bootDisk"]["initializeParams"]["image"]
    assert "/projects/deeplearning-platform-release/" in image
    assert vm["serviceAccount"]["scopes"] == ["https://www.googleapis.com/auth/cloud-platform"]
    disk = inv.get("gcp-gpu-lab-gpu-0-data")
    assert disk.retain_on_delete and disk.inputs["type"] == "pd-balanced"
    assert vm["attachedDisks"][0]["source"].endswith("/disks/gcp-gpu-lab-gpu-0-data")


def test_gpu_lab_schedule_watchdog_and_filestore(preview) -> None:
    inv = preview("gcp-gpu-lab")
    vm = one(inv, INSTANCE).inputs
    policy = one(inv, "gcp:compute/resourcePolicy:ResourcePolicy")
    sched = policy.inputs["instanceSchedulePolicy"]
    assert sched == {"timeZone": "America/Chicago", "vmStartSchedule": {"schedule":
                     "0 8 * * 1-5"}, "vmStopSchedule": {"schedule": "0 20 * * *"}}
    assert vm["resourcePolicies"].endswith("/resourcePolicies/gcp-gpu-lab-schedule-policy")
    agent = inv.get("gcp-gpu-lab-schedule-service-agent").inputs
    assert agent["role"] == "roles/compute.instanceAdmin.v1"
    assert agent["member"].endswith("@compute-system.iam.gserviceaccount.com")
    assert vm["metadata"]["ailab-idle-minutes"] == "30"
    assert vm["metadata"]["ailab-idle-gpu-percent"] == "10"
    script = vm["metadata"]["startup-script"]
    assert "systemctl enable --now ailab-idle-watchdog.service" in script
    fs = one(inv, "gcp:filestore/instance:Instance")
    assert fs.retain_on_delete
    assert fs.inputs["tier"] == "BASIC_HDD" and fs.inputs["fileShares"]["capacityGb"] == 1024
    assert fs.inputs["fileShares"]["nfsExportOptions"][0]["ipRanges"] == ["10.30.0.0/20"]
    assert "10.200.0.2:/home /home/shared nfs" in script
    assert "gcsfuse" not in script


def test_gpu_lab_bucket_lifecycle_and_budget(preview) -> None:
    inv = preview("gcp-gpu-lab")
    rules = one(inv, "gcp:storage/bucket:Bucket").inputs["lifecycleRules"]
    steps = [(r["action"].get("storageClass"), r["condition"]["age"]) for r in rules
             if r["action"]["type"] == "SetStorageClass"]
    assert steps == [("NEARLINE", 30), ("COLDLINE", 90), ("ARCHIVE", 365)]
    assert rules[-1] == {"action": {"type": "AbortIncompleteMultipartUpload"},
                         "condition": {"age": 7}}
    budget = one(inv, "gcp:billing/budget:Budget").inputs
    assert budget["billingAccount"] == "0A1B2C-3D4E5F-6A7B8C"
    assert budget["amount"]["specifiedAmount"] == {"currencyCode": "USD", "units": "500"}
    assert [r["thresholdPercent"] for r in budget["thresholdRules"]] == [0.5, 0.8, 1]
    assert budget["budgetFilter"]["labels"] == {"ailab-stack": "gcp-gpu-lab"}
    channel = one(inv, "gcp:monitoring/notificationChannel:NotificationChannel").inputs
    assert channel["labels"] == {"email_address": "ml-course@example.edu"}
    assert budget["allUpdatesRule"]["monitoringNotificationChannels"][0].endswith(
        "gcp-gpu-lab-budget-email-0")


def test_tpu_lab_queued_spot_slice(preview) -> None:
    from google.cloud import tpu_v2

    from ailab.infra.gcp.tpu_queue import queued_resource_body

    inv = preview("gcp-tpu-lab")
    queued = one(inv, "pulumi-python:dynamic:Resource").inputs
    assert queued["kind"] == "tpu.v2.QueuedResource" and queued["spot"] is True
    node = queued["node"]
    assert node["accelerator_config"] == {"type": "V5LITE_POD", "topology": "2x4"}
    assert node["runtime_version"] == "v2-alpha-tpuv5-lite"
    assert node["labels"]["ailab-stack"] == "gcp-tpu-lab"
    assert node["network_config"]["enable_external_ips"] is False
    assert node["data_disks"][0]["source_disk"].endswith("/disks/gcp-tpu-lab-tpu-0-data")
    assert inv.get("gcp-tpu-lab-tpu-0-data").retain_on_delete
    message = tpu_v2.QueuedResource(queued_resource_body(queued))
    assert "spot" in message
    assert message.tpu.node_spec[0].parent == "projects/ailab-tpu-lab/locations/us-central1-a"
    assert message.tpu.node_spec[0].node.accelerator_config.topology == "2x4"
    assert not inv.by_type("gcp:tpu/v2Vm:V2Vm")


def test_tpu_lab_bucket_autoclass_without_class_rules(preview) -> None:
    bucket = one(preview("gcp-tpu-lab"), "gcp:storage/bucket:Bucket").inputs
    assert bucket["autoclass"] == {"enabled": True, "terminalStorageClass": "ARCHIVE"}
    assert [r["action"]["type"] for r in bucket["lifecycleRules"]] == [
        "AbortIncompleteMultipartUpload"]


def test_a3_cluster_compact_placement_and_gpu_nics(preview) -> None:
    inv = preview("gcp-a3-cluster")
    policy = one(inv, "gcp:compute/resourcePolicy:ResourcePolicy")
    assert policy.inputs["groupPlacementPolicy"] == {"collocation": "COLLOCATED"}
    nodes = inv.by_type(INSTANCE)
    assert [n.inputs["labels"]["ailab-node-rank"] for n in nodes] == ["0", "1"]
    gpu_nets = [r for r in inv.by_type("gcp:compute/network:Network") if "gpunic" in r.name]
    assert len(gpu_nets) == 4 and all(n.inputs["mtu"] == 8244 for n in gpu_nets)
    for node in nodes:
        vm = node.inputs
        assert vm["machineType"] == "a3-highgpu-8g" and vm["zone"] == "us-central1-c"
        assert vm["resourcePolicies"].endswith("/gcp-a3-cluster-cluster-compact")
        nics = vm["networkInterfaces"]
        assert len(nics) == 5 and {n["nicType"] for n in nics} == {"GVNIC"}
        assert len({n["subnetwork"] for n in nics}) == 5
        assert vm["scheduling"]["onHostMaintenance"] == "TERMINATE"
        assert vm["scheduling"]["provisioningModel"] == "STANDARD"
        assert vm["metadata"]["ailab-gpudirect"] == "GPUDirect-TCPX"
        assert vm["labels"]["ailab-spot-exempt"].startswith("on-demand")
        script = vm["metadata"]["startup-script"]
        assert "gcsfuse --implicit-dirs" in script and "gcp-a3-cluster-data-bucket" in script
    assert not inv.by_type("gcp:filestore/instance:Instance")


def test_direct_tpu_vm_on_spot_and_reserved(preview) -> None:
    spot = preview("gcp-tpu-lab", {"ailab:tpuQueued": False, "ailab:tpuType": "v6e-8",
                                   "ailab:tpuRuntime": "v2-alpha-tpuv6e", "ailab:tpuTopology": "",
                                   "gcp:zone": "us-central1-b",
                                   "ailab:dataDiskType": "hyperdisk-balanced"}).by_type(
        "gcp:tpu/v2Vm:V2Vm")
    assert len(spot) == 1
    vm = spot[0].inputs
    assert vm["acceleratorConfig"] == {"type": "V6E", "topology": "2x4"}
    assert vm["schedulingConfig"] == {"spot": True}
    assert vm["dataDisks"][0]["mode"] == "READ_WRITE"
    assert vm["serviceAccount"]["email"].startswith("ailab-gcp-tpu-lab@")
    reserved = preview("gcp-tpu-lab", {"ailab:tpuQueued": False, "ailab:tpuSpot": False,
                                       "ailab:reservationName": "my-v5e"})
    assert one(reserved, "gcp:tpu/v2Vm:V2Vm").inputs["schedulingConfig"] == {"reserved": True}


def test_spot_pool_and_no_retention(preview) -> None:
    inv = preview("gcp-gpu-lab", {"ailab:poolMachineType": "g2-standard-4", "ailab:poolMin": 1,
                                  "ailab:poolMax": 8, "ailab:poolTargetUtilization": 60,
                                  "ailab:retainOnDelete": False})
    template = one(inv, "gcp:compute/instanceTemplate:InstanceTemplate").inputs
    assert template["scheduling"]["provisioningModel"] == "SPOT"
    assert template["scheduling"]["instanceTerminationAction"] == "DELETE"
    assert template["labels"]["ailab-stack"] == "gcp-gpu-lab"
    mig = one(inv, "gcp:compute/instanceGroupManager:InstanceGroupManager").inputs
    assert mig["versions"][0]["instanceTemplate"].endswith("/gcp-gpu-lab-pool-template")
    scaler = one(inv, "gcp:compute/autoscaler:Autoscaler").inputs
    assert scaler["autoscalingPolicy"]["minReplicas"] == 1
    assert scaler["autoscalingPolicy"]["maxReplicas"] == 8
    assert scaler["autoscalingPolicy"]["cpuUtilization"] == {"target": 0.6}
    assert scaler["target"].endswith("/gcp-gpu-lab-pool-mig")
    assert not any(r.retain_on_delete for r in inv.resources)


def test_preview_table_summaries(preview) -> None:
    from ailab.infra.summary import summarize

    vm = one(preview("gcp-gpu-lab"), INSTANCE)
    line = summarize(vm.type, vm.inputs)
    assert line.startswith("g2-standard-8, spot (stop on preemption), 1 NIC gVNIC")
    assert "Shielded VM" in line and "OS Login" in line and "idle stop 30 min" in line
    queued = one(preview("gcp-tpu-lab"), "pulumi-python:dynamic:Resource")
    assert summarize(queued.type, queued.inputs) == (
        "tpu.v2.QueuedResource, V5LITE_POD 2x4, v2-alpha-tpuv5-lite, spot")


def test_the_tpu_slice_is_reachable_over_iap(preview) -> None:
    """The queued slice has no external IP; its tag is the one the IAP rule targets."""
    inv = preview("gcp-tpu-lab")
    ssh = inv.get("gcp-tpu-lab-net-allow-ssh").inputs
    [slice_] = inv.by_type("pulumi-python:dynamic:Resource")
    node = slice_.inputs["node"]
    assert node["network_config"]["enable_external_ips"] is False
    assert set(node["tags"]) & set(ssh["targetTags"])
    assert IAP_SSH_RANGE in ssh["sourceRanges"]


def test_ssh_cidr_is_added_beside_iap_for_vms_with_external_ips(preview) -> None:
    inv = preview("gcp-gpu-lab", {"ailab:sshCidr": "203.0.113.0/24", "ailab:publicIp": True})
    ssh = inv.get("gcp-gpu-lab-net-allow-ssh").inputs
    assert ssh["sourceRanges"] == [IAP_SSH_RANGE, "203.0.113.0/24"]
    [vm] = inv.by_type("gcp:compute/instance:Instance")
    assert vm.inputs["networkInterfaces"][0]["accessConfigs"]
