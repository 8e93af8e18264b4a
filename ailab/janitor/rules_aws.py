"""AWS waste rules (plus ``expired``, which applies to every cloud and kind)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from ailab.janitor.prices import resource_monthly
from ailab.janitor.records import Action, Resource
from ailab.janitor.rules import (
    TAG_KEYS,
    Context,
    MetricQuery,
    Rule,
    RuleParams,
    expiry,
    older_than,
    register,
    spans_window,
    well_covered,
    window_series,
)


class _Priced(Rule):
    def price(self, res: Resource) -> tuple[float, str]:
        return resource_monthly(res)


@register
class Expired(_Priced):
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

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
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


@register
class IdleGpuInstance(_Priced):
    """Running GPU instances whose CPU (and GPU, where published) stayed low."""

    name = "idle-gpu-instance"
    clouds = ("aws",)
    kinds = ("instance",)
    action = Action.STOP
    Params = IdleGpuParams

    def _eligible(self, res: Resource, ctx: Context) -> bool:
        params: IdleGpuParams = self.params  # type: ignore[assignment]
        return (res.state == "running" and res.attrs.get("gpus", 0) > 0
                and spans_window(res, ctx.now, params.window_hours))

    def action_for(self, res: Resource) -> Action:
        return Action.TERMINATE if res.attrs.get("spot") else Action.STOP

    def queries(self, res: Resource, ctx: Context) -> list[MetricQuery]:
        if not self._eligible(res, ctx):
            return []
        p: IdleGpuParams = self.params  # type: ignore[assignment]
        dims = (("InstanceId", res.id),)
        period = p.period_minutes * 60
        return [MetricQuery("cpu", "AWS/EC2", "CPUUtilization", dims, "Average", period,
                            p.window_hours),
                MetricQuery("gpu", p.gpu_namespace, p.gpu_metric, dims, "Average", period,
                            p.window_hours)]

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        if not self._eligible(res, ctx):
            return None
        p: IdleGpuParams = self.params  # type: ignore[assignment]
        cpu, gpu = ctx.series(res, "cpu"), ctx.series(res, "gpu")
        covered = well_covered(cpu, p.window_hours, p.period_minutes, p.min_coverage)
        if not covered or max(cpu) >= p.cpu_max_percent:
            return None
        if gpu and max(gpu) >= p.gpu_max_percent:
            return None
        evidence: dict[str, Any] = {
            "instance_type": res.attrs.get("instance_type"), "gpus": res.attrs.get("gpus"),
            "window_hours": p.window_hours, "cpu_percent": window_series(cpu),
            "gpu_percent": window_series(gpu) if gpu else "not published",
        }
        return evidence


class DaysParams(RuleParams):
    days: float = Field(14.0, ge=0)


@register
class StoppedInstance(_Priced):
    """Instances stopped for N days: their disks still bill."""

    name = "stopped-instance"
    clouds = ("aws",)
    kinds = ("instance",)
    action = Action.TERMINATE
    Params = DaysParams

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        if res.state != "stopped":
            return None
        since = res.attrs.get("stopped_since") or res.created
        days = older_than(since, ctx.now, self.params.days)  # type: ignore[attr-defined]
        if days is None:
            return None
        vols = res.attrs.get("volumes", [])
        return {"state": "stopped", "stopped_days": round(days, 1), "volumes": len(vols),
                "volume_gib": sum(v["size_gib"] for v in vols)}


class VolumeParams(RuleParams):
    days: float = Field(7.0, ge=0)


@register
class UnattachedVolume(_Priced):
    """EBS volumes attached to nothing for N days (age counted from creation)."""

    name = "unattached-volume"
    clouds = ("aws",)
    kinds = ("volume",)
    action = Action.DELETE
    Params = VolumeParams

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        if res.state != "available" or res.attrs.get("attachments"):
            return None
        days = older_than(res.created, ctx.now, self.params.days)  # type: ignore[attr-defined]
        if days is None:
            return None
        return {"state": res.state, "age_days": round(days, 1),
                "size_gib": res.attrs.get("size_gib"), "type": res.attrs.get("volume_type")}


class SnapshotParams(RuleParams):
    days: float = Field(90.0, ge=0)


@register
class OldSnapshot(_Priced):
    """Own snapshots older than N days that no AMI uses (final snapshots are kept)."""

    name = "old-snapshot"
    clouds = ("aws",)
    kinds = ("snapshot",)
    action = Action.DELETE
    Params = SnapshotParams

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        if res.id in ctx.ami_snapshots or TAG_KEYS["aws"]["final"] in res.tags:
            return None
        days = older_than(res.created, ctx.now, self.params.days)  # type: ignore[attr-defined]
        if days is None:
            return None
        return {"age_days": round(days, 1), "size_gib": res.attrs.get("size_gib"),
                "used_by_ami": False}


@register
class UnassociatedAddress(_Priced):
    """Elastic IPs associated with nothing (AWS bills idle public IPv4 by the hour)."""

    name = "unassociated-address"
    clouds = ("aws",)
    kinds = ("address",)
    action = Action.RELEASE

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        if res.attrs.get("association_id"):
            return None
        return {"public_ip": res.attrs.get("public_ip"), "associated": False}


class NatParams(RuleParams):
    window_hours: float = Field(168.0, gt=0)
    max_bytes: float = Field(0.0, ge=0)
    missing_data_is_idle: bool = True


@register
class IdleNatGateway(_Priced):
    """NAT gateways that moved no (or almost no) bytes over the window."""

    name = "idle-nat-gateway"
    clouds = ("aws",)
    kinds = ("nat-gateway",)
    action = Action.DELETE
    Params = NatParams

    def _eligible(self, res: Resource, ctx: Context) -> bool:
        window: float = self.params.window_hours  # type: ignore[attr-defined]
        return res.state == "available" and spans_window(res, ctx.now, window)

    def queries(self, res: Resource, ctx: Context) -> list[MetricQuery]:
        if not self._eligible(res, ctx):
            return []
        p: NatParams = self.params  # type: ignore[assignment]
        dims = (("NatGatewayId", res.id),)
        period = int(p.window_hours * 3600)
        return [MetricQuery(key, "AWS/NATGateway", metric, dims, "Sum", period, p.window_hours)
                for key, metric in (("bytes_out", "BytesOutToDestination"),
                                    ("bytes_in", "BytesInFromSource"))]

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        if not self._eligible(res, ctx):
            return None
        p: NatParams = self.params  # type: ignore[assignment]
        out, inn = ctx.series(res, "bytes_out"), ctx.series(res, "bytes_in")
        if not out and not inn and not p.missing_data_is_idle:
            return None
        total = sum(out) + sum(inn)
        if total > p.max_bytes:
            return None
        return {"bytes": total, "window_hours": p.window_hours,
                "datapoints": len(out) + len(inn)}


class UploadParams(RuleParams):
    days: float = Field(7.0, ge=0)


@register
class StaleMultipartUpload(_Priced):
    """Incomplete multipart uploads in lab buckets: the parts bill, the bucket stays."""

    name = "stale-multipart-upload"
    clouds = ("aws",)
    kinds = ("multipart-upload",)
    action = Action.ABORT_UPLOAD
    Params = UploadParams

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        days = older_than(res.created, ctx.now, self.params.days)  # type: ignore[attr-defined]
        if days is None:
            return None
        return {"bucket": res.attrs.get("bucket"), "key": res.attrs.get("key"),
                "age_days": round(days, 1), "parts_bytes": res.attrs.get("size_bytes", 0)}
