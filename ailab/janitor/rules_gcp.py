"""GCP waste rules: TPU VMs and GPU VMs (``expired`` lives with the AWS rules).

Metric names are Cloud Monitoring metric types; the GCP scanner fetches each
type once per project for every resource that needs it.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ailab.janitor.prices import resource_monthly
from ailab.janitor.records import Action, Resource
from ailab.janitor.rules import (
    Context,
    MetricQuery,
    Rule,
    RuleParams,
    age_days,
    register,
    spans_window,
    well_covered,
    window_series,
)

TPU_DUTY = "tpu.googleapis.com/accelerator/duty_cycle"
GCE_CPU = "compute.googleapis.com/instance/cpu/utilization"
GCE_GPU = "agent.googleapis.com/gpu/utilization"


class GcpIdleParams(RuleParams):
    max_percent: float = Field(5.0, ge=0, le=100)
    window_hours: float = Field(24.0, gt=0)
    period_minutes: int = Field(60, ge=1)
    min_coverage: float = Field(0.5, gt=0, le=1)


class _GcpRule(Rule):
    clouds = ("gcp",)
    Params = GcpIdleParams
    running_state = "READY"
    metric_keys: tuple[tuple[str, str], ...] = ()

    def price(self, res: Resource) -> tuple[float, str]:
        return resource_monthly(res)

    def _p(self) -> GcpIdleParams:
        return self.params  # type: ignore[return-value]

    def _eligible(self, res: Resource, ctx: Context) -> bool:
        return (res.state == self.running_state
                and spans_window(res, ctx.now, self._p().window_hours))

    def queries(self, res: Resource, ctx: Context) -> list[MetricQuery]:
        if not self._eligible(res, ctx):
            return []
        p = self._p()
        metric_id = res.attrs.get("metric_id", res.id)
        return [MetricQuery(key, "", metric, (("resource_id", metric_id),), "ALIGN_MEAN",
                            p.period_minutes * 60, p.window_hours)
                for key, metric in self.metric_keys]

    def _covered(self, values: list[float]) -> bool:
        p = self._p()
        return well_covered(values, p.window_hours, p.period_minutes, p.min_coverage)


@register
class IdleTpu(_GcpRule):
    """READY TPU VMs whose TensorCore duty cycle stayed below the threshold."""

    name = "idle-tpu"
    kinds = ("tpu-node",)
    action = Action.DELETE
    metric_keys = (("duty", TPU_DUTY),)

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        duty = ctx.series(res, "duty")
        if not self._eligible(res, ctx) or not self._covered(duty):
            return None
        if max(duty) >= self._p().max_percent:
            return None
        return {"accelerator": res.attrs.get("instance_type"), "state": res.state,
                "window_hours": self._p().window_hours, "duty_cycle_percent": window_series(duty)}


@register
class UnusedTpu(_GcpRule):
    """TPU VMs left READY with no duty-cycle data at all over the window."""

    name = "unused-tpu"
    kinds = ("tpu-node",)
    action = Action.DELETE
    metric_keys = (("duty", TPU_DUTY),)

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        if not self._eligible(res, ctx) or ctx.series(res, "duty"):
            return None
        age = age_days(res.created, ctx.now) or 0.0
        return {"accelerator": res.attrs.get("instance_type"), "state": res.state,
                "age_days": round(age, 1), "duty_cycle_percent": "no data in window"}


@register
class IdleGpuVm(_GcpRule):
    """Running GPU VMs whose CPU (and GPU, where the Ops Agent reports it) stayed low."""

    name = "idle-gpu-vm"
    kinds = ("gce-instance",)
    action = Action.STOP
    running_state = "RUNNING"
    metric_keys = (("cpu", GCE_CPU), ("gpu", GCE_GPU))

    def _eligible(self, res: Resource, ctx: Context) -> bool:
        return res.attrs.get("gpus", 0) > 0 and super()._eligible(res, ctx)

    def check(self, res: Resource, ctx: Context) -> dict[str, Any] | None:
        cpu, gpu = ctx.series(res, "cpu"), ctx.series(res, "gpu")
        if not self._eligible(res, ctx) or not self._covered(cpu):
            return None
        limit = self._p().max_percent
        if max(cpu) >= limit or (gpu and max(gpu) >= limit):
            return None
        return {"machine_type": res.attrs.get("instance_type"), "gpus": res.attrs.get("gpus"),
                "window_hours": self._p().window_hours, "cpu_percent": window_series(cpu),
                "gpu_percent": window_series(gpu) if gpu else "not published"}
