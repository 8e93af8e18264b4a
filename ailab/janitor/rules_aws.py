"""AWS waste rules (plus ``expired``, which applies to every cloud and kind)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from ailab.core import tags
from ailab.janitor.evidence import every_gpu_idle, well_covered, window_series
from ailab.janitor.prices import resource_monthly
from ailab.janitor.records import Action, Resource
from ailab.janitor.rules import (
    Context,
    MetricQuery,
    P,
    Rule,
    RuleParams,
    Unknown,
    Verdict,
    expiry,
    older_than,
    register,
    spans_window,
)


class _Priced(Rule[P]):
    def price(self, res: Resource) -> tuple[float, str]:
        return resource_monthly(res)


@register
class Expired(_Priced[RuleParams]):
    """Anything whose expiry tag/label (``ailab:expires``) is in the past."""

    name = "expired"
    clouds = ("aws", "gcp")
    kinds = ("instance", "volume", "snapshot", "address", "nat-gateway", "tpu-node",
             "gce-instance")
    action = Action.DELETE
    priority = 0
    _ACTIONS: ClassVar[dict[str, Action]] = {
        "instance": Action.TERMINATE, "address": Action.RELEASE, "gce-instance": Action.STOP,
    }

    def action_for(self, res: Resource) -> Action:
        return self._ACTIONS.get(res.kind, Action.DELETE)

    def check(self, res: Resource, ctx: Context) -> Verdict:
        expires = expiry(res)
        if expires is None or expires >= ctx.now.date():
            return None
        if res.kind == "snapshot" and res.id in ctx.ami_snapshots:
            return None
        return {"expires": expires.isoformat(), "state": res.state}


class IdleGpuParams(RuleParams):
    cpu_max_percent: float = Field(5.0, ge=0, le=100)
    gpu_max_percent: float = Field(5.0, ge=0, le=100)
    window_hours: float = Field(72.0, gt=0)
    period_minutes: int = Field(60, ge=1)
    min_coverage: float = Field(0.5, gt=0, le=1)
    gpu_namespace: str = "CWAgent"
    gpu_metric: str = "nvidia_smi_utilization_gpu"
    gpu_index_dimension: str = "index"
    require_gpu_metric: bool = True
    """Without GPU series the instance is 'unknown' (never acted on); false lets CPU
    alone decide, for fleets that publish no GPU metric at all."""
    spot_action: Literal["report", "stop", "terminate"] = "report"
    """What to do with an idle spot instance EC2 cannot stop (a one-time request)."""


@register
class IdleGpuInstance(_Priced[IdleGpuParams]):
    """Running GPU instances whose every GPU and CPU stayed low over the window.

    GPU series are found per instance (the CloudWatch agent's nvidia_smi plugin
    publishes one per GPU under InstanceId, index, name); no GPU evidence means
    unknown. Idle instances are stopped; a spot instance EC2 cannot stop (one-time
    request) is reported unless ``spot_action`` says otherwise."""

    name = "idle-gpu-instance"
    clouds = ("aws",)
    kinds = ("instance",)
    action = Action.STOP
    Params = IdleGpuParams

    def _eligible(self, res: Resource, ctx: Context) -> bool:
        return (res.state == "running" and res.attrs.get("gpus", 0) > 0
                and spans_window(res, ctx.now, self.params.window_hours))

    def action_for(self, res: Resource) -> Action:
        if not res.attrs.get("spot") or res.attrs.get("spot_stoppable"):
            return Action.STOP
        return {"report": Action.REPORT, "stop": Action.STOP,
                "terminate": Action.TERMINATE}[self.params.spot_action]

    def queries(self, res: Resource, ctx: Context) -> list[MetricQuery]:
        if not self._eligible(res, ctx):
            return []
        p = self.params
        dims = (("InstanceId", res.id),)
        period = p.period_minutes * 60
        return [MetricQuery("cpu", "AWS/EC2", "CPUUtilization", dims, "Average", period,
                            p.window_hours),
                MetricQuery("gpu", p.gpu_namespace, p.gpu_metric, dims, "Average", period,
                            p.window_hours, per_series=True)]

    def _covered(self, values: list[float]) -> bool:
        p = self.params
        return well_covered(values, p.window_hours, p.period_minutes, p.min_coverage)

    def check(self, res: Resource, ctx: Context) -> Verdict:
        if not self._eligible(res, ctx):
            return None
        p = self.params
        cpu = ctx.series(res, "cpu")
        if cpu and max(cpu) >= p.cpu_max_percent:
            return None
        gpu = every_gpu_idle(ctx.series_set(res, "gpu"), int(res.attrs.get("gpus", 0)),
                             p.gpu_max_percent, p.gpu_index_dimension, self._covered,
                             p.require_gpu_metric)
        if gpu is None or isinstance(gpu, Unknown):
            return gpu
        if not self._covered(cpu):
            return Unknown(f"CPUUtilization has {len(cpu)} datapoints in the "
                           f"{p.window_hours:g}h window")
        evidence: dict[str, Any] = {
            "instance_type": res.attrs.get("instance_type"), "gpus": res.attrs.get("gpus"),
            "window_hours": p.window_hours, "cpu_percent": window_series(cpu), **gpu}
        if res.attrs.get("spot") and not res.attrs.get("spot_stoppable"):
            evidence["spot"] = f"one-time request, cannot stop: {p.spot_action}"
        return evidence


class DaysParams(RuleParams):
    days: float = Field(14.0, ge=0)


@register
class StoppedInstance(_Priced[DaysParams]):
    """Instances stopped for N days: their disks still bill."""

    name = "stopped-instance"
    clouds = ("aws",)
    kinds = ("instance",)
    action = Action.TERMINATE
    Params = DaysParams

    def check(self, res: Resource, ctx: Context) -> Verdict:
        if res.state != "stopped":
            return None
        since = res.attrs.get("stopped_since") or res.created
        days = older_than(since, ctx.now, self.params.days)
        if days is None:
            return None
        vols = res.attrs.get("volumes", [])
        return {"state": "stopped", "stopped_days": round(days, 1), "volumes": len(vols),
                "volume_gib": sum(v["size_gib"] for v in vols)}


class VolumeParams(RuleParams):
    days: float = Field(7.0, ge=0)


@register
class UnattachedVolume(_Priced[VolumeParams]):
    """EBS volumes attached to nothing for N days (age counted from creation)."""

    name = "unattached-volume"
    clouds = ("aws",)
    kinds = ("volume",)
    action = Action.DELETE
    Params = VolumeParams

    def check(self, res: Resource, ctx: Context) -> Verdict:
        if res.state != "available" or res.attrs.get("attachments"):
            return None
        days = older_than(res.created, ctx.now, self.params.days)
        if days is None:
            return None
        return {"state": res.state, "age_days": round(days, 1),
                "size_gib": res.attrs.get("size_gib"), "type": res.attrs.get("volume_type")}


class SnapshotParams(RuleParams):
    days: float = Field(90.0, ge=0)


@register
class OldSnapshot(_Priced[SnapshotParams]):
    """Own snapshots older than N days that no AMI uses (final snapshots are kept)."""

    name = "old-snapshot"
    clouds = ("aws",)
    kinds = ("snapshot",)
    action = Action.DELETE
    Params = SnapshotParams

    def check(self, res: Resource, ctx: Context) -> Verdict:
        if res.id in ctx.ami_snapshots or tags.AWS.janitor_final_snapshot in res.tags:
            return None
        days = older_than(res.created, ctx.now, self.params.days)
        if days is None:
            return None
        return {"age_days": round(days, 1), "size_gib": res.attrs.get("size_gib"),
                "used_by_ami": False}


@register
class UnassociatedAddress(_Priced[RuleParams]):
    """Elastic IPs associated with nothing (AWS bills idle public IPv4 by the hour)."""

    name = "unassociated-address"
    clouds = ("aws",)
    kinds = ("address",)
    action = Action.RELEASE

    def check(self, res: Resource, ctx: Context) -> Verdict:
        if res.attrs.get("association_id"):
            return None
        return {"public_ip": res.attrs.get("public_ip"), "associated": False}


class NatParams(RuleParams):
    window_hours: float = Field(168.0, gt=0)
    max_bytes: float = Field(0.0, ge=0)
    min_coverage: float = Field(0.5, gt=0, le=1)


@register
class IdleNatGateway(_Priced[NatParams]):
    """NAT gateways that moved no (or almost no) bytes over the window.

    Daily sums of both byte counters; a window without enough of them is unknown
    (missing data is not idleness)."""

    name = "idle-nat-gateway"
    clouds = ("aws",)
    kinds = ("nat-gateway",)
    action = Action.DELETE
    Params = NatParams
    PERIOD_MINUTES = 1440

    def _eligible(self, res: Resource, ctx: Context) -> bool:
        return res.state == "available" and spans_window(res, ctx.now, self.params.window_hours)

    def queries(self, res: Resource, ctx: Context) -> list[MetricQuery]:
        if not self._eligible(res, ctx):
            return []
        p = self.params
        dims = (("NatGatewayId", res.id),)
        return [MetricQuery(key, "AWS/NATGateway", metric, dims, "Sum",
                            self.PERIOD_MINUTES * 60, p.window_hours)
                for key, metric in (("bytes_out", "BytesOutToDestination"),
                                    ("bytes_in", "BytesInFromSource"))]

    def check(self, res: Resource, ctx: Context) -> Verdict:
        if not self._eligible(res, ctx):
            return None
        p = self.params
        out, inn = ctx.series(res, "bytes_out"), ctx.series(res, "bytes_in")
        total = sum(out) + sum(inn)
        if total > p.max_bytes:
            return None
        if not well_covered(out, p.window_hours, self.PERIOD_MINUTES, p.min_coverage):
            return Unknown(f"BytesOutToDestination has {len(out)} daily sums in the "
                           f"{p.window_hours:g}h window")
        return {"bytes": total, "window_hours": p.window_hours,
                "datapoints": len(out) + len(inn)}


class UploadParams(RuleParams):
    days: float = Field(7.0, ge=0)


@register
class StaleMultipartUpload(_Priced[UploadParams]):
    """Incomplete multipart uploads in lab buckets: the parts bill, the bucket stays."""

    name = "stale-multipart-upload"
    clouds = ("aws",)
    kinds = ("multipart-upload",)
    action = Action.ABORT_UPLOAD
    Params = UploadParams

    def check(self, res: Resource, ctx: Context) -> Verdict:
        days = older_than(res.created, ctx.now, self.params.days)
        if days is None:
            return None
        return {"bucket": res.attrs.get("bucket"), "key": res.attrs.get("key"),
                "age_days": round(days, 1), "parts_bytes": res.attrs.get("size_bytes", 0)}
