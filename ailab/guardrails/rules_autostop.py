"""Idle auto-stop: every GPU machine has something that really stops it when idle.

The rule names the exact kinds that count, as data, so a new mechanism is a new
row rather than a new branch:

- AWS: a CloudWatch ``MetricAlarm`` that points at the instance (``dimensions``
  or a ``metricQueries`` expression), watches GPU utilisation (``IDLE_METRICS``:
  the CloudWatch agent's ``CWAgent/nvidia_smi_utilization_gpu``), stops the
  instance (``STOP_ACTIONS``), fires when utilisation is *below* a threshold
  that can be crossed, and does not treat a missing metric as idle; or the
  on-machine idle watchdog (tags ``ailab:idle-minutes``/``ailab:idle-gpu-percent``
  above zero, on the instance or its launch template). A stop alarm on CPU alone
  is itself a violation: it stops a machine whose GPUs are working. An alarm on a
  machine whose metrics cannot reach CloudWatch (``egress``) never fires: also a
  violation.
- GCE: a max run duration with a stop/delete action, an *instance schedule*
  resource policy with a stop schedule (a compact-placement policy is not a
  schedule), or the watchdog (its start-up script, ``ailab-idle-minutes`` above
  zero).

Alarms are found per instance through the inventory's reverse index, so the
rule does constant work per instance (no scan of every alarm per instance).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ailab.core import tags, tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.documents import boot_script
from ailab.guardrails.egress import metrics_reach
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
from ailab.infra.aws import cloudwatch_agent

FINOPS = "finops"
ALARM = tokens.AWS_CLOUDWATCH_METRIC_ALARM
IDLE_METRICS: dict[tuple[str, str], str] = {
    (cloudwatch_agent.NAMESPACE, cloudwatch_agent.GPU_UTILIZATION): "gpu",
    ("AWS/EC2", "CPUUtilization"): "cpu",
}
"""(namespace, metric) an idle alarm may watch -> what it measures (the CloudWatch
agent's nvidia_smi plugin publishes the GPU one, see ``infra.aws.cloudwatch_agent``)."""
STOP_ACTIONS = (":ec2:stop", ":ec2:terminate", ":ec2:hibernate")
IDLE_OPERATORS = {"LessThanThreshold": 0.0, "LessThanOrEqualToThreshold": -1e-9}
"""Operators that fire on low utilisation -> the threshold must exceed this value."""
ALARM_LINKS = ("dimensions", "metricQueries")
"""Alarm inputs through which an alarm names the instance it watches."""
WATCHDOG_MARKERS = ("ailab-idle-watchdog",)
"""Start-up script text that installs the GCE idle watchdog."""
AWS_WATCHDOG_TAGS = (tags.AWS_IDLE_MINUTES, tags.AWS_IDLE_GPU_PERCENT)
"""EC2 tags (on the instance or its template) saying the watchdog stops it, and when."""
IDLE_MINUTES_KEY = tags.GCP_IDLE_MINUTES
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


def _stops(alarm: Resource) -> bool:
    return any(str(a).endswith(STOP_ACTIONS) for a in items(alarm.get("alarmActions")))


def alarm_problem(alarm: Resource, accept_cpu_only: bool) -> str | None:
    """Why an alarm does not stop an idle GPU instance, or None when it does."""
    if not _stops(alarm):
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


def _aws_watchdog(*machines: Resource | None) -> bool:
    """Whether the instance (or its template) carries positive watchdog thresholds."""
    for machine in machines:
        if machine is None:
            continue
        found = machine.tags()
        for spec in items(machine.get("tagSpecifications")):
            found = {**mapping(mapping(spec).get("tags")), **found}
        values = [number(found.get(key)) for key in AWS_WATCHDOG_TAGS]
        if all(v is not None and v > 0 for v in values):
            return True
    return False


def _gce_watchdog(vm: Resource) -> bool | None:
    """Whether a VM's start-up script installs the watchdog (None: script unknown)."""
    script = boot_script(vm)
    if script is None:
        return None
    return any(marker in script for marker in WATCHDOG_MARKERS)


def _instance_type(inv: Inventory, inst: Resource, template: Resource | None) -> str:
    return str(inst.get("instanceType") or (template.get("instanceType") if template else "")
               or "")


def _aws_findings(inv: Inventory, accept_cpu_only: bool) -> Iterator[Finding]:
    for inst in inv.by_type(tokens.AWS_EC2_INSTANCE):
        template = launch_template_of(inv, inst) if inst.get("launchTemplate") else None
        if not t.is_aws_accelerator_type(_instance_type(inv, inst, template)):
            continue
        alarms = {a.name: a for prop in ALARM_LINKS for a in inv.referencing(inst, prop, ALARM)}
        harmful = sorted(name for name, a in alarms.items() if _stops(a)
                         and alarm_metrics(a) == {"cpu"} and not accept_cpu_only)
        for name in harmful:
            yield inst, f"{name} stops this GPU instance on CPU alone (its GPUs may be busy)"
        problems = {name: alarm_problem(a, accept_cpu_only) for name, a in alarms.items()}
        if _aws_watchdog(inst, template):
            continue  # the watchdog stops the machine from inside: no network needed
        if any(p is None for p in problems.values()):
            if metrics_reach(inv, inst, template) is False:
                yield inst, "its GPU alarm can never fire: no public IP with an internet " \
                            "route, no NAT or other route out and no CloudWatch interface " \
                            "endpoint in the VPC, so its GPU metrics never arrive"
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
    watchdog = _gce_watchdog(vm)
    if is_unknown(metadata) or watchdog is None:
        return None
    minutes = number(mapping(metadata).get(IDLE_MINUTES_KEY))
    return bool(watchdog and minutes is not None and minutes > 0)


@stack_rule("gpu-auto-stop", "GPU machines stop themselves when their GPUs are idle", FINOPS,
            Severity.HIGH, "Keep ailab:autoStopMinutes > 0: on AWS a CloudWatch alarm on GPU "
            "utilisation (CWAgent nvidia_smi_utilization_gpu) with the ec2:stop action on a "
            "machine that can reach CloudWatch (public IP, NAT or the monitoring interface "
            "endpoint), or the idle watchdog (tags ailab:idle-*); never an alarm on CPU alone; "
            "on GCE a max run "
            "duration, an instance schedule or the watchdog.",
            (tokens.AWS_EC2_INSTANCE, ALARM, tokens.AWS_EC2_LAUNCH_TEMPLATE,
             tokens.GCP_COMPUTE_INSTANCE, tokens.GCP_COMPUTE_RESOURCE_POLICY,
             tokens.GCP_COMPUTE_RESOURCE_POLICY_ATTACHMENT),
            config={"acceptCpuOnlyAlarm": False})
def gpu_auto_stop(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """``acceptCpuOnlyAlarm`` (off) accepts a CPU-only alarm, for a stack whose machines
    cannot publish GPU metrics; idle CPUs say nothing about busy GPUs."""
    yield from _aws_findings(inv, bool(cfg.get("acceptCpuOnlyAlarm", False)))
    for vm in inv.by_type(tokens.GCP_COMPUTE_INSTANCE):
        if not t.is_gcp_gpu_machine(str(vm.get("machineType") or ""), vm.get("guestAccelerators")):
            continue
        if _gce_stops(inv, vm) is False:
            yield vm, "GPU VM has no auto-stop (max run duration, instance schedule or idle " \
                      "watchdog); a placement policy is not a schedule"
