"""Data guardrails: data stores survive teardown, buckets are versioned and tiered."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.links import bucket_findings
from ailab.guardrails.rule import (
    Enforcement,
    Finding,
    Severity,
    is_unknown,
    items,
    mapping,
    resource_rule,
    stack_rule,
    truthy,
)

DATA = "data"


@resource_rule("data-retained-on-delete", "Data stores are retained on delete", DATA,
               Severity.HIGH, "Keep ailab:retainOnDelete true (retain_on_delete=True or "
               "protect=True) and force_destroy false on buckets.", t.DATA_STORES)
def data_retained_on_delete(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """The analyzer protocol of ``pulumi preview --policy-pack`` does not carry
    retainOnDelete, so there the check sees only ``protect`` and forceDestroy;
    ``ailab preview --policy`` sees retainOnDelete as well."""
    if res.type in (*t.S3_BUCKETS, tokens.GCP_STORAGE_BUCKET) and truthy(res.get("forceDestroy")):
        yield "forceDestroy deletes every object when the bucket is destroyed"
    if res.retain_on_delete is False and not res.protect:
        yield "neither retained on delete nor protected: `pulumi destroy` deletes the data"


def _versioning_problem(res: Resource) -> str | None:
    status = res.get("versioningConfiguration.status") or (
        "Enabled" if truthy(res.get("versioning.enabled")) else None)
    if is_unknown(status) or is_unknown(res.get("versioningConfiguration")):
        return None
    return None if status == "Enabled" else f"versioning status is {status!r}, not 'Enabled'"


@stack_rule("bucket-versioning", "Buckets keep object versions", DATA, Severity.MEDIUM,
            "Add aws.s3.BucketVersioning with status Enabled, or versioning.enabled=True on GCS.",
            (*t.S3_BUCKETS, *t.S3_VERSIONING, tokens.GCP_STORAGE_BUCKET))
def bucket_versioning(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from bucket_findings(inv, t.S3_VERSIONING, "versioning",
                               _versioning_problem, "bucket has no versioning configuration")
    for bucket in inv.by_type(tokens.GCP_STORAGE_BUCKET):
        if not truthy(bucket.get("versioning.enabled")):
            yield bucket, "object versioning is off"


def _lifecycle_problem(res: Resource) -> str | None:
    rules = res.get("rules") or res.get("lifecycleRules")
    if is_unknown(rules):
        return None
    enabled = [r for r in map(mapping, items(rules)) if r and
               (r.get("status", "Enabled") == "Enabled" or truthy(r.get("enabled")))]
    return None if enabled else "no enabled lifecycle rule"


@stack_rule("bucket-lifecycle", "Buckets have lifecycle rules", DATA, Severity.MEDIUM,
            "Add lifecycle rules (tiering by age, abort incomplete multipart uploads), or "
            "Autoclass on GCS.", (*t.S3_BUCKETS, *t.S3_LIFECYCLE, tokens.GCP_STORAGE_BUCKET),
            enforcement=Enforcement.ADVISORY)
def bucket_lifecycle(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    yield from bucket_findings(inv, t.S3_LIFECYCLE, "lifecycleRules",
                               _lifecycle_problem, "bucket has no lifecycle configuration")
    for bucket in inv.by_type(tokens.GCP_STORAGE_BUCKET):
        if not bucket.get("lifecycleRules") and not truthy(bucket.get("autoclass.enabled")):
            yield bucket, "no lifecycle rules and no Autoclass"
