"""AWS storage pricing rules: EBS volumes, EFS, FSx for Lustre and S3 buckets.

What usage decides (stored GB, objects, reads) is a usage part: its unit price
is shown and the usage file fills in the quantity, as Infracost does. A bucket's
lifecycle, versioning and Intelligent-Tiering settings are separate resources
in the stack; the bucket's line finds them through the inventory's reverse
index (``referencing(bucket, "bucket")``) and prices what they add.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Resource
from ailab.costs import storage_prices
from ailab.costs.stack_pricing.common import block_parts, object_parts, tier_parts
from ailab.costs.stack_pricing.context import PricingContext, new_line, part
from ailab.costs.stack_pricing.lines import CostLine, CostPart
from ailab.costs.stack_pricing.registry import free, rule
from ailab.costs.stack_pricing.values import UnpricedValue, flag, items, mapping, quantity, text

LIFECYCLES = (tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION,
              tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION_V2)
VERSIONINGS = (tokens.AWS_S3_BUCKET_VERSIONING, tokens.AWS_S3_BUCKET_VERSIONING_V2)
IT_CONFIGS = (tokens.AWS_S3_BUCKET_INTELLIGENT_TIERING_CONFIGURATION,)
IT = "INTELLIGENT_TIERING"

free("bucket settings: what they cost is priced on the bucket's line",
     tokens.AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK, *VERSIONINGS, *LIFECYCLES, *IT_CONFIGS,
     tokens.AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION,
     tokens.AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION_V2,
     tokens.AWS_S3_BUCKET_POLICY, tokens.AWS_S3_BUCKET_OWNERSHIP_CONTROLS)
free("mount points and links of priced file systems", tokens.AWS_EFS_MOUNT_TARGET,
     tokens.AWS_EFS_ACCESS_POINT, tokens.AWS_FSX_DATA_REPOSITORY_ASSOCIATION)


@rule(tokens.AWS_EBS_VOLUME)
def ebs_volume(res: Resource, ctx: PricingContext) -> CostLine:
    """GB-months plus provisioned IOPS and throughput above the type's baseline."""
    inputs = res.inputs
    parts = block_parts("aws", ctx.region, text(inputs.get("type"), "type", "gp2"),
                        quantity(inputs.get("size"), "size"),
                        quantity(inputs.get("iops"), "iops"),
                        quantity(inputs.get("throughput"), "throughput"), label="EBS")
    return new_line(res, ctx, parts, ["billed every hour it exists, attached or not"])


def _efs_part(ctx: PricingContext, label: str, use: Mapping[str, Any], field: str, unit: str,
              kind: str, component: str) -> CostPart:
    return part(label, use.get(field), unit,
                storage_prices.file_price("aws", ctx.region, kind, component))


@rule(tokens.AWS_EFS_FILE_SYSTEM, usage=("stored_gb", "ia_stored_gb", "ia_read_gb",
                                         "ia_write_gb", "read_gb", "write_gb"))
