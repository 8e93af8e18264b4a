"""Lab network: custom-mode VPC, one subnet with Private Google Access, firewall
rules, Cloud Router + Cloud NAT for egress without public IPs, and, for an A3
cluster with GPUDirect, one extra VPC + subnet per GPU NIC."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.services import child_options
from ailab.infra.gcp.spec import GcpNetworkSpec

GPU_NIC_MTU = 8244
"""MTU Google documents for the A3 GPU NIC networks (GPUDirect-TCPX/TCPXO)."""


def lab_tag(stack: str) -> str:
    """Network tag carried by every lab node; firewall rules target it."""
    return f"ailab-{stack}"[:63].lower()


@dataclass
class LabNetworkArgs:
    """Inputs of the lab network."""

    spec: GcpNetworkSpec
    region: str
    tag: str
    """Network tag of the lab nodes (``lab_tag``)."""
    labels: dict[str, str] = field(default_factory=dict)


class LabNetwork(pulumi.ComponentResource):
    """VPC, subnet, firewall (internal + SSH), router and NAT."""

    def __init__(self, name: str, args: LabNetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:LabNetwork", name, None, opts)
        child = child_options(self, opts)
        spec = args.spec
        self.vpc = gcp.compute.Network(
            f"{name}-vpc", auto_create_subnetworks=False, routing_mode="REGIONAL",
            description="ailab lab network", opts=child)
        self.subnet = gcp.compute.Subnetwork(
            f"{name}-subnet", network=self.vpc.id, region=args.region,
            ip_cidr_range=spec.subnet_cidr, private_ip_google_access=True, opts=child)
        gcp.compute.Firewall(
            f"{name}-allow-internal", network=self.vpc.id, direction="INGRESS", priority=1000,
            description="all traffic between lab nodes (NCCL, JAX, NFS)",
            source_ranges=[spec.subnet_cidr], allows=[{"protocol": "all"}], opts=child)
        gcp.compute.Firewall(
            f"{name}-allow-ssh", network=self.vpc.id, direction="INGRESS", priority=1000,
            description="SSH through IAP TCP forwarding, and from sshCidr to external IPs",
            source_ranges=list(spec.ssh_sources), target_tags=[args.tag],
            allows=[{"protocol": "tcp", "ports": ["22"]}], opts=child)
        router = gcp.compute.Router(f"{name}-router", network=self.vpc.id, region=args.region,
                                    opts=child)
        gcp.compute.RouterNat(
            f"{name}-nat", router=router.name, region=args.region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config={"enable": True, "filter": "ERRORS_ONLY"}, opts=child)
        self.gpu_nics = [self._gpu_nic(name, i, cidr, args.region, child)
                         for i, cidr in enumerate(spec.gpu_nic_cidrs)]
        self.register_outputs({"network": self.vpc.id, "subnet": self.subnet.id,
                               "gpu_nic_subnets": [s.id for _, s in self.gpu_nics]})

    @staticmethod
    def _gpu_nic(name: str, index: int, cidr: str, region: str,
                 child: pulumi.ResourceOptions
                 ) -> tuple[gcp.compute.Network, gcp.compute.Subnetwork]:
        """One GPU NIC network: its own VPC (GCP allows one NIC per VPC per VM)."""
        vpc = gcp.compute.Network(f"{name}-gpunic-{index}", auto_create_subnetworks=False,
                                  mtu=GPU_NIC_MTU, description="ailab A3 GPU NIC network",
                                  opts=child)
        subnet = gcp.compute.Subnetwork(f"{name}-gpunic-{index}-subnet", network=vpc.id,
                                        region=region, ip_cidr_range=cidr, opts=child)
        gcp.compute.Firewall(
            f"{name}-gpunic-{index}-internal", network=vpc.id, direction="INGRESS",
            source_ranges=[cidr], allows=[{"protocol": "all"}],
            description="GPU-to-GPU traffic between cluster nodes", opts=child)
        return vpc, subnet
