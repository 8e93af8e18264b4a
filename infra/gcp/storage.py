"""Object storage tier: the lab bucket, private (uniform bucket-level access,
public access prevention enforced), versioned and tiered by lifecycle rules or
Autoclass. Retained on ``pulumi destroy`` unless ``retainOnDelete`` is false."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp.services import child_options
from ailab.infra.gcp.spec import BucketSpec

CLASSES = ("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE")
VERSIONING: Any = {"enabled": True}


def lifecycle_rules(spec: BucketSpec) -> Any:
    """SetStorageClass steps by age (each from the classes before it), plus the
    abort of incomplete multipart uploads; Autoclass buckets keep only the abort
    (GCS refuses SetStorageClass rules beside Autoclass)."""
    rules: list[dict[str, Any]] = []
    if spec.tiering == "lifecycle":
        steps = [(spec.nearline_days, "NEARLINE"), (spec.coldline_days, "COLDLINE"),
                 (spec.archive_days, "ARCHIVE")]
        for days, target in steps:
            if not days:
                continue
            earlier = list(CLASSES[:CLASSES.index(target)])
            rules.append({"action": {"type": "SetStorageClass", "storage_class": target},
                          "condition": {"age": days, "matches_storage_classes": earlier}})
    rules.append({"action": {"type": "AbortIncompleteMultipartUpload"},
                  "condition": {"age": spec.abort_upload_days}})
    return rules


@dataclass
class LabBucketArgs:
    """Inputs of the lab bucket."""

    spec: BucketSpec
    region: str
    reader_writer: pulumi.Input[str]
    """IAM member (the node service account) granted object read/write."""
    retain_on_delete: bool = True
    labels: dict[str, str] = field(default_factory=dict)


class LabBucket(pulumi.ComponentResource):
    """GCS bucket + object-user grant for the lab nodes only."""

    def __init__(self, name: str, args: LabBucketArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:LabBucket", name, None, opts)
        spec = args.spec
        autoclass: Any = ({"enabled": True, "terminal_storage_class": "ARCHIVE"}
                     if spec.tiering == "autoclass" else None)
        self.bucket = gcp.storage.Bucket(
            f"{name}-bucket", location=args.region.upper(), storage_class="STANDARD",
            uniform_bucket_level_access=True, public_access_prevention="enforced",
            versioning=VERSIONING, autoclass=autoclass,
            lifecycle_rules=lifecycle_rules(spec), force_destroy=False, labels=args.labels,
            opts=child_options(self, opts, retain_on_delete=args.retain_on_delete))
        gcp.storage.BucketIAMMember(
            f"{name}-nodes-object-user", bucket=self.bucket.name, role="roles/storage.objectUser",
            member=args.reader_writer, opts=child_options(self, opts))
        self.register_outputs({"bucket": self.bucket.name, "url": self.bucket.url})
