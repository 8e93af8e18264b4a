"""Private machines without NAT still publish GPU metrics: the CloudWatch interface
endpoint (otherwise the GPU auto-stop alarm never sees a datapoint and never fires)."""

from __future__ import annotations

from typing import Any

import pytest

from ailab.core import tokens
from ailab.costs.stack_pricing import price_inventory
from ailab.infra.contract.aws_requests import check_aws

PRIVATE = {"ailab:publicIp": False}


def endpoints(inv: Any) -> dict[str, Any]:
    return {str(r.get("vpcEndpointType")): r for r in inv.by_type(tokens.AWS_EC2_VPC_ENDPOINT)}


def test_private_machines_without_nat_get_the_monitoring_endpoint(preview: Any) -> None:
    inv = preview("aws-gpu-lab", PRIVATE)
    ep = endpoints(inv)["Interface"]
    assert ep.get("serviceName") == "com.amazonaws.us-east-1.monitoring"
    assert ep.get("privateDnsEnabled") is True  # the agent's usual host name resolves to it
    private = {r.name for r in inv.by_type(tokens.AWS_EC2_SUBNET) if "-private-" in r.name}
    assert {s.name for s in inv.refs(ep, "subnetIds")} == private
    group = inv.ref(ep, "securityGroupIds", tokens.AWS_EC2_SECURITY_GROUP)
    assert group is not None
    assert group.get("ingress") == [{"protocol": "tcp", "fromPort": 443, "toPort": 443,
                                     "cidrBlocks": [inv.by_type(tokens.AWS_EC2_VPC)[0]
                                                    .get("cidrBlock")],
                                     "description": "HTTPS from the VPC"}]


@pytest.mark.parametrize(("stack", "overrides"), [
    ("aws-gpu-lab", {}),  # public IPs: the agent reaches CloudWatch directly
    ("aws-h100-cluster", {}), ("aws-spot-pool", {}),  # NAT gateways
    ("aws-gpu-lab", {**PRIVATE, "ailab:natGateway": True}),
])
def test_no_endpoint_where_machines_have_a_way_out(preview: Any, stack: str,
                                                    overrides: dict[str, Any]) -> None:
    assert set(endpoints(preview(stack, overrides))) == {"Gateway"}


def test_the_endpoint_is_priced_per_subnet_hour(preview: Any) -> None:
    """Hand sum: 2 private subnets x 730 h x $0.01 (us-east-1; Infracost's golden test
    has the same price: one subnet $7.30, two $14.60); data processed by usage."""
    inv = preview("aws-gpu-lab", PRIVATE)
    name = endpoints(inv)["Interface"].name
    line = next(ln for ln in price_inventory(inv).lines if ln.name == name)
    assert line.monthly_usd == pytest.approx(2 * 730 * 0.01)
    used = price_inventory(inv, {name: {"processed_gb": 100}})
    assert next(ln for ln in used.lines if ln.name == name).monthly_usd == \
        pytest.approx(14.6 + 100 * 0.01)


def test_the_endpoint_request_is_valid_for_ec2(preview: Any) -> None:
    report = check_aws(preview("aws-gpu-lab", PRIVATE))
    assert report.problems == []
    create = [params for name, (service, op, params) in report.requests
              if op == "CreateVpcEndpoint" and params.get("VpcEndpointType") == "Interface"]
    assert len(create) == 1 and len(create[0]["SubnetIds"]) == 2
    assert create[0]["PrivateDnsEnabled"] is True
