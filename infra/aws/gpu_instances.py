"""Stand-alone GPU lab machines (on-demand or spot) with optional EBS data volumes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.machine import METADATA_OPTIONS, instance_spot_options, root_block_device
from ailab.infra.aws.spec import DataVolumeSpec, InstancesSpec


@dataclass
class GpuInstancesArgs:
    """Inputs of the lab machines."""

    spec: InstancesSpec
    ami_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Subnets to spread machines over (round robin), matching ``azs``."""
    azs: tuple[str, ...]
    security_group_id: pulumi.Input[str]
    instance_profile: pulumi.Input[str]
    user_data: pulumi.Input[str]
    data_volume: DataVolumeSpec | None = None
    retain_on_delete: bool = True
    boot_after: Sequence[pulumi.Resource] = ()
    """What the first boot needs in place (EFS mount targets)."""
    tags: dict[str, str] = field(default_factory=dict)


class GpuInstances(pulumi.ComponentResource):
    """N GPU machines: IMDSv2, encrypted root, spot options, bucket-only role."""

    def __init__(self, name: str, args: GpuInstancesArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:GpuInstances", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        launch = pulumi.ResourceOptions(parent=self, depends_on=list(args.boot_after))
        spec = args.spec
        self.instances: list[aws.ec2.Instance] = []
        for i in range(spec.count):
            slot = i % len(args.subnet_ids)
            instance = aws.ec2.Instance(
                f"{name}-{i}", ami=args.ami_id, instance_type=spec.instance_type,
                subnet_id=args.subnet_ids[slot],
                vpc_security_group_ids=[args.security_group_id],
                iam_instance_profile=args.instance_profile,
                associate_public_ip_address=spec.public_ip,
                metadata_options=METADATA_OPTIONS,
                root_block_device=root_block_device(spec.root_volume_gb),
                instance_market_options=instance_spot_options() if spec.spot else None,
                user_data=args.user_data, user_data_replace_on_change=False,
                tags={**args.tags, "Name": f"{name}-{i}"}, opts=launch)
            self.instances.append(instance)
            if args.data_volume:
                self._data_volume(f"{name}-{i}", args, instance, args.azs[slot], child)
        self.register_outputs({"instance_ids": [inst.id for inst in self.instances]})

    def _data_volume(self, name: str, args: GpuInstancesArgs, instance: aws.ec2.Instance,
                     az: str, child: pulumi.ResourceOptions) -> None:
        vol = args.data_volume
        assert vol is not None
        volume = aws.ebs.Volume(
            f"{name}-data", availability_zone=az, size=vol.size_gb, type=vol.type,
            iops=vol.iops, throughput=vol.throughput, encrypted=True,
            tags={**args.tags, "Name": f"{name}-data"},
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete))
        aws.ec2.VolumeAttachment(f"{name}-data-attach", device_name="/dev/sdf",
                                 volume_id=volume.id, instance_id=instance.id, opts=child)
