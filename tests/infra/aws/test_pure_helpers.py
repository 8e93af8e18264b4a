"""Pure helpers: CIDR math, IAM documents, lifecycle rules, SG rules."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailab.core.errors import ConfigError
from ailab.infra.aws.iam import bucket_access_policy, ec2_assume_role_policy, metrics_policy
from ailab.infra.aws.network import security_group_rules
from ailab.infra.aws.spec import BucketSpec
from ailab.infra.aws.storage import lifecycle_rules
from ailab.infra.cidr import check_subnets, is_open_to_world, parse_cidr


def test_parse_cidr_accepts_and_rejects() -> None:
    assert str(parse_cidr("k", "10.0.0.0/16")) == "10.0.0.0/16"
    for bad in ("10.0.0.0/33", "10.0.0.1/16", "not-a-cidr", "300.0.0.0/8"):
        with pytest.raises(ConfigError):
            parse_cidr("k", bad)


@given(st.integers(min_value=16, max_value=28), st.integers(min_value=0, max_value=255))
def test_check_subnets_detects_any_overlap(prefix: int, second_octet: int) -> None:
    vpc = ipaddress.IPv4Network("10.0.0.0/8")
    net = ipaddress.IPv4Network(f"10.{second_octet}.0.0/{prefix}")
    inner = next(net.subnets(new_prefix=min(prefix + 2, 30)))
    with pytest.raises(ConfigError, match="overlaps"):
        check_subnets("vpc", vpc, "subnets", [net, inner])
    check_subnets("vpc", vpc, "subnets", [net])


def test_open_to_world() -> None:
    assert is_open_to_world("0.0.0.0/0")
    assert is_open_to_world("::/0")
    assert not is_open_to_world("203.0.113.0/24")


def test_bucket_policy_is_scoped_to_one_bucket() -> None:
    doc = bucket_access_policy("arn:aws:s3:::lab-bucket")
    resources = [s["Resource"] for s in doc["Statement"]]
    assert resources == ["arn:aws:s3:::lab-bucket", "arn:aws:s3:::lab-bucket/*"]
    assert all("*" not in a for s in doc["Statement"] for a in s["Action"])
    assert ec2_assume_role_policy()["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"}


def test_lifecycle_rules_by_tiering() -> None:
    spec = BucketSpec("lifecycle", 30, 90, 365, 3)
    rules = lifecycle_rules(spec)
    assert [t["storage_class"] for t in rules[0]["transitions"]] == [
        "STANDARD_IA", "GLACIER_IR", "DEEP_ARCHIVE"]
    assert rules[-1]["abort_incomplete_multipart_upload"]["days_after_initiation"] == 3
    assert len(lifecycle_rules(BucketSpec("none", 30, 90, 0, 7))) == 1
    it = lifecycle_rules(BucketSpec("intelligent-tiering", 30, 90, 0, 7))
    assert it[0]["transitions"] == [{"days": 0, "storage_class": "INTELLIGENT_TIERING"}]


def test_security_group_rules_without_ssh() -> None:
    ingress, egress = security_group_rules(None)
    assert all(r.get("from_port") != 22 for r in ingress)
    assert ingress[0]["self"] is True
    assert any(r.get("self") for r in egress)


def test_metrics_policy_is_scoped_to_the_agents_namespace() -> None:
    [stmt] = metrics_policy()["Statement"]
    assert stmt["Action"] == "cloudwatch:PutMetricData"
    assert stmt["Condition"] == {"StringEquals": {"cloudwatch:namespace": "CWAgent"}}
