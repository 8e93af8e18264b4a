"""GCP waste rules: TPU VMs and GPU VMs (``expired`` lives with the AWS rules).

Metric names are Cloud Monitoring metric types; the GCP scanner fetches each
type once per project for every resource that needs it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import Field

from ailab.janitor.evidence import every_gpu_idle, well_covered, window_series
from ailab.janitor.prices import resource_monthly
from ailab.janitor.records import Action, Resource
from ailab.janitor.rules import (
    Context,
    MetricQuery,
    Rule,
    RuleParams,
    Unknown,
    Verdict,
    age_days,
    register,
    spans_window,
)

TPU_DUTY = "tpu.googleapis.com/accelerator/duty_cycle"
GCE_CPU = "compute.googleapis.com/instance/cpu/utilization"
GCE_GPU = "agent.googleapis.com/gpu/utilization"


class GcpIdleParams(RuleParams):
    max_percent: float = Field(5.0, ge=0, le=100)
    window_hours: float = Field(24.0, gt=0)
    period_minutes: int = Field(60, ge=1)
    min_coverage: float = Field(0.5, gt=0, le=1)


class GpuVmParams(GcpIdleParams):
    require_gpu_metric: bool = True
    """Without the Ops Agent's GPU series the VM is 'unknown' (never acted on)."""


G = TypeVar("G", bound=GcpIdleParams)


class _GcpRule(Rule[G]):
    clouds = ("gcp",)
    Params = GcpIdleParams
    running_state = "READY"
    metric_keys: tuple[tuple[str, str, bool], ...] = ()

    def price(self, res: Resource) -> tuple[float, str]:
        return resource_monthly(res)

    def _eligible(self, res: Resource, ctx: Context) -> bool:
        return (res.state == self.running_state
                and spans_window(res, ctx.now, self.params.window_hours))

    def queries(self, res: Resource, ctx: Context) -> list[MetricQuery]:
        if not self._eligible(res, ctx):
            return []
        p = self.params
        metric_id = res.attrs.get("metric_id", res.id)
        return [MetricQuery(key, "", metric, (("resource_id", metric_id),), "ALIGN_MEAN",
                            p.period_minutes * 60, p.window_hours, per_series=per_series)
                for key, metric, per_series in self.metric_keys]

    def _covered(self, values: list[float]) -> bool:
        p = self.params
        return well_covered(values, p.window_hours, p.period_minutes, p.min_coverage)


@register
class IdleTpu(_GcpRule[GcpIdleParams]):
    """READY TPU VMs whose TensorCore duty cycle stayed below the threshold.

    No duty-cycle data at all is left to ``unused-tpu`` (reported as unknown);
    too few datapoints is unknown here."""

    name = "idle-tpu"
    kinds = ("tpu-node",)
    action = Action.DELETE
    metric_keys = (("duty", TPU_DUTY, False),)

    def check(self, res: Resource, ctx: Context) -> Verdict:
        duty = ctx.series(res, "duty")
        if not self._eligible(res, ctx) or not duty or max(duty) >= self.params.max_percent:
            return None
        if not self._covered(duty):
            return Unknown(f"duty cycle has {len(duty)} datapoints in the "
                           f"{self.params.window_hours:g}h window")
        return {"accelerator": res.attrs.get("instance_type"), "state": res.state,
                "window_hours": self.params.window_hours,
                "duty_cycle_percent": window_series(duty)}


@register
class UnusedTpu(_GcpRule[GcpIdleParams]):
    """TPU VMs left READY with no duty-cycle data at all over the window.

    No data is no evidence: these are reported as unknown (with their cost) and
    never deleted."""

    name = "unused-tpu"
    kinds = ("tpu-node",)
    action = Action.DELETE
    metric_keys = (("duty", TPU_DUTY, False),)

    def check(self, res: Resource, ctx: Context) -> Verdict:
        if not self._eligible(res, ctx) or ctx.series(res, "duty"):
            return None
        age = age_days(res.created, ctx.now) or 0.0
        return Unknown("no duty-cycle data in the window: cannot tell whether it is used",
                       {"accelerator": res.attrs.get("instance_type"), "state": res.state,
                        "age_days": round(age, 1)})


@register
class IdleGpuVm(_GcpRule[GpuVmParams]):
    """Running GPU VMs whose every GPU (Ops Agent, one series per ``gpu_number``) and
    CPU stayed low over the window; no GPU evidence means unknown."""

    name = "idle-gpu-vm"
    kinds = ("gce-instance",)
    action = Action.STOP
    Params = GpuVmParams
    running_state = "RUNNING"
    metric_keys = (("cpu", GCE_CPU, False), ("gpu", GCE_GPU, True))

    def _eligible(self, res: Resource, ctx: Context) -> bool:
        return res.attrs.get("gpus", 0) > 0 and super()._eligible(res, ctx)

    def check(self, res: Resource, ctx: Context) -> Verdict:
        if not self._eligible(res, ctx):
            return None
        p = self.params
        cpu = ctx.series(res, "cpu")
        if cpu and max(cpu) >= p.max_percent:
            return None
        gpu = every_gpu_idle(ctx.series_set(res, "gpu"), int(res.attrs.get("gpus", 0)),
                             p.max_percent, "gpu_number", self._covered, p.require_gpu_metric)
        if gpu is None or isinstance(gpu, Unknown):
            return gpu
        if not self._covered(cpu):
            return Unknown(f"CPU utilization has {len(cpu)} datapoints in the "
                           f"{p.window_hours:g}h window")
        evidence: dict[str, Any] = {"machine_type": res.attrs.get("instance_type"),
                                    "gpus": res.attrs.get("gpus"),
                                    "window_hours": p.window_hours,
                                    "cpu_percent": window_series(cpu)}
        return {**evidence, **gpu}
