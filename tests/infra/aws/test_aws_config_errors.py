"""Invalid AWS stack config: one-line errors naming the key, the value and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from ailab.core.errors import ConfigError
from ailab.infra.config import stack_file_values
from ailab.infra.spec import load_spec

BASE: dict[str, Any] = {
    "aws:region": "us-east-1",
    "ailab:owner": "lab@example.com",
    "ailab:instanceType": "g6.xlarge",
}


def spec_with(**changes: Any) -> Any:
    config = dict(BASE)
    for key, value in changes.items():
        full = key.replace("__", ":")
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value
    return load_spec(stack_file_values(config), "test")


CASES = [
    ("unknown instance type", {"ailab__instanceType": "g9.huge"},
     "ailab:instanceType", "unknown instance type"),
    ("type not offered in region", {"ailab__instanceType": "g6.xlarge",
                                    "aws__region": "eu-south-1"},
     "ailab:instanceType", "not offered in eu-south-1"),
    ("region unknown", {"aws__region": "mars-north-1"}, "aws:region", "not a region"),
    ("count zero", {"ailab__instanceCount": 0}, "ailab:instanceCount", "must be 1 or more"),
    ("negative cluster nodes", {"ailab__clusterInstanceType": "p5.48xlarge",
                                "ailab__clusterNodes": -2},
     "ailab:clusterNodes", "must be 1 or more"),
    ("pool min above max", {"ailab__poolInstanceTypes": ["g5.xlarge"], "ailab__poolMin": 5,
                            "ailab__poolMax": 2},
     "ailab:poolMin", "must not exceed poolMax"),
    ("desired outside range", {"ailab__poolInstanceTypes": ["g5.xlarge"], "ailab__poolMin": 1,
                               "ailab__poolDesired": 9, "ailab__poolMax": 4},
     "ailab:poolDesired", "within poolMin..poolMax"),
    ("malformed CIDR", {"ailab__vpcCidr": "10.0.0.0/33"}, "ailab:vpcCidr", "IPv4 CIDR"),
    ("host bits set", {"ailab__vpcCidr": "10.20.0.1/16"}, "ailab:vpcCidr", "IPv4 CIDR"),
    ("overlapping subnets", {"ailab__publicSubnetCidrs": ["10.20.0.0/20", "10.20.8.0/24"]},
     "ailab:publicSubnetCidrs/privateSubnetCidrs", "overlaps"),
    ("subnet outside vpc", {"ailab__privateSubnetCidrs": ["10.99.0.0/20", "10.20.144.0/20"]},
     "ailab:publicSubnetCidrs/privateSubnetCidrs", "outside"),
    ("spot without a spot market", {"ailab__instanceType": "p5.4xlarge",
                                    "aws__region": "us-east-1", "ailab__spot": True},
     "ailab:instanceType", "no spot market"),
    ("EFA on a type without EFA", {"ailab__clusterInstanceType": "g6.xlarge"},
     "ailab:clusterInstanceType", "has no EFA"),
    ("EFA across zones", {"ailab__clusterInstanceType": "p5.48xlarge",
                          "ailab__clusterAzs": ["us-east-1a", "us-east-1b"]},
     "ailab:clusterAzs", "one availability zone"),
    ("missing owner", {"ailab__owner": None}, "ailab:owner", "required"),
    ("missing region", {"aws__region": None}, "aws:region", "required"),
    ("typo in key", {"ailab__instanceTyp": "g6.xlarge"}, "ailab:instanceTyp",
     "did you mean ailab:instanceType"),
    ("ssh open to world", {"ailab__sshCidr": "0.0.0.0/0"}, "ailab:sshCidr", "refused"),
    ("unknown cloud", {"ailab__cloud": "azure"}, "ailab:cloud", "allowed: aws, gcp"),
    ("bad boolean", {"ailab__spot": "maybe"}, "ailab:spot", "true or false"),
    ("bad integer", {"ailab__instanceCount": "two"}, "ailab:instanceCount", "whole number"),
    ("lifecycle out of order", {"ailab__bucketIaDays": 90, "ailab__bucketGlacierIrDays": 60},
     "ailab:bucketGlacierIrDays", "later than bucketIaDays"),
    ("unknown tiering", {"ailab__bucketTiering": "glacier"}, "ailab:bucketTiering",
     "allowed: lifecycle"),
    ("budget without e-mail", {"ailab__budgetMonthlyUsd": 100}, "ailab:budgetEmails",
     "at least one e-mail"),
    ("bad expiry date", {"ailab__expires": "next week"}, "ailab:expires", "YYYY-MM-DD"),
    ("fsx bad size", {"ailab__fsxLustre": True, "ailab__fsxStorageGb": 1000},
     "ailab:fsxStorageGb", "1200 or a multiple of 2400"),
    ("gp3 iops out of range", {"ailab__dataVolumeGb": 100, "ailab__dataVolumeIops": 50000},
     "ailab:dataVolumeIops", "gp3 allows"),
    ("GCP-only key on AWS", {"ailab__tpuType": "v5litepod-8"}, "ailab:tpuType",
     "GCP-only key"),
    ("pool type without GPU", {"ailab__poolInstanceTypes": ["m7i.2xlarge"]},
     "ailab:poolInstanceTypes", "not a GPU instance type"),
]


@pytest.mark.parametrize(("label", "changes", "key", "fragment"), CASES,
                         ids=[c[0] for c in CASES])
def test_invalid_config_is_one_line_naming_the_key(label: str, changes: dict, key: str,
                                                   fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        spec_with(**changes)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{key}: "), message
    assert fragment in message, message
    assert info.value.key == key


def test_valid_base_config_loads() -> None:
    spec = spec_with()
    assert spec.aws.instances.instance_type == "g6.xlarge"
    assert spec.aws.network.azs == ("us-east-1a", "us-east-1b")
    assert spec.tags() == {"ailab:stack": "test", "ailab:owner": "lab@example.com"}


def test_efa_count_comes_from_the_type() -> None:
    spec = spec_with(ailab__clusterInstanceType="p4d.24xlarge")
    assert spec.aws.cluster.efa_interfaces == 4
    assert spec.aws.cluster.az == "us-east-1a"
