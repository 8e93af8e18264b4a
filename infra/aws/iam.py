"""IAM for lab machines: pure policy documents and the instance role component.

The instance role reaches the lab bucket and nothing else, plus SSM Session
Manager (so no SSH is needed at all) and ``cloudwatch:PutMetricData`` into the
CloudWatch agent's namespace only (GPU metrics, ``cloudwatch_agent.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.cloudwatch_agent import NAMESPACE

SSM_MANAGED_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def ec2_assume_role_policy() -> dict[str, Any]:
    """Trust policy letting EC2 assume the instance role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }],
    }


def bucket_access_policy(bucket_arn: str) -> dict[str, Any]:
    """Read/write on one bucket's objects and listing of that bucket only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListLabBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation",
                           "s3:ListBucketMultipartUploads"],
                "Resource": bucket_arn,
            },
            {
                "Sid": "ReadWriteLabObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                           "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                "Resource": f"{bucket_arn}/*",
            },
        ],
    }


def metrics_policy(namespace: str = NAMESPACE) -> dict[str, Any]:
    """PutMetricData into one namespace (the action has no resource-level ARNs, so
    the ``cloudwatch:namespace`` condition key is what scopes it)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PublishGpuMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": namespace}},
        }],
    }


@dataclass
class InstanceRoleArgs:
    """Inputs of the lab instance role."""

    bucket_arn: pulumi.Input[str]
    """ARN of the only bucket the machines may use."""
    tags: dict[str, str] = field(default_factory=dict)


class InstanceRole(pulumi.ComponentResource):
    """Role + instance profile for lab machines, scoped to the lab bucket."""

    def __init__(self, name: str, args: InstanceRoleArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:InstanceRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=json.dumps(ec2_assume_role_policy()),
            description="ailab lab machines: lab bucket, SSM and GPU metrics only",
            tags=args.tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-bucket-access",
            role=self.role.id,
            policy=pulumi.Output.from_input(args.bucket_arn).apply(
                lambda arn: json.dumps(bucket_access_policy(arn))),
            opts=child,
        )
        aws.iam.RolePolicy(f"{name}-gpu-metrics", role=self.role.id,
                           policy=json.dumps(metrics_policy()), opts=child)
        aws.iam.RolePolicyAttachment(
            f"{name}-ssm", role=self.role.name, policy_arn=SSM_MANAGED_POLICY, opts=child)
        self.profile = aws.iam.InstanceProfile(
            f"{name}-profile", role=self.role.name, tags=args.tags, opts=child)
        self.register_outputs({"role_arn": self.role.arn, "profile_name": self.profile.name})
