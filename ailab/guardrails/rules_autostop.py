"""Idle auto-stop: every GPU machine has something that really stops it when idle.

The rule names the exact kinds that count, as data, so a new mechanism is a new
row rather than a new branch:

- AWS: a CloudWatch ``MetricAlarm`` that points at the instance (``dimensions``
  or a ``metricQueries`` expression), watches GPU utilisation (``IDLE_METRICS``),
  stops the instance (``STOP_ACTIONS``), fires when utilisation is *below* a
  threshold that can be crossed, and does not treat a missing metric as idle; or
  an on-instance watchdog installed by the boot script (``WATCHDOG_MARKERS``).
- GCE: a max run duration with a stop/delete action, an *instance schedule*
  resource policy with a stop schedule (a compact-placement policy is not a
  schedule), or the watchdog with ``ailab-idle-minutes`` above zero.

Alarms are found per instance through the inventory's reverse index, so the
rule does constant work per instance (no scan of every alarm per instance).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.documents import boot_script
from ailab.guardrails.links import launch_template_of
from ailab.guardrails.rule import (
    Finding,
    Severity,
    is_unknown,
    items,
    mapping,
    number,
    stack_rule,
)

FINOPS = "finops"
ALARM = tokens.AWS_CLOUDWATCH_METRIC_ALARM
IDLE_METRICS: dict[tuple[str, str], str] = {
    ("CWAgent", "nvidia_smi_utilization_gpu"): "gpu",
    ("AWS/EC2", "CPUUtilization"): "cpu",
}
"""(namespace, metric) an idle alarm may watch -> what it measures. The CloudWatch
agent's nvidia_smi plugin publishes ``nvidia_smi_utilization_gpu``."""
STOP_ACTIONS = (":ec2:stop", ":ec2:terminate", ":ec2:hibernate")
IDLE_OPERATORS = {"LessThanThreshold": 0.0, "LessThanOrEqualToThreshold": -1e-9}
"""Operators that fire on low utilisation -> the threshold must exceed this value."""
ALARM_LINKS = ("dimensions", "metricQueries")
"""Alarm inputs through which an alarm names the instance it watches."""
WATCHDOG_MARKERS = ("ailab-idle-watchdog",)
"""Boot-script text that installs an on-instance GPU idle watchdog."""
IDLE_MINUTES_KEY = "ailab-idle-minutes"
GCE_STOP_ACTIONS = ("STOP", "DELETE")


def alarm_metrics(alarm: Resource) -> set[str]:
    """What an alarm measures (``gpu``/``cpu``/``other``), from its metric or queries."""
    found: set[str] = set()
    specs = [alarm.inputs, *[mapping(mapping(q).get("metric")) for q in
                             items(alarm.get("metricQueries"))]]
    for spec in specs:
        if spec.get("metricName"):
            found.add(IDLE_METRICS.get((str(spec.get("namespace")), str(spec["metricName"])),
                                       "other"))
    for query in items(alarm.get("metricQueries")):
        text = str(mapping(query).get("expression") or "")
        found |= {kind for (_ns, name), kind in IDLE_METRICS.items()
                  if re.search(rf"\b{re.escape(name)}\b", text)}
    return found


def alarm_problem(alarm: Resource, accept_cpu_only: bool) -> str | None:
    """Why an alarm does not stop an idle GPU instance, or None when it does."""
    actions = [str(a) for a in items(alarm.get("alarmActions"))]
    if not any(a.endswith(STOP_ACTIONS) for a in actions):
        return "has no ec2 stop action"
    operator = str(alarm.get("comparisonOperator") or "")
    if operator not in IDLE_OPERATORS:
        return f"fires when the metric is {operator or 'unset'}, not below a threshold"
    threshold = number(alarm.get("threshold"))
    if threshold is None or threshold <= IDLE_OPERATORS[operator]:
        return f"threshold {alarm.get('threshold')!r}: utilisation is never below it"
    if threshold > 100:
        return f"threshold {threshold:g} % is always crossed: it stops busy machines"
    if str(alarm.get("treatMissingData") or "missing") == "breaching":
        return "treats a missing metric as idle (treatMissingData breaching)"
    kinds = alarm_metrics(alarm)
    if "gpu" in kinds or (accept_cpu_only and kinds == {"cpu"}):
        return None
    return f"watches {', '.join(sorted(kinds)) or 'no metric'}, not GPU utilisation"


