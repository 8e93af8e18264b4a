"""Spot pool: an Auto Scaling group with a mixed-instances policy over several
GPU types of one class, price-capacity-optimized spot allocation, an on-demand
base and capacity rebalancing."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.machine import METADATA_OPTIONS, root_block_device
from ailab.infra.aws.spec import SpotPoolSpec


@dataclass
class SpotPoolArgs:
    """Inputs of the spot pool."""

    spec: SpotPoolSpec
    ami_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    instance_profile: pulumi.Input[str]
    user_data: pulumi.Input[str]
    root_volume_gb: int = 200
    boot_after: Sequence[pulumi.Resource] = ()
    """What the first boot needs in place (EFS mount targets)."""
    tags: dict[str, str] = field(default_factory=dict)


class SpotPool(pulumi.ComponentResource):
    """Launch template + mixed-instances Auto Scaling group."""

    def __init__(self, name: str, args: SpotPoolArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:SpotPool", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        template = aws.ec2.LaunchTemplate(
            f"{name}-lt", image_id=args.ami_id,
            iam_instance_profile={"name": args.instance_profile},
            vpc_security_group_ids=[args.security_group_id],
            metadata_options=METADATA_OPTIONS,
            block_device_mappings=[{"device_name": "/dev/sda1",
                                    "ebs": {**root_block_device(args.root_volume_gb),
                                            "encrypted": "true",
                                            "delete_on_termination": "true"}}],
            user_data=pulumi.Output.from_input(args.user_data).apply(
                lambda s: base64.b64encode(s.encode()).decode()),
            tag_specifications=[{"resource_type": "instance", "tags": args.tags},
                                {"resource_type": "volume", "tags": args.tags}],
            tags=args.tags, opts=child)
        self.group = aws.autoscaling.Group(
            f"{name}-asg", min_size=spec.min, max_size=spec.max,
            desired_capacity=spec.desired, vpc_zone_identifiers=args.subnet_ids,
            capacity_rebalance=True, health_check_type="EC2",
            mixed_instances_policy={
                "instances_distribution": {
                    "on_demand_base_capacity": spec.on_demand_base,
                    "on_demand_percentage_above_base_capacity": spec.on_demand_percent,
                    "spot_allocation_strategy": "price-capacity-optimized",
                },
                "launch_template": {
                    "launch_template_specification": {
                        "launch_template_id": template.id, "version": "$Latest"},
                    "overrides": [{"instance_type": t} for t in spec.instance_types],
                },
            },
            tags=[{"key": k, "value": v, "propagate_at_launch": True}
                  for k, v in args.tags.items()],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.boot_after)))
        self.register_outputs({"asg_name": self.group.name})