def efs(res: Resource, ctx: PricingContext) -> CostLine:
    """Standard (or One Zone) GB-months; with a lifecycle to Infrequent Access, IA GB-months,
    IA reads and tiering writes; with elastic throughput, GB read and written."""
    inputs, use = res.inputs, ctx.usage_for(res)
    one_zone = bool(inputs.get("availabilityZoneName"))
    kind = "efs-one-zone" if one_zone else "efs-standard"
    parts = [_efs_part(ctx, f"{kind} storage", use, "stored_gb", "GB-month", kind, "storage")]
    policies = [mapping(p, "lifecyclePolicies[]")
                for p in items(inputs.get("lifecyclePolicies"), "lifecyclePolicies")]
    notes = []
    if any(p.get("transitionToIa") for p in policies):
        ia = "efs-one-zone-ia" if one_zone else "efs-ia"
        parts += [_efs_part(ctx, f"{ia} storage", use, "ia_stored_gb", "GB-month", ia, "storage"),
                  _efs_part(ctx, "IA reads", use, "ia_read_gb", "GB", "efs-ia", "read"),
                  _efs_part(ctx, "IA tiering writes", use, "ia_write_gb", "GB", "efs-ia",
                            "write")]
        notes.append("lifecycle moves files unread for a while to Infrequent Access: IA "
                     "GB-months, reads and tiering are priced from the usage file "
                     "(ia_stored_gb, ia_read_gb, ia_write_gb)")
    if any(p.get("transitionToArchive") for p in policies):
        notes.append("files moved on to the Archive class are priced as IA here")
    mode = text(inputs.get("throughputMode"), "throughputMode", "bursting")
    if mode == "elastic":
        parts += [_efs_part(ctx, "elastic throughput reads", use, "read_gb", "GB",
                            "efs-elastic-throughput", "read"),
                  _efs_part(ctx, "elastic throughput writes", use, "write_gb", "GB",
                            "efs-elastic-throughput", "write")]
    elif mode == "provisioned":
        mibps = quantity(inputs.get("provisionedThroughputInMibps"),
                         "provisionedThroughputInMibps")
        parts.append(part(f"provisioned throughput {mibps:g} MiB/s", mibps, "MiBps-month",
                          storage_prices.file_price("aws", ctx.region, "efs-provisioned",
                                                    "throughput")))
    return new_line(res, ctx, parts, notes)


def _lustre_kind(inputs: Mapping[str, Any]) -> str:
    deployment = text(inputs.get("deploymentType"), "deploymentType",
                      "SCRATCH_1").lower().replace("_", "")
    if deployment.startswith("scratch"):
        return f"fsx-lustre-{deployment}"
    per_unit = quantity(inputs.get("perUnitStorageThroughput"), "perUnitStorageThroughput")
    hdd = "-hdd" if text(inputs.get("storageType"), "storageType", "SSD").upper() == "HDD" else ""
    return f"fsx-lustre-{deployment}{hdd}-{per_unit:g}"


@rule(tokens.AWS_FSX_LUSTRE_FILE_SYSTEM, usage=("backup_gb",))
def fsx_lustre(res: Resource, ctx: PricingContext) -> CostLine:
    """Provisioned capacity at the deployment type's throughput tier; automatic backups
    add backup GB-months (usage: backup_gb)."""
    inputs = res.inputs
    kind = _lustre_kind(inputs)
    capacity = quantity(inputs.get("storageCapacity"), "storageCapacity")
    parts = [part(f"{kind} {capacity:g} GB", capacity, "GB-month",
                  storage_prices.file_price("aws", ctx.region, kind))]
    notes = []
    if quantity(inputs.get("automaticBackupRetentionDays"), "automaticBackupRetentionDays") > 0:
        parts.append(part("backups", ctx.usage_for(res).get("backup_gb"), "GB-month",
                          storage_prices.file_price("aws", ctx.region, "fsx-lustre-backup")))
        notes.append("automatic backups are incremental: backup GB-months come from the "
                     "usage file (backup_gb)")
    return new_line(res, ctx, parts, notes)


def _rules(res: Resource, ctx: PricingContext) -> list[Mapping[str, Any]]:
    """The bucket's enabled lifecycle rules: its lifecycle resources', or the inline v1 ones."""
    found: list[Mapping[str, Any]] = []
    for config in ctx.referencing(res, "bucket", *LIFECYCLES):
        found += [mapping(r, "rules[]") for r in items(config.inputs.get("rules"), "rules")]
    found += [mapping(r, "lifecycleRules[]")
              for r in items(res.inputs.get("lifecycleRules"), "lifecycleRules")]
    return [r for r in found if r.get("status", "Enabled") == "Enabled" or r.get("enabled")]


