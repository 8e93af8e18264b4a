"""Launch settings every lab machine shares: AMI, IMDSv2, encrypted root volume,
spot options and the user data that mounts the shared file systems."""

from __future__ import annotations

import shlex
from typing import Any

import pulumi
import pulumi_aws as aws

METADATA_OPTIONS: Any = {"http_endpoint": "enabled", "http_tokens": "required",
                    "http_put_response_hop_limit": 2}
"""IMDSv2 only; hop limit 2 so containers on the host can still reach it."""


def deep_learning_ami(name_filter: str, opts: pulumi.InvokeOptions | None = None
                      ) -> pulumi.Output[str]:
    """Newest Amazon-owned Deep Learning AMI whose name matches the filter."""
    ami = aws.ec2.get_ami_output(
        most_recent=True, owners=["amazon"],
        filters=[{"name": "name", "values": [name_filter]},
                 {"name": "architecture", "values": ["x86_64"]},
                 {"name": "state", "values": ["available"]}],
        opts=opts)
    return ami.id


def root_block_device(size_gb: int) -> Any:
    """Encrypted gp3 root volume of the configured size."""
    return {"volume_type": "gp3", "volume_size": size_gb, "encrypted": True,
            "delete_on_termination": True}


def instance_spot_options() -> Any:
    """Spot market options for aws.ec2.Instance: persistent, stop on interruption,
    so an interrupted lab machine keeps its disks and resumes."""
    return {"market_type": "spot",
            "spot_options": {"spot_instance_type": "persistent",
                             "instance_interruption_behavior": "stop"}}


EFS_UTILS_INSTALL = [
    "if ! command -v mount.efs >/dev/null; then",
    "  apt-get update -q && apt-get install -yq git binutils rustc cargo pkg-config "
    "libssl-dev gettext nfs-common stunnel4",
    "  rm -rf /tmp/efs-utils && git clone --depth 1 https://github.com/aws/efs-utils "
    "/tmp/efs-utils",
    "  (cd /tmp/efs-utils && ./build-deb.sh && apt-get install -yq ./build/amazon-efs-utils*deb)",
    "fi",
]
"""amazon-efs-utils (the ``mount.efs`` helper that wraps NFS in TLS), built as its
README documents for Debian/Ubuntu when the image does not ship it."""


def mount_script(efs_dns: str | None, fsx_dns: str | None, fsx_mount_name: str | None) -> str:
    """cloud-init user data mounting EFS at /home/shared (TLS, through the EFS mount
    helper) and Lustre at /fsx."""
    lines = ["#!/bin/bash", "set -euo pipefail"]
    if efs_dns:
        lines += [
            *EFS_UTILS_INSTALL,
            "mkdir -p /home/shared",
            f"grep -q /home/shared /etc/fstab || echo {shlex.quote(efs_dns + ':/')} "
            "/home/shared efs _netdev,tls 0 0 >> /etc/fstab",
        ]
    if fsx_dns and fsx_mount_name:
        lines += [
            "mkdir -p /fsx",
            f"grep -q /fsx /etc/fstab || echo {shlex.quote(f'{fsx_dns}@tcp:/{fsx_mount_name}')}"
            " /fsx lustre defaults,noatime,flock,_netdev 0 0 >> /etc/fstab",
        ]
    lines.append("mount -a")
    return "\n".join(lines) + "\n"


def user_data(efs_dns: pulumi.Input[str] | None, fsx_dns: pulumi.Input[str] | None,
              fsx_mount_name: pulumi.Input[str] | None) -> pulumi.Output[str]:
    """``mount_script`` over the file systems' outputs."""
    return pulumi.Output.all(efs_dns, fsx_dns, fsx_mount_name).apply(
        lambda vals: mount_script(vals[0], vals[1], vals[2]))
