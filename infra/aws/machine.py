"""Launch settings every lab machine shares: AMI, IMDSv2, encrypted root volume and
spot options (the user data is ``boot.py``)."""

from __future__ import annotations

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
