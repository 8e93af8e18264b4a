"""An AWS GPU alarm fires only if the machine's metrics reach CloudWatch: the paths
``guardrails.egress`` accepts, and no finding where the stack does not say."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ailab.core import tokens
from ailab.core.inventory import Inventory
from ailab.guardrails.egress import metrics_reach
from ailab.guardrails.evaluate import evaluate
from ailab.guardrails.links import launch_template_of
from ailab.guardrails.rule import UNKNOWN

NEVER = "its GPU alarm can never fire"


def _copy(inv: Inventory) -> Inventory:
    return Inventory.from_json(copy.deepcopy(inv.to_json()))


def _reach(inv: Inventory) -> list[bool | None]:
    out = []
    for inst in inv.by_type(tokens.AWS_EC2_INSTANCE):
        template = launch_template_of(inv, inst) if inst.get("launchTemplate") else None
        out.append(metrics_reach(inv, inst, template))
    return out


def _never(inv: Inventory) -> list[str]:
    return [v.resource_name or "" for v in evaluate(inv, only=["gpu-auto-stop"])
            if NEVER in v.message]


@pytest.mark.parametrize(("stack", "overrides", "path"), [
    ("aws-gpu-lab", {}, "public IP and internet gateway"),
    ("aws-h100-cluster", {}, "NAT gateway (launch template subnet)"),
    ("aws-gpu-lab", {"ailab:publicIp": False}, "the monitoring interface endpoint"),
])
def test_the_shipped_paths_reach_cloudwatch(preview: Any, stack: str,
                                            overrides: dict[str, Any], path: str) -> None:
    inv = preview(stack, overrides)
    assert _reach(inv) and all(_reach(inv)), path
    assert _never(inv) == []


def test_a_private_machine_without_any_path_is_found(preview: Any) -> None:
    inv = _copy(preview("aws-gpu-lab", {"ailab:publicIp": False}))
    inv.resources[:] = [r for r in inv.resources if r.type != tokens.AWS_EC2_VPC_ENDPOINT
                        or r.get("vpcEndpointType") != "Interface"]
    assert _reach(inv) == [False]
    assert _never(inv) == ["aws-gpu-lab-gpu-0"]


def test_a_route_resource_with_a_nat_counts(preview: Any) -> None:
    """Routes declared as their own ``aws.ec2.Route`` resources are read too."""
    inv = _copy(preview("aws-h100-cluster"))
    table = next(r for r in inv.resources if r.name.endswith("-private-rt"))
    nat = inv.by_type(tokens.AWS_EC2_NAT_GATEWAY)[0]
    table.inputs["routes"] = []
    inv.resources.append(type(table)(
        type=tokens.AWS_EC2_ROUTE, name="out", inputs={
            "routeTableId": "rt", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "nat"},
        deps={"routeTableId": [table.name], "natGatewayId": [nat.name]}))
    assert _reach(inv) == [True, True]


def test_unknown_routes_or_subnets_are_not_evidence(preview: Any) -> None:
    inv = _copy(preview("aws-h100-cluster"))
    table = next(r for r in inv.resources if r.name.endswith("-private-rt"))
    table.inputs["routes"] = [{"cidrBlock": "0.0.0.0/0", "natGatewayId": UNKNOWN}]
    assert _reach(inv) == [None, None] and _never(inv) == []
    table.inputs["routes"] = UNKNOWN
    assert _reach(inv) == [None, None]
    outside = _copy(preview("aws-gpu-lab", {"ailab:publicIp": False}))
    outside.resources[:] = [r for r in outside.resources if r.type not in (
        tokens.AWS_EC2_SUBNET, tokens.AWS_EC2_VPC_ENDPOINT)]  # subnets from another stack
    assert _reach(outside) == [None] and _never(outside) == []


def test_the_watchdog_needs_no_network(preview: Any) -> None:
    inv = _copy(preview("aws-gpu-lab", {"ailab:publicIp": False,
                                        "ailab:autoStopCpuPercent": 20}))
    inv.resources[:] = [r for r in inv.resources if r.type != tokens.AWS_EC2_VPC_ENDPOINT]
    assert _never(inv) == []
