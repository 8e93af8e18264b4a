"""High-bandwidth cluster: N A3 (H100) nodes under a compact placement policy in
one zone, gVNIC everywhere.

What the stack does for A3 multi-NIC / GPUDirect:
- a3-highgpu-8g / a3-edgegpu-8g (GPUDirect-TCPX) get 4 extra NICs and
  a3-megagpu-8g (GPUDirect-TCPXO) 8, each a gVNIC in its own VPC + subnet
  (MTU 8244, all traffic allowed inside it), created in ``network.py``; the
  primary NIC stays on the lab subnet for SSH, NAT and storage.
- every node carries its rank and the GPUDirect flavour in metadata
  (``ailab-node-rank``, ``ailab-gpudirect``) and labels, for the launcher.
- the compact placement policy (COLLOCATED) keeps nodes close in one zone;
  TERMINATE on host maintenance, as GPUs require.

What it does not do:
- install the GPUDirect software: the TCPX/TCPXO NCCL net plugin and the
  receive-datapath-manager (RxDM) container that must run beside every job,
  and the NCCL environment (NCCL_GPUDIRECTTCPX_*, socket interface names);
  that is per-image, per-job setup, left to the workload layer. Without it,
  NCCL falls back to TCP over the primary NIC.
- A3 Ultra/High with RDMA (a3-ultragpu, CX-7 NICs with an RDMA network
  profile) or GKE's multi-networking: not modelled.
- guarantee capacity: compact placement can still fail to place all nodes;
  use ``reservationName`` for H100s you have reserved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.machine import NodeSettings, gpu_instance, network_interfaces
from ailab.infra.gcp.services import child_options
from ailab.infra.gcp.spec import ClusterSpec

NODE_BOOT_DISK_GB = 500


@dataclass
class GpuClusterArgs:
    """Inputs of the cluster."""

    spec: ClusterSpec
    node: NodeSettings
    region: str
    gpu_nic_subnets: list[pulumi.Input[str]] = field(default_factory=list)


class GpuCluster(pulumi.ComponentResource):
    """Compact placement policy + one VM per node."""

    def __init__(self, name: str, args: GpuClusterArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:GpuCluster", name, None, opts)
        child = child_options(self, opts)
        spec, node = args.spec, args.node
        self.placement = gcp.compute.ResourcePolicy(
            f"{name}-compact", region=args.region,
            group_placement_policy={"collocation": "COLLOCATED"},
            description="ailab cluster: compact placement, one zone", opts=child)
        metadata = pulumi.Output.from_input(node.metadata)
        self.nodes = [gpu_instance(
            f"{name}-node-{i}", node, machine_type=spec.machine_type, zone=spec.zone,
            boot_disk_gb=NODE_BOOT_DISK_GB, spot=spec.spot, reservation=spec.reservation,
            nics=network_interfaces(node.subnet, False, args.gpu_nic_subnets),
            metadata=metadata.apply(_node_metadata(i, spec.gpudirect)),
            labels={**node.labels, "ailab-node-rank": str(i)},
            resource_policies=self.placement.id, opts=child)
            for i in range(spec.nodes)]
        self.register_outputs({"placement_policy": self.placement.id,
                               "nodes": [n.self_link for n in self.nodes]})


def _node_metadata(rank: int, gpudirect: str) -> Callable[[dict[str, str]], dict[str, str]]:
    """Adds the node's rank and GPUDirect flavour to the shared metadata."""
    def add(md: dict[str, str]) -> dict[str, str]:
        return {**md, "ailab-node-rank": str(rank), "ailab-gpudirect": gpudirect or "none"}
    return add
