"""File storage tier: EFS for home directories, FSx for Lustre for training data
(linked to the lab bucket by a data repository association)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.spec import FsxSpec

# Lustre needs 988 and 1018-1023 between clients and servers.
LUSTRE_PORTS = [(988, 988), (1018, 1023)]


@dataclass
class FileSystemsArgs:
    """Inputs of the shared file systems."""

    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets; EFS gets a mount target in each, FSx lives in the first."""
    client_security_group_id: pulumi.Input[str]
    bucket_name: pulumi.Input[str]
    efs: bool
    fsx: FsxSpec | None
    retain_on_delete: bool = True
    tags: dict[str, str] = field(default_factory=dict)


class FileSystems(pulumi.ComponentResource):
    """EFS and/or FSx for Lustre, reachable only from the lab security group."""

    mount_targets: list[aws.efs.MountTarget]
    """One per private subnet: machines boot after them (their EFS name resolves
    only once the target in their zone exists)."""
    efs_dns: pulumi.Output[str] | None = None
    efs_id: pulumi.Output[str] | None = None
    fsx_dns: pulumi.Output[str] | None = None
    fsx_id: pulumi.Output[str] | None = None
    fsx_mount_name: pulumi.Output[str] | None = None

    def __init__(self, name: str, args: FileSystemsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:FileSystems", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete)
        outputs: dict[str, pulumi.Output[str]] = {}
        self.mount_targets = []
        if args.efs:
            sg = aws.ec2.SecurityGroup(
                f"{name}-efs-sg", vpc_id=args.vpc_id, description="NFS from lab nodes",
                ingress=[{"protocol": "tcp", "from_port": 2049, "to_port": 2049,
                          "security_groups": [args.client_security_group_id]}],
                tags=args.tags, opts=child)
            efs = aws.efs.FileSystem(
                f"{name}-efs", encrypted=True, performance_mode="generalPurpose",
                throughput_mode="elastic",
                lifecycle_policies=[{"transition_to_ia": "AFTER_30_DAYS"}],
                tags={**args.tags, "Name": f"{name}-home"}, opts=keep)
            self.mount_targets = [
                aws.efs.MountTarget(f"{name}-efs-mt-{i}", file_system_id=efs.id,
                                    subnet_id=subnet, security_groups=[sg.id], opts=child)
                for i, subnet in enumerate(args.subnet_ids)]
            self.efs_dns = efs.dns_name
            self.efs_id = efs.id
            outputs["efs_dns"] = efs.dns_name
        if args.fsx:
            self._lustre(name, args, args.fsx, child, keep)
            outputs["fsx_dns"] = self.fsx_dns  # type: ignore[assignment]
        self.register_outputs(outputs)

    def _lustre(self, name: str, args: FileSystemsArgs, spec: FsxSpec,
                child: pulumi.ResourceOptions, keep: pulumi.ResourceOptions) -> None:
        sg = aws.ec2.SecurityGroup(
            f"{name}-lustre-sg", vpc_id=args.vpc_id, description="Lustre from lab nodes",
            ingress=[{"protocol": "tcp", "from_port": lo, "to_port": hi,
                      "security_groups": [args.client_security_group_id], "self": True}
                     for lo, hi in LUSTRE_PORTS],
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "self": True}],
            tags=args.tags, opts=child)
        fsx = aws.fsx.LustreFileSystem(
            f"{name}-lustre", storage_capacity=spec.storage_gb, subnet_ids=args.subnet_ids[0],
            deployment_type=spec.deployment_type,
            per_unit_storage_throughput=spec.throughput_per_tib,
            security_group_ids=[sg.id, args.client_security_group_id],
            data_compression_type="LZ4", tags={**args.tags, "Name": f"{name}-lustre"},
            opts=keep)
        aws.fsx.DataRepositoryAssociation(
            f"{name}-lustre-dra", file_system_id=fsx.id, file_system_path="/data",
            data_repository_path=pulumi.Output.concat("s3://", args.bucket_name),
            batch_import_meta_data_on_create=True,
            s3={"auto_import_policy": {"events": ["NEW", "CHANGED", "DELETED"]},
                "auto_export_policy": {"events": ["NEW", "CHANGED", "DELETED"]}},
            tags=args.tags, opts=child)
        self.fsx_dns = fsx.dns_name
        self.fsx_id = fsx.id
        self.fsx_mount_name = fsx.mount_name