def _transitions(rules: list[Mapping[str, Any]], key: str) -> list[tuple[float, str]]:
    out = []
    for r in rules:
        for t in items(r.get(key), key):
            step = mapping(t, f"{key}[]")
            klass = text(step.get("storageClass"), f"{key}[].storageClass")
            days = quantity(step.get("days", step.get("noncurrentDays")), f"{key}[].days")
            out.append((days, klass))
    return out


def _versioned(res: Resource, ctx: PricingContext) -> bool:
    for config in ctx.referencing(res, "bucket", *VERSIONINGS):
        conf = mapping(config.inputs.get("versioningConfiguration"), "versioningConfiguration")
        if text(conf.get("status"), "versioningConfiguration.status") == "Enabled":
            return True
    return flag(mapping(res.inputs.get("versioning"), "versioning").get("enabled"))


def _transition_parts(ctx: PricingContext, use: Mapping[str, Any],
                      classes: list[str]) -> list[CostPart]:
    """Lifecycle transition requests, billed per object moved, at the target class's rate."""
    declared = mapping(use.get("transitions"), "usage transitions")
    unknown = sorted(set(declared) - set(classes))
    if unknown:
        raise UnpricedValue(f"usage transitions.{unknown[0]}: the bucket's lifecycle rules "
                            f"move objects to {', '.join(classes) or 'no class'}")
    out = []
    for klass in classes:
        count = declared.get(klass)
        out.append(part(f"lifecycle transitions to {klass}",
                        None if count is None else count / 1000, "1000 objects",
                        storage_prices.object_price("aws", ctx.region, klass, "transition")))
    return out


@rule(tokens.AWS_S3_BUCKET, tokens.AWS_S3_BUCKET_V2,
      usage=("stored_gb", "requests", "egress_gb", "monitored_objects", "transitions",
             "noncurrent_gb"))
def s3_bucket(res: Resource, ctx: PricingContext) -> CostLine:
    """Stored GB (volume tiers), requests and egress; lifecycle transition requests,
    Intelligent-Tiering monitoring and noncurrent versions when the bucket's settings
    call for them (all from the usage file)."""
    use = ctx.usage_for(res)
    rules = _rules(res, ctx)
    moves = _transitions(rules, "transitions")
    classes = list(dict.fromkeys(k for _, k in moves + _transitions(
        rules, "noncurrentVersionTransitions")))
    in_it = any(k == IT and days == 0 for days, k in moves)
    klass, label = (IT, "S3 Intelligent-Tiering (Frequent Access tier)") if in_it else (
        "STANDARD", "S3 Standard")
    parts = object_parts(ctx, res, "aws", ctx.region, klass, label, "requests")
    notes = []
    if IT in classes or ctx.referencing(res, "bucket", *IT_CONFIGS):
        parts.append(part("Intelligent-Tiering monitoring (objects >= 128 KB)",
                          None if use.get("monitored_objects") is None
                          else use["monitored_objects"] / 1000, "1000 objects-month",
                          storage_prices.object_price("aws", ctx.region, IT, "monitoring")))
        notes.append("Intelligent-Tiering: stored GB at the Frequent Access tier; objects "
                      "unread for 30/90 days move to cheaper tiers, which depends on access "
                      "(`ailab estimate storage` simulates it); the monitoring fee and the "
                      "transition requests are priced from the usage file")
    elif classes:
        notes.append(f"lifecycle rules move objects to {', '.join(classes)}: stored GB at "
                     "S3 Standard; colder classes store for less but add transition requests "
                     "(priced from the usage file), retrieval fees and minimum durations "
                     "(`ailab estimate storage` models them)")
    parts += _transition_parts(ctx, use, classes)
    if _versioned(res, ctx):
        quote = storage_prices.tiers("aws", ctx.region, "object", klass, "storage")
        parts += tier_parts("noncurrent versions", use.get("noncurrent_gb"), quote, "GB-month")
        notes.append("versioning keeps noncurrent versions: their GB-months come from the usage "
                     "file (noncurrent_gb)")
    return new_line(res, ctx, parts, notes)
