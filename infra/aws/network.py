"""Lab network: VPC, public/private subnets over several AZs, optional NAT,
S3 gateway endpoint, the CloudWatch interface endpoint when private machines have no
other way out, and the cluster security group."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.spec import NetworkSpec

ALL_TRAFFIC = {"protocol": "-1", "from_port": 0, "to_port": 0}


@dataclass
class LabNetworkArgs:
    """Inputs of the lab network."""

    spec: NetworkSpec
    region: str
    ssh_cidr: str | None
    """CIDR allowed on port 22; None means no SSH ingress."""
    tags: dict[str, str] = field(default_factory=dict)
    monitoring_endpoint: bool = False
    """An interface endpoint for CloudWatch (``monitoring``) in the private subnets:
    without NAT, private machines reach S3 through the gateway endpoint but cannot
    publish their GPU metrics, so the GPU auto-stop alarm would never see them."""


def security_group_rules(ssh_cidr: str | None) -> tuple[list[Any], list[Any]]:
    """Ingress/egress of the cluster group: all traffic within the group (NCCL and
    EFA need it both ways), SSH only from ``ssh_cidr``, egress anywhere."""
    ingress: list[Any] = [{**ALL_TRAFFIC, "self": True, "description": "within the lab"}]
    if ssh_cidr:
        ingress.append({"protocol": "tcp", "from_port": 22, "to_port": 22,
                        "cidr_blocks": [ssh_cidr], "description": "SSH from sshCidr"})
    egress = [{**ALL_TRAFFIC, "self": True, "description": "within the lab (EFA)"},
              {**ALL_TRAFFIC, "cidr_blocks": ["0.0.0.0/0"], "description": "outbound"}]
    return ingress, egress


class LabNetwork(pulumi.ComponentResource):
    """VPC with public and private subnets, one route table each side."""

    def __init__(self, name: str, args: LabNetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:LabNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec, tags = args.spec, args.tags
        self.vpc = aws.ec2.Vpc(f"{name}-vpc", cidr_block=spec.vpc_cidr,
                               enable_dns_hostnames=True, enable_dns_support=True,
                               tags={**tags, "Name": f"{name}-vpc"}, opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, tags=tags, opts=child)
        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt", vpc_id=self.vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}], tags=tags, opts=child)
        self.public_subnets = self._subnets(name, "public", spec.public_subnets, spec.azs,
                                            public_rt, tags, child)
        routes: list[Any] = []
        if spec.nat_gateway:
            eip = aws.ec2.Eip(f"{name}-nat-eip", domain="vpc", tags=tags, opts=child)
            nat = aws.ec2.NatGateway(f"{name}-nat", allocation_id=eip.id,
                                     subnet_id=self.public_subnets[0].id, tags=tags, opts=child)
            routes.append({"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id})
        private_rt = aws.ec2.RouteTable(f"{name}-private-rt", vpc_id=self.vpc.id, routes=routes,
                                        tags=tags, opts=child)
        self.private_subnets = self._subnets(name, "private", spec.private_subnets, spec.azs,
                                             private_rt, tags, child)
        aws.ec2.VpcEndpoint(
            f"{name}-s3-endpoint", vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3", vpc_endpoint_type="Gateway",
            route_table_ids=[public_rt.id, private_rt.id], tags=tags, opts=child)
        if args.monitoring_endpoint:
            self._monitoring_endpoint(name, args, tags, child)
        ingress, egress = security_group_rules(args.ssh_cidr)
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-cluster-sg", vpc_id=self.vpc.id,
            description="ailab lab nodes: all traffic inside the group, SSH from sshCidr only",
            ingress=ingress, egress=egress, tags=tags, opts=child)
        self.azs = spec.azs
        self.register_outputs({
            "vpc_id": self.vpc.id,
            "public_subnet_ids": [s.id for s in self.public_subnets],
            "private_subnet_ids": [s.id for s in self.private_subnets],
            "security_group_id": self.security_group.id,
        })

    def _monitoring_endpoint(self, name: str, args: LabNetworkArgs, tags: dict[str, str],
                             child: pulumi.ResourceOptions) -> None:
        """CloudWatch's API inside the VPC (private DNS: the agent's usual host name
        resolves to it), reachable on 443 from the VPC only."""
        group = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg", vpc_id=self.vpc.id,
            description="ailab: HTTPS from the lab VPC to the AWS service endpoints",
            ingress=[{"protocol": "tcp", "from_port": 443, "to_port": 443,
                      "cidr_blocks": [args.spec.vpc_cidr], "description": "HTTPS from the VPC"}],
            tags=tags, opts=child)
        self.monitoring_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-monitoring-endpoint", vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{args.region}.monitoring",
            vpc_endpoint_type="Interface", private_dns_enabled=True,
            subnet_ids=[s.id for s in self.private_subnets], security_group_ids=[group.id],
            tags=tags, opts=child)

    @staticmethod
    def _subnets(name: str, side: str, cidrs: tuple[str, ...], azs: tuple[str, ...],
                 table: aws.ec2.RouteTable, tags: dict[str, str],
                 child: pulumi.ResourceOptions) -> list[aws.ec2.Subnet]:
        subnets = []
        for i, (cidr, az) in enumerate(zip(cidrs, azs, strict=True)):
            subnet = aws.ec2.Subnet(f"{name}-{side}-{i}", vpc_id=table.vpc_id, cidr_block=cidr,
                                    availability_zone=az, map_public_ip_on_launch=False,
                                    tags={**tags, "Name": f"{name}-{side}-{az}"}, opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-{side}-{i}-rta", subnet_id=subnet.id,
                                          route_table_id=table.id, opts=child)
            subnets.append(subnet)
        return subnets