def _watchdog(*machines: Resource | None) -> bool | None:
    """Whether a boot script installs the idle watchdog (None: a script is unknown)."""
    scripts = [boot_script(m) for m in machines if m is not None]
    if any(s is None for s in scripts):
        return None
    return any(marker in (s or "") for s in scripts for marker in WATCHDOG_MARKERS)


def _instance_type(inv: Inventory, inst: Resource, template: Resource | None) -> str:
    return str(inst.get("instanceType") or (template.get("instanceType") if template else "")
               or "")


def _aws_findings(inv: Inventory, accept_cpu_only: bool) -> Iterator[Finding]:
    for inst in inv.by_type(tokens.AWS_EC2_INSTANCE):
        template = launch_template_of(inv, inst) if inst.get("launchTemplate") else None
        if not t.is_aws_accelerator_type(_instance_type(inv, inst, template)):
            continue
        watchdog = _watchdog(inst, template)
        if watchdog is None or watchdog:
            continue
        alarms = {a.name: a for prop in ALARM_LINKS for a in inv.referencing(inst, prop, ALARM)}
        problems = {name: alarm_problem(a, accept_cpu_only) for name, a in alarms.items()}
        if any(p is None for p in problems.values()):
            continue
        if problems:
            why = "; ".join(f"{n} {p}" for n, p in sorted(problems.items()))
            yield inst, f"GPU instance has no idle alarm that can stop it: {why}"
        else:
            yield inst, "GPU instance has no idle alarm or watchdog that stops it"


def _instance_schedule(policy: Resource) -> bool:
    schedule = mapping(policy.get("instanceSchedulePolicy"))
    return bool(mapping(schedule.get("vmStopSchedule")).get("schedule"))


def _gce_stops(inv: Inventory, vm: Resource) -> bool | None:
    """Whether a GCE VM has a real stop (None: its metadata is unknown)."""
    scheduling = mapping(vm.get("scheduling"))
    if scheduling.get("maxRunDuration") and \
            str(scheduling.get("instanceTerminationAction") or "") in GCE_STOP_ACTIONS:
        return True
    policies = inv.refs(vm, "resourcePolicies", tokens.GCP_COMPUTE_RESOURCE_POLICY)
    for attachment in inv.referencing(vm, "instance",
                                      tokens.GCP_COMPUTE_RESOURCE_POLICY_ATTACHMENT):
        policies += inv.refs(attachment, "name", tokens.GCP_COMPUTE_RESOURCE_POLICY)
    if any(_instance_schedule(p) for p in policies):
        return True
    metadata = vm.get("metadata")
    watchdog = _watchdog(vm)
    if is_unknown(metadata) or watchdog is None:
        return None
    minutes = number(mapping(metadata).get(IDLE_MINUTES_KEY))
    return bool(watchdog and minutes is not None and minutes > 0)


@stack_rule("gpu-auto-stop", "GPU machines stop themselves when their GPUs are idle", FINOPS,
            Severity.HIGH, "Keep ailab:autoStopMinutes > 0: on AWS a CloudWatch alarm on GPU "
            "utilisation (CWAgent nvidia_smi_utilization_gpu) with the ec2:stop action, or the "
            "idle watchdog; on GCE a max run duration, an instance schedule or the watchdog.",
            (tokens.AWS_EC2_INSTANCE, ALARM, tokens.AWS_EC2_LAUNCH_TEMPLATE,
             tokens.GCP_COMPUTE_INSTANCE, tokens.GCP_COMPUTE_RESOURCE_POLICY,
             tokens.GCP_COMPUTE_RESOURCE_POLICY_ATTACHMENT),
            config={"acceptCpuOnlyAlarm": True})
def gpu_auto_stop(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """``acceptCpuOnlyAlarm`` keeps a CPU-only alarm acceptable for stacks that do not
    publish GPU metrics yet; set it false to require a GPU-metric alarm or watchdog."""
    yield from _aws_findings(inv, bool(cfg.get("acceptCpuOnlyAlarm", True)))
    for vm in inv.by_type(tokens.GCP_COMPUTE_INSTANCE):
        if not t.is_gcp_gpu_machine(str(vm.get("machineType") or ""), vm.get("guestAccelerators")):
            continue
        if _gce_stops(inv, vm) is False:
            yield vm, "GPU VM has no auto-stop (max run duration, instance schedule or idle " \
                      "watchdog); a placement policy is not a schedule"
