"""Object storage tier: the lab bucket, private, encrypted, versioned and tiered.

Data stores are retained on ``pulumi destroy`` unless the stack opts out
(``ailab:retainOnDelete: false``): destroying a lab must not lose datasets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from ailab.infra.aws.spec import BucketSpec


def lifecycle_rules(spec: BucketSpec) -> list[Any]:
    """Lifecycle rules for the bucket: transitions by age (or Intelligent-Tiering
    from day 0), expiry of old noncurrent versions' transitions, and abort of
    incomplete multipart uploads."""
    abort: dict[str, Any] = {"id": "abort-incomplete-uploads", "status": "Enabled", "filter": {},
             "abort_incomplete_multipart_upload": {
                 "days_after_initiation": spec.abort_multipart_days}}
    if spec.tiering == "intelligent-tiering":
        return [{"id": "intelligent-tiering", "status": "Enabled", "filter": {},
                 "transitions": [{"days": 0, "storage_class": "INTELLIGENT_TIERING"}]}, abort]
    if spec.tiering == "none":
        return [abort]
    steps = [(spec.ia_days, "STANDARD_IA"), (spec.glacier_ir_days, "GLACIER_IR"),
             (spec.deep_archive_days, "DEEP_ARCHIVE")]
    transitions = [{"days": days, "storage_class": cls} for days, cls in steps if days]
    rules: list[Any] = [abort]
    if transitions:
        rules.insert(0, {"id": "tier-by-age", "status": "Enabled", "filter": {},
                         "transitions": transitions,
                         "noncurrent_version_transitions": [
                             {"noncurrent_days": t["days"], "storage_class": t["storage_class"]}
                             for t in transitions]})
    return rules


def deny_insecure_transport(bucket_arn: str) -> str:
    """Bucket policy refusing every request that does not use TLS (the AWS
    recommendation: Deny s3:* to everyone when aws:SecureTransport is false)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


@dataclass
class LabBucketArgs:
    """Inputs of the lab bucket."""

    spec: BucketSpec
    retain_on_delete: bool = True
    tags: dict[str, str] = field(default_factory=dict)


class LabBucket(pulumi.ComponentResource):
    """S3 bucket with versioning, SSE-KMS, public access block, TLS-only policy and
    lifecycle."""

    def __init__(self, name: str, args: LabBucketArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:aws:LabBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        keep = pulumi.ResourceOptions(parent=self, retain_on_delete=args.retain_on_delete)
        self.bucket = aws.s3.Bucket(f"{name}-bucket", bucket_prefix=f"{name}-"[:37],
                                    force_destroy=False, tags=args.tags, opts=keep)
        access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block", bucket=self.bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=child)
        aws.s3.BucketPolicy(
            f"{name}-tls-only", bucket=self.bucket.id,
            policy=self.bucket.arn.apply(deny_insecure_transport),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_block]))
        aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=self.bucket.id,
            versioning_configuration={"status": "Enabled"}, opts=child)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"},
                    "bucket_key_enabled": True}], opts=child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=self.bucket.id, rules=lifecycle_rules(args.spec),
            opts=child)
        self.register_outputs({"bucket": self.bucket.bucket, "arn": self.bucket.arn})
