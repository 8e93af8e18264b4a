"""One-line summaries of a resource's key settings, for inventory tables.

Pure functions over the recorded inputs: instance type, market, count, storage
class, size and encryption, the settings a reviewer checks first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ailab.core import tokens

Inputs = dict[str, Any]


def _enc(value: Any) -> str:
    return "encrypted" if str(value).lower() == "true" else "UNENCRYPTED"


def _instance(i: Inputs) -> list[str]:
    market = i.get("instanceMarketOptions") or {}
    out = [str(i.get("instanceType") or "from launch template")]
    out.append("spot" if market.get("marketType") == "spot" else
               ("" if "launchTemplate" in i else "on-demand"))
    root = i.get("rootBlockDevice") or {}
    if root:
        out.append(f"root {root.get('volumeType')} {root.get('volumeSize')} GiB "
                   f"{_enc(root.get('encrypted'))}")
    if (i.get("metadataOptions") or {}).get("httpTokens") == "required":
        out.append("IMDSv2")
    if i.get("placementGroup"):
        out.append("placement group")
    return out


def _launch_template(i: Inputs) -> list[str]:
    nics = i.get("networkInterfaces") or []
    efa = sum(1 for n in nics if str(n.get("interfaceType", "")).startswith("efa"))
    market = (i.get("instanceMarketOptions") or {}).get("marketType")
    out = [str(i.get("instanceType") or "types from group"), "spot" if market == "spot" else ""]
    if efa:
        out.append(f"{efa} EFA interfaces")
    return out


def _asg(i: Inputs) -> list[str]:
    mip = i.get("mixedInstancesPolicy") or {}
    dist = mip.get("instancesDistribution") or {}
    types = [o.get("instanceType") for o in (mip.get("launchTemplate") or {}).get("overrides", [])]
    return [f"min {i.get('minSize')} / desired {i.get('desiredCapacity')} / max "
            f"{i.get('maxSize')}", ",".join(t for t in types if t),
            f"spot {dist.get('spotAllocationStrategy')}",
            f"on-demand base {dist.get('onDemandBaseCapacity', 0)}"]


def _volume(i: Inputs) -> list[str]:
    out = [f"{i.get('type')} {i.get('size')} GiB", _enc(i.get("encrypted"))]
    if i.get("iops"):
        out.append(f"{i.get('iops')} IOPS")
    if i.get("throughput"):
        out.append(f"{i.get('throughput')} MiB/s")
    return out


def _lifecycle(i: Inputs) -> list[str]:
    steps = []
    for rule in i.get("rules") or []:
        for t in rule.get("transitions") or []:
            steps.append(f"{t.get('storageClass')}@{t.get('days')}d")
        abort = rule.get("abortIncompleteMultipartUpload")
        if abort:
            steps.append(f"abort uploads@{abort.get('daysAfterInitiation')}d")
    return steps


def _sse(i: Inputs) -> list[str]:
    rules = i.get("rules") or [{}]
    algo = (rules[0].get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")
    return [f"SSE {algo}"]


def _alarm(i: Inputs) -> list[str]:
    minutes = int(i.get("period", 0)) * int(i.get("evaluationPeriods", 0)) // 60
    actions = ",".join(a.rsplit(":", 1)[-1] for a in i.get("alarmActions") or [])
    return [f"{i.get('metricName')} < {i.get('threshold')} for {minutes} min -> {actions}"]


_SUMMARIES: dict[str, Callable[[Inputs], list[str]]] = {
    tokens.AWS_EC2_INSTANCE: _instance,
    tokens.AWS_EC2_LAUNCH_TEMPLATE: _launch_template,
    tokens.AWS_AUTOSCALING_GROUP: _asg,
    tokens.AWS_EBS_VOLUME: _volume,
    tokens.AWS_S3_BUCKET_LIFECYCLE_CONFIGURATION: _lifecycle,
    tokens.AWS_S3_BUCKET_SERVER_SIDE_ENCRYPTION_CONFIGURATION:
        _sse,
    tokens.AWS_CLOUDWATCH_METRIC_ALARM: _alarm,
    tokens.AWS_EFS_FILE_SYSTEM: lambda i: [_enc(i.get("encrypted")),
                                                str(i.get("throughputMode"))],
    tokens.AWS_FSX_LUSTRE_FILE_SYSTEM: lambda i: [
        f"{i.get('deploymentType')} {i.get('storageCapacity')} GiB",
        f"{i.get('perUnitStorageThroughput')} MB/s/TiB", "encrypted"],
    tokens.AWS_EC2_PLACEMENT_GROUP: lambda i: [f"strategy {i.get('strategy')}"],
    tokens.AWS_S3_BUCKET_VERSIONING: lambda i: [
        f"versioning {(i.get('versioningConfiguration') or {}).get('status')}"],
    tokens.AWS_BUDGETS_BUDGET: lambda i: [
        f"{i.get('limitAmount')} {i.get('limitUnit')}/{str(i.get('timeUnit')).lower()}",
        f"alerts {','.join(str(n.get('threshold')) for n in i.get('notifications') or [])}%"],
    tokens.AWS_EC2_SUBNET: lambda i: [f"{i.get('cidrBlock')} {i.get('availabilityZone')}"],
    tokens.AWS_EC2_VPC: lambda i: [str(i.get("cidrBlock"))],
}

SUMMARIES = _SUMMARIES
"""Summary functions by resource type; other clouds register theirs here."""


def summarize(token: str, inputs: Inputs, retain_on_delete: bool = False) -> str:
    """Comma-joined key settings of one resource ('' when nothing stands out)."""
    fn = SUMMARIES.get(token)
    parts = [p for p in (fn(inputs) if fn else []) if p]
    if retain_on_delete:
        parts.append("retained on delete")
    return ", ".join(parts)


def _register_clouds() -> None:
    """Merge the other clouds' summary tables (pure modules, no SDK imports)."""
    from ailab.infra.gcp.summary import GCP_SUMMARIES

    SUMMARIES.update(GCP_SUMMARIES)


_register_clouds()
