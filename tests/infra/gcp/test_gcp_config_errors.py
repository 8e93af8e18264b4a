"""Invalid GCP stack config: one-line errors naming the key, the value and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from ailab.core.errors import ConfigError
from ailab.infra.config import stack_file_values
from ailab.infra.spec import load_spec

BASE: dict[str, Any] = {
    "ailab:cloud": "gcp",
    "gcp:project": "ailab-test-project",
    "gcp:region": "us-central1",
    "gcp:zone": "us-central1-a",
    "ailab:owner": "lab@example.com",
}
A3 = {"ailab:clusterMachineType": "a3-highgpu-8g", "gcp:zone": "us-central1-c"}
V5E = {"ailab:tpuType": "v5litepod-8"}


def spec_with(changes: dict[str, Any]) -> Any:
    config = dict(BASE)
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    return load_spec(stack_file_values(config), "test")


CASES = [
    ("accelerator not offered in the zone", {"ailab:machineType": "a3-highgpu-8g",
                                             "gcp:region": "us-east5", "gcp:zone": "us-east5-b"},
     "ailab:machineType", "not offered in zone us-east5-b; zones in us-east5: us-east5-a"),
    ("TPU not offered in the zone", {**V5E, "gcp:zone": "us-central1-b"},
     "ailab:tpuType", "not offered in zone us-central1-b"),
    ("machine type not offered in the region", {"ailab:machineType": "g2-standard-8",
                                                "gcp:region": "us-south1",
                                                "gcp:zone": "us-south1-a"},
     "ailab:machineType", "not offered in us-south1"),
    ("TPU type/runtime mismatch", {**V5E, "ailab:tpuRuntime": "tpu-vm-v4-base"},
     "ailab:tpuRuntime", "does not run on v5litepod-8"),
    ("TPU topology not valid for the type", {**V5E, "ailab:tpuTopology": "4x4"},
     "ailab:tpuTopology", "not a topology of v5litepod-8 (8 chips, 2D)"),
    ("3D topology on a 2D TPU", {**V5E, "ailab:tpuTopology": "2x2x2"},
     "ailab:tpuTopology", "e.g. 2x4"),
    ("unknown TPU generation", {"ailab:tpuType": "v9-8"}, "ailab:tpuType", "generations: v2"),
    ("compact placement across zones", {**A3, "ailab:clusterZones": ["us-central1-a",
                                                                     "us-central1-b"]},
     "ailab:clusterZones", "compact placement keeps every node in one zone"),
    ("spot on a reservation (VMs)", {"ailab:machineType": "g2-standard-8", "ailab:spot": True,
                                     "ailab:reservationName": "r1"},
     "ailab:reservationName", "spot capacity cannot consume a reservation"),
    ("spot on a reservation (TPU)", {**V5E, "ailab:reservationName": "r1"},
     "ailab:reservationName", "set ailab:tpuSpot to false"),
    ("AWS tiering value on gcp", {"ailab:bucketTiering": "intelligent-tiering"},
     "ailab:bucketTiering", "allowed on gcp: lifecycle, autoclass, none"),
    ("lifecycle days out of order", {"ailab:bucketColdlineDays": 20},
     "ailab:bucketColdlineDays", "must be later than bucketNearlineDays (30)"),
    ("AWS-only key on a gcp stack", {"ailab:instanceType": "g6.xlarge"},
     "ailab:instanceType", "is an AWS-only key"),
    ("not a GPU machine type", {"ailab:machineType": "n2-standard-8"},
     "ailab:machineType", "not a GPU machine type"),
    ("no spot market", {"ailab:tpuType": "v3-8", "ailab:tpuSpot": True,
                        "gcp:region": "us-east1", "gcp:zone": "us-east1-d"},
     "ailab:tpuType", "has no spot market in us-east1"),
    ("disk type the series cannot attach", {"ailab:machineType": "g2-standard-8",
                                            "ailab:dataDiskGb": 100,
                                            "ailab:dataDiskType": "hyperdisk-balanced"},
     "ailab:dataDiskType", "g2-standard-8 cannot attach it"),
    ("v6e data disk must be Hyperdisk", {"ailab:tpuType": "v6e-8", "gcp:zone": "us-central1-b",
                                         "ailab:tpuDataDiskGb": 100},
     "ailab:dataDiskType", "allowed: hyperdisk-balanced"),
    ("Filestore below the tier minimum", {"ailab:filestore": True,
                                          "ailab:filestoreTier": "BASIC_SSD",
                                          "ailab:filestoreCapacityGb": 1024},
     "ailab:filestoreCapacityGb", "BASIC_SSD takes 2560..65434 GiB"),
    ("bad cron", {"ailab:scheduleStop": "every evening"}, "ailab:scheduleStop", "5-field cron"),
    ("start without stop", {"ailab:scheduleStart": "0 8 * * *"}, "ailab:scheduleStop",
     "needs a stop schedule"),
    ("unknown time zone", {"ailab:scheduleStop": "0 20 * * *",
                           "ailab:scheduleTimeZone": "Mars/Olympus"},
     "ailab:scheduleTimeZone", "not an IANA time zone"),
    ("budget without billing account", {"ailab:budgetMonthlyUsd": 100},
     "ailab:billingAccount", "belongs to a billing account"),
    ("malformed billing account", {"ailab:billingAccount": "abc", "ailab:budgetMonthlyUsd": 5},
     "ailab:billingAccount", "XXXXXX-XXXXXX-XXXXXX"),
    ("sshCidr with no external IP to reach", {**V5E, "ailab:sshCidr": "203.0.113.0/24"},
     "ailab:sshCidr", "SSH goes through IAP only"),
    ("watchdog threshold out of range", {"ailab:autoStopGpuPercent": 0},
     "ailab:autoStopGpuPercent", "must be 1..100"),
    ("zone of another region", {"gcp:zone": "europe-west4-a"}, "gcp:zone",
     "expected a zone of us-central1"),
    ("missing project", {"gcp:project": None}, "gcp:project", "required on gcp"),
    ("missing zone", {"gcp:zone": None}, "gcp:zone", "required on gcp"),
    ("GPU NIC range overlaps the subnet", {**A3, "ailab:gpuNicCidr": "10.30.0.0/16"},
     "ailab:gpuNicCidr", "overlaps subnetCidr"),
    ("GPU NIC range too small", {**A3, "ailab:gpuNicCidr": "10.31.0.0/24"},
     "ailab:gpuNicCidr", "too small for 4 /24 subnets"),
    ("pool min above max", {"ailab:poolMachineType": "g2-standard-4", "ailab:poolMin": 5,
                            "ailab:poolMax": 2}, "ailab:poolMin", "within 0..poolMax"),
    ("queued TPU on a reservation", {**V5E, "ailab:tpuSpot": False, "ailab:tpuQueued": True,
                                     "ailab:reservationName": "r1"},
     "ailab:tpuQueued", "reservation is consumed directly"),
]


@pytest.mark.parametrize(("label", "changes", "key", "fragment"), CASES,
                         ids=[c[0] for c in CASES])
def test_invalid_config_is_one_line_naming_the_key(label: str, changes: dict[str, Any],
                                                   key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        spec_with(changes)
    message = str(info.value)
    assert "\n" not in message
    assert key in message, message
    assert fragment in message, message


def test_the_kinds_cover_the_issue_list() -> None:
    labels = {c[0] for c in CASES}
    assert {"accelerator not offered in the zone", "TPU type/runtime mismatch",
            "TPU topology not valid for the type", "compact placement across zones",
            "spot on a reservation (VMs)"} <= labels
    assert len(CASES) >= 8


def test_valid_minimal_gcp_spec() -> None:
    spec = spec_with({**V5E, "ailab:bucketTiering": "autoclass"}).gcp
    assert spec.tpu.topology == "2x4" and spec.tpu.runtime == "v2-alpha-tpuv5-lite"
    assert spec.network.ssh_sources == ("35.235.240.0/20",)
    assert spec.vms is None and spec.cluster is None and spec.budget is None


def test_reservation_is_fine_on_demand() -> None:
    spec = spec_with({**A3, "ailab:clusterSpot": False, "ailab:reservationName": "h100s"}).gcp
    assert spec.cluster.reservation == "h100s"
    assert spec.cluster.gpu_nics == 4 and spec.network.gpu_nic_cidrs[-1] == "10.31.3.0/24"
