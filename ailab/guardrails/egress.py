"""Whether an AWS instance can reach CloudWatch, so that its GPU metrics arrive.

A GPU auto-stop alarm only fires on datapoints. An instance publishes them over
HTTPS to CloudWatch's API: through a public IP and an internet gateway route, a
route out of the VPC through anything else (NAT gateway, transit gateway, an
appliance), or a CloudWatch interface endpoint (``com.amazonaws.<region>.monitoring``)
in its VPC. With none of these the alarm never sees a datapoint, and with
``treatMissingData: notBreaching`` it never fires: the machine runs idle for ever.

Every answer follows the inventory's links (subnet, route table associations,
``Route`` resources, endpoints of the VPC) through its indexes. Anything the
stack does not say (a subnet or route table from outside the stack, values
unknown until ``up``) is ``None``: the rule reports only what it can show.
"""

from __future__ import annotations

from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails.rule import is_unknown, items, mapping, truthy

MONITORING_SERVICE = ".monitoring"
"""The tail of CloudWatch's endpoint service name (``com.amazonaws.<region>.monitoring``)."""
ROUTE_TARGETS = ("natGatewayId", "transitGatewayId", "networkInterfaceId", "instanceId",
                 "vpcPeeringConnectionId", "carrierGatewayId", "coreNetworkArn",
                 "localGatewayId", "vpcEndpointId")
"""Route targets that may carry traffic out of the VPC without a public IP."""
DEFAULT_ROUTES = ("0.0.0.0/0",)
VPN_GATEWAY = "vgw-"
"""A virtual private gateway in ``gatewayId`` (any other gateway there is the internet
gateway, which needs a public IP)."""


def metrics_reach(inv: Inventory, inst: Resource, template: Resource | None) -> bool | None:
    """True when a path to CloudWatch exists, False when the stack shows there is none,
    None when it cannot tell."""
    subnet, public = _placement(inv, inst, template)
    if subnet is None or public is None:
        return None
    vpc = _vpc_of(inv, subnet)
    if vpc is not None and _monitoring_endpoint(inv, vpc):
        return True
    routes = _routes(inv, subnet)
    if routes is None:
        return None
    for route in routes:
        if any(is_unknown(v) for v in route.values()):
            return None
        if str(route.get("cidrBlock") or "") not in DEFAULT_ROUTES:
            continue
        if any(route.get(key) for key in ROUTE_TARGETS):
            return True
        gateway = str(route.get("gatewayId") or "")
        if gateway.startswith(VPN_GATEWAY) or (gateway and public):
            return True
    return False


def _placement(inv: Inventory, inst: Resource,
               template: Resource | None) -> tuple[Resource | None, bool | None]:
    """The instance's subnet and whether it gets a public IPv4 address."""
    nic = _first_nic(inst) or _first_nic(template)
    subnet = inv.ref(inst, "subnetId", tokens.AWS_EC2_SUBNET)
    if subnet is None and template is not None and not inst.get("subnetId"):
        subnet = inv.ref(template, "networkInterfaces", tokens.AWS_EC2_SUBNET)
    if subnet is None:
        return None, None
    asked = inst.get("associatePublicIpAddress")
    if asked is None:
        asked = nic.get("associatePublicIpAddress")
    if is_unknown(asked) or is_unknown(subnet.get("mapPublicIpOnLaunch")):
        return subnet, None
    public = truthy(asked) if asked is not None else truthy(subnet.get("mapPublicIpOnLaunch"))
    return subnet, public


def _first_nic(res: Resource | None) -> dict[str, Any]:
    if res is None:
        return {}
    nics = [mapping(n) for n in items(res.get("networkInterfaces"))]
    first = [n for n in nics if str(n.get("deviceIndex", 0)) == "0"]
    return dict(first[0]) if first else {}


def _vpc_of(inv: Inventory, res: Resource) -> Resource | None:
    """The VPC ``res``'s ``vpcId`` came from, following the value through the resources
    that passed it on (a subnet built with its route table's ``vpc_id`` output)."""
    for _ in range(4):
        found = inv.ref(res, "vpcId")
        if found is None or found.type == tokens.AWS_EC2_VPC:
            return found
        res = found
    return None


def _monitoring_endpoint(inv: Inventory, vpc: Resource) -> bool:
    return any(str(ep.get("vpcEndpointType") or "").lower() == "interface"
               and str(ep.get("serviceName") or "").endswith(MONITORING_SERVICE)
               for ep in inv.referencing(vpc, "vpcId", tokens.AWS_EC2_VPC_ENDPOINT))


def _routes(inv: Inventory, subnet: Resource) -> list[dict[str, Any]] | None:
    """The routes of the subnet's route table (inline and ``Route`` resources); None
    when the subnet uses a table the stack does not declare (the VPC's main table)."""
    tables = [table for assoc in inv.referencing(subnet, "subnetId",
                                                 tokens.AWS_EC2_ROUTE_TABLE_ASSOCIATION)
              for table in inv.refs(assoc, "routeTableId", tokens.AWS_EC2_ROUTE_TABLE)]
    if not tables:
        return None
    routes: list[dict[str, Any]] = []
    for table in tables:
        if is_unknown(table.get("routes")):
            return None
        routes += [dict(mapping(r)) for r in items(table.get("routes"))]
        routes += [{**r.inputs, "cidrBlock": r.get("destinationCidrBlock")}
                   for r in inv.referencing(table, "routeTableId", tokens.AWS_EC2_ROUTE)]
    return routes
