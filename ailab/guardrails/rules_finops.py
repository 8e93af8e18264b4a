"""FinOps guardrails: tags/labels, spot, budgets, idle auto-stop, allowed instance types."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from ailab.core import tags, tokens
from ailab.guardrails import types as t
from ailab.guardrails.rule import (
    Finding,
    Res,
    Severity,
    Stack,
    resource_rule,
    stack_rule,
    truthy,
)
from ailab.infra.aws.cloudwatch_agent import GPU_UTILIZATION, NAMESPACE

FINOPS = "finops"
SPOT_EXEMPT_TAG = "ailab:spot-exempt"
SPOT_EXEMPT_LABEL = "ailab-spot-exempt"

AWS_TAGGED = (*t.AWS_MACHINES, tokens.AWS_EBS_VOLUME, *t.S3_BUCKETS, tokens.AWS_EFS_FILE_SYSTEM,
              tokens.AWS_FSX_LUSTRE_FILE_SYSTEM, tokens.AWS_EC2_EIP, tokens.AWS_EC2_NAT_GATEWAY,
              tokens.AWS_EC2_VPC)
GCP_LABELLED = (*t.GCE_MACHINES, tokens.GCP_COMPUTE_DISK, tokens.GCP_STORAGE_BUCKET,
                tokens.GCP_FILESTORE_INSTANCE, tokens.GCP_TPU_V2_VM)


@resource_rule("required-tags", "Cost-bearing resources carry the ailab stack and owner "
               "tags/labels", FINOPS, Severity.MEDIUM, "Tag with ailab:stack and ailab:owner "
               "(labels ailab-stack, ailab-owner on GCP); ailab components do this from config.",
               (*AWS_TAGGED, *GCP_LABELLED, tokens.DYNAMIC_RESOURCE),
               config={"awsTags": ["ailab:stack", "ailab:owner"],
                       "gcpLabels": ["ailab-stack", "ailab-owner"]})
def required_tags(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    if res.type == tokens.DYNAMIC_RESOURCE:
        for node in t.queued_tpu_nodes(res):
            missing = [k for k in cfg["gcpLabels"] if not node["labels"].get(k)]
            if missing:
                yield f"queued TPU node misses labels: {', '.join(missing)}"
        return
    if res.type in GCP_LABELLED:
        present, wanted, kind = res.labels(), cfg["gcpLabels"], "labels"
    else:
        present, wanted, kind = res.tags(), cfg["awsTags"], "tags"
    missing = [k for k in wanted if not present.get(k)]
    if missing:
        yield f"missing {kind}: {', '.join(missing)}"
    if res.type == tokens.AWS_EC2_LAUNCH_TEMPLATE:
        for spec in res.get("tagSpecifications") or []:
            inner = spec.get("tags") or {}
            lost = [k for k in wanted if not inner.get(k)]
            if lost:
                yield f"tagSpecifications[{spec.get('resourceType')}] misses {', '.join(lost)}"
    if res.type == tokens.AWS_AUTOSCALING_GROUP:
        for tag in res.get("tags") or []:
            if tag.get("key") in wanted and not truthy(tag.get("propagateAtLaunch")):
                yield f"tag {tag.get('key')} does not propagate at launch"


def _exempt(*resources: Res | None) -> bool:
    return any(r is not None and (r.tags().get(SPOT_EXEMPT_TAG) or
                                  r.labels().get(SPOT_EXEMPT_LABEL)) for r in resources)


def _aws_spot(res: Res | None) -> bool:
    return res is not None and res.get("instanceMarketOptions.marketType") == "spot"


def _template_of(stack: Stack, instance: Res, prop: str = "launchTemplate") -> Res | None:
    for template in stack.of_type(tokens.AWS_EC2_LAUNCH_TEMPLATE):
        if instance.refers_to(prop, template):
            return template
    return None


def _gce_spot(res: Res) -> bool:
    return res.get("scheduling.provisioningModel") == "SPOT" or \
        truthy(res.get("scheduling.preemptible"))


def _aws_spot_findings(stack: Stack) -> Iterator[Finding]:
    for inst in stack.of_type(tokens.AWS_EC2_INSTANCE):
        if not t.is_aws_accelerator_type(str(inst.get("instanceType") or "")):
            continue
        template = _template_of(stack, inst) if inst.get("launchTemplate") else None
        if not (_aws_spot(inst) or _aws_spot(template) or _exempt(inst, template)):
            yield inst, "accelerator instance runs on-demand (no spot market options)"
    for group in stack.of_type(tokens.AWS_AUTOSCALING_GROUP):
        dist = group.get("mixedInstancesPolicy.instancesDistribution")
        if isinstance(dist, Mapping):
            on_demand = dist.get("onDemandPercentageAboveBaseCapacity")
            if (100 if on_demand is None else int(on_demand)) < 100 or _exempt(group):
                continue
            yield group, "Auto Scaling group buys only on-demand above its base"
            continue
        template = _template_of(stack, group, "launchTemplate")
        if not (_aws_spot(template) or _exempt(group, template)):
            yield group, "Auto Scaling group launches on-demand instances"


@stack_rule("spot-required", "Lab accelerators run on spot unless exempted", FINOPS,
            Severity.MEDIUM, "Use spot/preemptible capacity, or exempt on purpose: set "
            "ailab:spotExempt to the reason (tag ailab:spot-exempt / label ailab-spot-exempt).",
            (*t.AWS_MACHINES, *t.GCE_MACHINES, tokens.GCP_TPU_V2_VM, tokens.DYNAMIC_RESOURCE))
def spot_required(stack: Stack, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """pulumi-gcp's V2QueuedResource is not judged (it cannot express spot); ailab's
    dynamic queued slice can and is."""
    yield from _aws_spot_findings(stack)
    for vm in stack.of_type(*t.GCE_MACHINES):
        gpu = t.is_gcp_gpu_machine(str(vm.get("machineType") or ""), vm.get("guestAccelerators"))
        if gpu and not (_gce_spot(vm) or _exempt(vm)):
            yield vm, "GPU VM runs on-demand (scheduling.provisioningModel is not SPOT)"
    for tpu in stack.of_type(tokens.GCP_TPU_V2_VM):
        sched = tpu.get("schedulingConfig") or {}
        if not (truthy(sched.get("spot")) or truthy(sched.get("preemptible")) or _exempt(tpu)):
            yield tpu, "TPU VM runs on-demand (schedulingConfig.spot is not set)"
    for queued in stack.of_type(tokens.DYNAMIC_RESOURCE):
        for node in t.queued_tpu_nodes(queued):
            if not (node["spot"] or node["labels"].get(SPOT_EXEMPT_LABEL)):
                yield queued, "queued TPU slice asks for on-demand capacity (spot is off)"


def _positive(value: Any) -> bool:
    try:
        return float(value) > 0
    except (TypeError, ValueError):
        return False


@stack_rule("budget-present", "The stack declares a budget with alerts", FINOPS, Severity.HIGH,
            "Set ailab:budgetMonthlyUsd and ailab:budgetEmails (an AWS Budget or GCP billing "
            "budget with alert thresholds).", (tokens.AWS_BUDGETS_BUDGET,
                                               tokens.GCP_BILLING_BUDGET))
def budget_present(stack: Stack, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    billable = [r for r in stack.resources if r.type not in (tokens.AWS_BUDGETS_BUDGET,
                                                             tokens.GCP_BILLING_BUDGET)
                and (r.type.startswith("aws:") or r.type.startswith("gcp:"))]
    budgets = stack.of_type(tokens.AWS_BUDGETS_BUDGET, tokens.GCP_BILLING_BUDGET)
    if billable and not budgets:
        yield None, "no AWS Budget or GCP billing budget in the stack"
    for budget in budgets:
        if budget.type == tokens.AWS_BUDGETS_BUDGET:
            limit, alerts = budget.get("limitAmount"), budget.get("notifications")
        else:
            limit = budget.get("amount.specifiedAmount.units") or (
                1 if truthy(budget.get("amount.lastPeriodAmount")) else None)
            alerts = budget.get("thresholdRules")
        if not _positive(limit):
            yield budget, "budget has no positive amount"
        if not alerts:
            yield budget, "budget has no alert thresholds"


STOP_ACTIONS = (":ec2:stop", ":ec2:terminate", ":ec2:hibernate")


def _stops(alarm: Res) -> bool:
    return any(str(a).endswith(STOP_ACTIONS) for a in alarm.get("alarmActions") or [])


def _reads_gpu(alarm: Res) -> bool:
    """The alarm reads the CloudWatch agent's GPU utilisation (alone or in metric math)."""
    metrics = [(alarm.get("namespace"), alarm.get("metricName"))] + [
        (q.get("metric", {}).get("namespace"), q.get("metric", {}).get("metricName"))
        for q in alarm.get("metricQueries") or [] if isinstance(q, Mapping)]
    return (NAMESPACE, GPU_UTILIZATION) in metrics


