"""High-bandwidth cluster: N nodes of an EFA-capable type in a cluster placement
group, one subnet and AZ, every EFA interface of the type attached.

Each node's first network card carries an ENA+EFA interface (device index 0);
every further card carries an EFA-only interface (device index 1), as AWS
documents for p5. The security group allows all traffic within itself, which
EFA and NCCL require.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.machine import METADATA_OPTIONS, root_block_device
from ailab.infra.aws.spec import ClusterSpec


def efa_network_interfaces(count: int, subnet_id: Any, security_group_id: Any) -> list[Any]:
    """Launch-template network interfaces: one per network card."""
    interfaces = []
    for card in range(count):
        interfaces.append({
            "network_card_index": card,
            "device_index": 0 if card == 0 else 1,
            "interface_type": "efa" if card == 0 else "efa-only",
            "subnet_id": subnet_id,
            "security_groups": [security_group_id],
            "delete_on_termination": "true",
            "associate_public_ip_address": "false",
        })
    return interfaces


def plain_interface(subnet_id: Any, security_group_id: Any) -> list[Any]:
    """A single ENA interface for a cluster without EFA."""
    return [{"device_index": 0, "subnet_id": subnet_id, "security_groups": [security_group_id],
             "delete_on_termination": "true", "associate_public_ip_address": "false"}]


@dataclass
class GpuClusterArgs:
    """Inputs of the cluster."""

    spec: ClusterSpec
    ami_id: pulumi.Input[str]
    subnet_id: pulumi.Input[str]
    """The one private subnet in ``spec.az``."""
    security_group_id: pulumi.Input[str]
    instance_profile: pulumi.Input[str]
    user_data: pulumi.Input[str]
    root_volume_gb: int = 500
    boot_after: Sequence[pulumi.Resource] = ()
    """What the first boot needs in place (EFS mount targets)."""
    tags: dict[str, str] = field(default_factory=dict)


class GpuCluster(pulumi.ComponentResource):
    """Placement group + launch template + one instance per node."""

    def __init__(self, name: str, args: GpuClusterArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:GpuCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        self.placement_group = aws.ec2.PlacementGroup(
            f"{name}-pg", strategy="cluster", tags=args.tags, opts=child)
        nics = (efa_network_interfaces(spec.efa_interfaces, args.subnet_id, args.security_group_id)
                if spec.efa_interfaces else plain_interface(args.subnet_id,
                                                            args.security_group_id))
        market: Any = ({"market_type": "spot", "spot_options": {
            "spot_instance_type": "one-time", "instance_interruption_behavior": "terminate"}}
                  if spec.spot else None)
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt", image_id=args.ami_id, instance_type=spec.instance_type,
            iam_instance_profile={"name": args.instance_profile},
            metadata_options=METADATA_OPTIONS, network_interfaces=nics,
            block_device_mappings=[{"device_name": "/dev/sda1",
                                    "ebs": {**root_block_device(args.root_volume_gb),
                                            "encrypted": "true",
                                            "delete_on_termination": "true"}}],
            instance_market_options=market,
            user_data=pulumi.Output.from_input(args.user_data).apply(_b64),
            tag_specifications=[{"resource_type": "instance", "tags": args.tags},
                                {"resource_type": "volume", "tags": args.tags}],
            tags=args.tags, opts=child)
        self.nodes = [
            aws.ec2.Instance(
                f"{name}-node-{i}", instance_type=spec.instance_type,
                launch_template={"id": template.id, "version": template.latest_version.apply(
                    str)},
                placement_group=self.placement_group.id,
                tags={**args.tags, "Name": f"{name}-node-{i}", "ailab:node-rank": str(i)},
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.boot_after)))
            for i in range(spec.nodes)
        ]
        self.register_outputs({"placement_group": self.placement_group.id,
                               "node_ids": [n.id for n in self.nodes]})


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()
