"""EC2 resources as the EC2 API requests the AWS provider sends for them.

The AWS provider (Terraform's, under pulumi-aws) creates each resource with one
or more API calls; these functions restate that mapping for the arguments ailab
uses: a VPC is ``CreateVpc`` plus one ``ModifyVpcAttribute`` per DNS setting,
an instance is ``RunInstances`` (with ``associate_public_ip_address`` it moves
the subnet and groups into ``NetworkInterfaces[0]``, as the provider does),
a launch template is ``CreateLaunchTemplate`` (its string booleans become
booleans), and so on. Tags travel as ``TagSpecifications`` at create time.
Values that only exist after apply (ids) are the recorded mock identities.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Resource
from ailab.infra.contract.aws_common import (
    TRANSLATORS,
    Context,
    as_bool,
    autoname,
    clean,
    resource_id,
    tag_list,
)
from ailab.infra.contract.botocore_check import Request

ROOT_DEVICE = "/dev/sda1"
"""Root device name of the Ubuntu Deep Learning AMIs (RunInstances needs one for the
root volume's settings; the provider reads it from the AMI)."""


def tag_specs(res: Resource, kind: str, tags: Mapping[str, Any] | None = None) -> list[Any]:
    found = tag_list(res.inputs.get("tags") if tags is None else tags)
    return [{"ResourceType": kind, "Tags": found}] if found else []


def _translator(token: str) -> Any:
    def register(fn: Any) -> Any:
        TRANSLATORS[token] = fn
        return fn
    return register


@_translator(tokens.AWS_EC2_VPC)
def vpc(res: Resource, ctx: Context) -> list[Request]:
    i, rid = res.inputs, resource_id(res)
    out: list[Request] = [("ec2", "CreateVpc", clean({
        "CidrBlock": i.get("cidrBlock"), "TagSpecifications": tag_specs(res, "vpc")}))]
    for key, member in (("enableDnsHostnames", "EnableDnsHostnames"),
                        ("enableDnsSupport", "EnableDnsSupport")):
        if key in i:
            out.append(("ec2", "ModifyVpcAttribute",
                        {"VpcId": rid, member: {"Value": as_bool(i[key])}}))
    return out


@_translator(tokens.AWS_EC2_SUBNET)
def subnet(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    out: list[Request] = [("ec2", "CreateSubnet", clean({
        "VpcId": i.get("vpcId"), "CidrBlock": i.get("cidrBlock"),
        "AvailabilityZone": i.get("availabilityZone"),
        "TagSpecifications": tag_specs(res, "subnet")}))]
    if "mapPublicIpOnLaunch" in i:
        out.append(("ec2", "ModifySubnetAttribute", {
            "SubnetId": resource_id(res),
            "MapPublicIpOnLaunch": {"Value": as_bool(i["mapPublicIpOnLaunch"])}}))
    return out


@_translator(tokens.AWS_EC2_INTERNET_GATEWAY)
def internet_gateway(res: Resource, ctx: Context) -> list[Request]:
    return [("ec2", "CreateInternetGateway", clean({
                "TagSpecifications": tag_specs(res, "internet-gateway")})),
            ("ec2", "AttachInternetGateway", {"InternetGatewayId": resource_id(res),
                                              "VpcId": res.inputs.get("vpcId")})]


@_translator(tokens.AWS_EC2_ROUTE_TABLE)
def route_table(res: Resource, ctx: Context) -> list[Request]:
    rid = resource_id(res)
    out: list[Request] = [("ec2", "CreateRouteTable", clean({
        "VpcId": res.inputs.get("vpcId"), "TagSpecifications": tag_specs(res, "route-table")}))]
    for route in res.inputs.get("routes") or []:
        out.append(("ec2", "CreateRoute", clean({
            "RouteTableId": rid, "DestinationCidrBlock": route.get("cidrBlock"),
            "GatewayId": route.get("gatewayId"), "NatGatewayId": route.get("natGatewayId")})))
    return out


@_translator(tokens.AWS_EC2_ROUTE_TABLE_ASSOCIATION)
def route_table_association(res: Resource, ctx: Context) -> list[Request]:
    return [("ec2", "AssociateRouteTable", clean({
        "RouteTableId": res.inputs.get("routeTableId"), "SubnetId": res.inputs.get("subnetId")}))]


@_translator(tokens.AWS_EC2_EIP)
def eip(res: Resource, ctx: Context) -> list[Request]:
    return [("ec2", "AllocateAddress", clean({
        "Domain": res.inputs.get("domain"), "TagSpecifications": tag_specs(res, "elastic-ip")}))]


@_translator(tokens.AWS_EC2_NAT_GATEWAY)
def nat_gateway(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("ec2", "CreateNatGateway", clean({
        "AllocationId": i.get("allocationId"), "SubnetId": i.get("subnetId"),
        "ConnectivityType": i.get("connectivityType"),
        "TagSpecifications": tag_specs(res, "natgateway")}))]


@_translator(tokens.AWS_EC2_VPC_ENDPOINT)
def vpc_endpoint(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("ec2", "CreateVpcEndpoint", clean({
        "VpcId": i.get("vpcId"), "ServiceName": i.get("serviceName"),
        "VpcEndpointType": i.get("vpcEndpointType"), "RouteTableIds": i.get("routeTableIds"),
        "SubnetIds": i.get("subnetIds"), "SecurityGroupIds": i.get("securityGroupIds"),
        "PrivateDnsEnabled": i.get("privateDnsEnabled"),
        "TagSpecifications": tag_specs(res, "vpc-endpoint")}))]


def _permission(rule: Mapping[str, Any], self_id: str) -> dict[str, Any]:
    groups = [{"GroupId": g} for g in rule.get("securityGroups") or []]
    if as_bool(rule.get("self", False)):
        groups.append({"GroupId": self_id})
    return clean({
        "IpProtocol": rule.get("protocol"), "FromPort": rule.get("fromPort"),
        "ToPort": rule.get("toPort"),
        "IpRanges": [clean({"CidrIp": c, "Description": rule.get("description")})
                     for c in rule.get("cidrBlocks") or []],
        "UserIdGroupPairs": [clean({**g, "Description": rule.get("description")})
                             for g in groups]})


@_translator(tokens.AWS_EC2_SECURITY_GROUP)
def security_group(res: Resource, ctx: Context) -> list[Request]:
    i, gid = res.inputs, resource_id(res)
    out: list[Request] = [("ec2", "CreateSecurityGroup", clean({
        "GroupName": i.get("name") or autoname(res), "Description": i.get("description"),
        "VpcId": i.get("vpcId"), "TagSpecifications": tag_specs(res, "security-group")}))]
    for key, operation in (("ingress", "AuthorizeSecurityGroupIngress"),
                           ("egress", "AuthorizeSecurityGroupEgress")):
        rules = i.get(key) or []
        if rules:
            out.append(("ec2", operation, {"GroupId": gid, "IpPermissions": [
                _permission(r, gid) for r in rules]}))
    return out


@_translator(tokens.AWS_EC2_PLACEMENT_GROUP)
def placement_group(res: Resource, ctx: Context) -> list[Request]:
    return [("ec2", "CreatePlacementGroup", clean({
        "GroupName": res.inputs.get("name") or autoname(res),
        "Strategy": res.inputs.get("strategy"),
        "TagSpecifications": tag_specs(res, "placement-group")}))]


@_translator(tokens.AWS_EBS_VOLUME)
def ebs_volume(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("ec2", "CreateVolume", clean({
        "AvailabilityZone": i.get("availabilityZone"), "Size": i.get("size"),
        "VolumeType": i.get("type"), "Iops": i.get("iops"), "Throughput": i.get("throughput"),
        "Encrypted": i.get("encrypted"), "TagSpecifications": tag_specs(res, "volume")}))]


@_translator(tokens.AWS_EC2_VOLUME_ATTACHMENT)
def volume_attachment(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    return [("ec2", "AttachVolume", clean({
        "Device": i.get("deviceName"), "InstanceId": i.get("instanceId"),
        "VolumeId": i.get("volumeId")}))]


def metadata_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    o = options or {}
    return clean({"HttpEndpoint": o.get("httpEndpoint"), "HttpTokens": o.get("httpTokens"),
                  "HttpPutResponseHopLimit": o.get("httpPutResponseHopLimit"),
                  "InstanceMetadataTags": o.get("instanceMetadataTags")})


def market_options(market: Mapping[str, Any] | None) -> dict[str, Any]:
    m = market or {}
    spot = m.get("spotOptions") or {}
    return clean({"MarketType": m.get("marketType"), "SpotOptions": clean({
        "SpotInstanceType": spot.get("spotInstanceType"),
        "InstanceInterruptionBehavior": spot.get("instanceInterruptionBehavior"),
        "MaxPrice": spot.get("maxPrice")})})


def ebs(volume: Mapping[str, Any]) -> dict[str, Any]:
    return clean({"VolumeSize": volume.get("volumeSize"), "VolumeType": volume.get("volumeType"),
                  "Iops": volume.get("iops"), "Throughput": volume.get("throughput"),
                  "Encrypted": as_bool(volume["encrypted"]) if "encrypted" in volume else None,
                  "DeleteOnTermination": as_bool(volume["deleteOnTermination"])
                  if "deleteOnTermination" in volume else None})


def user_data_b64(text: str | None, encoded: bool) -> str | None:
    if text is None:
        return None
    return text if encoded else base64.b64encode(text.encode()).decode()


@_translator(tokens.AWS_EC2_INSTANCE)
def instance(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    template = i.get("launchTemplate") or {}
    root = i.get("rootBlockDevice")
    params: dict[str, Any] = {
        "MinCount": 1, "MaxCount": 1, "ImageId": i.get("ami"),
        "InstanceType": i.get("instanceType"),
        "IamInstanceProfile": clean({"Name": i.get("iamInstanceProfile")}),
        "MetadataOptions": metadata_options(i.get("metadataOptions")),
        "BlockDeviceMappings": [{"DeviceName": ROOT_DEVICE, "Ebs": ebs(root)}] if root else None,
        "InstanceMarketOptions": market_options(i.get("instanceMarketOptions")),
        "UserData": user_data_b64(i.get("userData"), encoded=False),
        "LaunchTemplate": clean({"LaunchTemplateId": template.get("id"),
                                 "Version": template.get("version")}),
        "Placement": clean({"GroupName": i.get("placementGroup")}),
        "InstanceInitiatedShutdownBehavior": i.get("instanceInitiatedShutdownBehavior"),
        "TagSpecifications": tag_specs(res, "instance"),
    }
    groups, subnet_id = i.get("vpcSecurityGroupIds"), i.get("subnetId")
    if "associatePublicIpAddress" in i:
        params["NetworkInterfaces"] = [clean({
            "DeviceIndex": 0, "AssociatePublicIpAddress": as_bool(i["associatePublicIpAddress"]),
            "SubnetId": subnet_id, "Groups": groups})]
    else:
        params.update(SubnetId=subnet_id, SecurityGroupIds=groups)
    return [("ec2", "RunInstances", clean(params))]


def _lt_interface(nic: Mapping[str, Any]) -> dict[str, Any]:
    return clean({
        "NetworkCardIndex": nic.get("networkCardIndex"), "DeviceIndex": nic.get("deviceIndex"),
        "InterfaceType": nic.get("interfaceType"), "SubnetId": nic.get("subnetId"),
        "Groups": nic.get("securityGroups"),
        "DeleteOnTermination": as_bool(nic["deleteOnTermination"])
        if "deleteOnTermination" in nic else None,
        "AssociatePublicIpAddress": as_bool(nic["associatePublicIpAddress"])
        if "associatePublicIpAddress" in nic else None})


@_translator(tokens.AWS_EC2_LAUNCH_TEMPLATE)
def launch_template(res: Resource, ctx: Context) -> list[Request]:
    i = res.inputs
    data = clean({
        "ImageId": i.get("imageId"), "InstanceType": i.get("instanceType"),
        "IamInstanceProfile": clean({"Name": (i.get("iamInstanceProfile") or {}).get("name")}),
        "SecurityGroupIds": i.get("vpcSecurityGroupIds"),
        "MetadataOptions": metadata_options(i.get("metadataOptions")),
        "NetworkInterfaces": [_lt_interface(n) for n in i.get("networkInterfaces") or []],
        "BlockDeviceMappings": [clean({"DeviceName": b.get("deviceName"),
                                       "Ebs": ebs(b.get("ebs") or {})})
                                for b in i.get("blockDeviceMappings") or []],
        "InstanceMarketOptions": market_options(i.get("instanceMarketOptions")),
        "UserData": user_data_b64(i.get("userData"), encoded=True),
        "TagSpecifications": [spec for t in i.get("tagSpecifications") or []
                              for spec in tag_specs(res, t.get("resourceType"), t.get("tags"))],
    })
    return [("ec2", "CreateLaunchTemplate", clean({
        "LaunchTemplateName": i.get("name") or autoname(res), "LaunchTemplateData": data,
        "TagSpecifications": tag_specs(res, "launch-template")}))]