def _watchdog(inst: Res) -> bool:
    """The instance's own idle watchdog stops it on GPU utilisation (ailab tags)."""
    found = inst.tags()
    return (_positive(found.get(tags.AWS_IDLE_MINUTES))
            and _positive(found.get(tags.AWS_IDLE_GPU_PERCENT)))


@stack_rule("gpu-auto-stop", "GPU instances stop themselves when their GPUs are idle", FINOPS,
            Severity.HIGH,
            "Keep ailab:autoStopMinutes > 0: a CloudWatch alarm with the ec2:stop action on the "
            "agent's CWAgent/nvidia_smi_utilization_gpu per instance (or the on-machine "
            "watchdog, tags ailab:idle-*); never an alarm on CPU alone; on GCE a max run "
            "duration, an instance schedule or the idle watchdog.",
            (tokens.AWS_EC2_INSTANCE, tokens.AWS_CLOUDWATCH_METRIC_ALARM,
             tokens.GCP_COMPUTE_INSTANCE))
def gpu_auto_stop(stack: Stack, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    alarms = [a for a in stack.of_type(tokens.AWS_CLOUDWATCH_METRIC_ALARM) if _stops(a)]
    for inst in stack.of_type(tokens.AWS_EC2_INSTANCE):
        if not t.is_aws_accelerator_type(str(inst.get("instanceType") or "")):
            continue
        mine = [a for a in alarms if a.refers_to("dimensions", inst)]
        if any(not _reads_gpu(a) for a in mine):
            yield inst, "an idle alarm stops this GPU instance without reading its GPUs"
        elif not mine and not _watchdog(inst):
            yield inst, "GPU instance has no idle stop that reads its GPUs"
    for vm in stack.of_type(tokens.GCP_COMPUTE_INSTANCE):
        if not t.is_gcp_gpu_machine(str(vm.get("machineType") or ""), vm.get("guestAccelerators")):
            continue
        if not (vm.get("scheduling.maxRunDuration") or vm.get("resourcePolicies")
                or _positive((vm.get("metadata") or {}).get("ailab-idle-minutes"))):
            yield vm, "GPU VM has no auto-stop (max run duration, schedule or idle stop)"


@lru_cache(maxsize=1)
def catalog_types() -> frozenset[str]:
    """Every instance type the embedded price catalog can price (aws and gcp)."""
    from ailab.costs.catalog import instance_types

    return frozenset(instance_types("aws")) | frozenset(instance_types("gcp"))


def _machine_types(res: Res) -> list[str]:
    if res.type in (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE):
        return [str(res.get("instanceType"))] if res.get("instanceType") else []
    if res.type == tokens.AWS_AUTOSCALING_GROUP:
        overrides = res.get("mixedInstancesPolicy.launchTemplate.overrides") or []
        return [str(o["instanceType"]) for o in overrides if o.get("instanceType")]
    if res.type in t.GCE_MACHINES:
        value = str(res.get("machineType") or "")
        return [value.rsplit("/", 1)[-1]] if value else []
    if res.type == tokens.GCP_TPU_V2_VM:
        name = t.tpu_type_name(dict(res.props))
        return [name] if name else []
    return [n["type"] for n in t.queued_tpu_nodes(res) if n["type"]]


@resource_rule("allowed-instance-types", "Machines use allowed instance types", FINOPS,
               Severity.MEDIUM, "Pick a type the price catalog knows (ailab catalog show) or "
               "add its pattern to the rule's allowed list in the policy config.",
               (*t.AWS_MACHINES, *t.GCE_MACHINES, tokens.GCP_TPU_V2_VM,
                *t.QUEUED_TPUS),
               config={"allowed": [], "extraAllowed": []})
def allowed_instance_types(res: Res, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Default allowed list: every type the embedded catalog prices, so every
    machine a stack runs can be costed before it is bought."""
    patterns = list(cfg.get("allowed") or []) + list(cfg.get("extraAllowed") or [])
    known = catalog_types() if not cfg.get("allowed") else frozenset()
    for itype in _machine_types(res):
        if itype in known or any(fnmatch.fnmatchcase(itype, p) for p in patterns):
            continue
        yield f"instance type {itype} is not in the allowed list"
