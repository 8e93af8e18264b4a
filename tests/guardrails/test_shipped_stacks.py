"""Every shipped stack (all stacks/Pulumi.*.yaml) passes every guardrail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ailab.core import tokens
from ailab.guardrails.evaluate import evaluate_inventory
from ailab.guardrails.rule import Enforcement, Severity, load_rules
from ailab.infra.stacks import list_stacks

STACKS = list_stacks()


def test_stacks_are_discovered() -> None:
    assert any(s.startswith("aws-") for s in STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_shipped_stack_has_zero_violations(stack: str, preview: Callable[..., Any]) -> None:
    found = [f"{v.rule} on {v.resource_name}: {v.message}"
             for v in evaluate_inventory(preview(stack))]
    assert found == []


@pytest.mark.parametrize("stack", STACKS)
def test_links_are_resolved_offline(stack: str, preview: Callable[..., Any]) -> None:
    """Bucket settings and idle alarms point at their resources in the inventory."""
    inventory = preview(stack)
    for res in inventory.custom():
        if res.type.startswith("aws:s3/bucket") and res.type != tokens.AWS_S3_BUCKET:
            assert inventory.refs(res, "bucket", tokens.AWS_S3_BUCKET), res.name
        if res.type == tokens.AWS_CLOUDWATCH_METRIC_ALARM:
            assert inventory.refs(res, "dimensions", tokens.AWS_EC2_INSTANCE), res.name


def test_rule_catalogue_is_complete() -> None:
    rules = load_rules()
    assert len(rules) >= 20
    for rule in rules.values():
        assert rule.id and rule.id == rule.id.lower() and " " not in rule.id
        assert isinstance(rule.severity, Severity)
        assert isinstance(rule.enforcement, Enforcement)
        assert rule.remediation and "\n" not in rule.remediation
        assert (rule.resource_check is None) != (rule.stack_check is None)
    types = {t for rule in rules.values() for t in rule.types}
    assert any(t.startswith("aws:") for t in types)
    gcp = {"gcp:compute/instance:Instance", "gcp:compute/instanceTemplate:InstanceTemplate",
           "gcp:storage/bucket:Bucket", "gcp:compute/firewall:Firewall",
           "gcp:compute/disk:Disk", "gcp:filestore/instance:Instance", "gcp:tpu/v2Vm:V2Vm",
           "gcp:tpu/v2QueuedResource:V2QueuedResource", "gcp:billing/budget:Budget"}
    assert gcp <= types
