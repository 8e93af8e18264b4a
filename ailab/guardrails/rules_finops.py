"""FinOps guardrails: tags/labels, spot, a budget, allowed instance types.

Idle auto-stop lives in ``rules_autostop``, the priced forecast against the
budget in ``rules_budget``."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.links import asg_launch_template, launch_template_of
from ailab.guardrails.rule import (
    Finding,
    Severity,
    items,
    mapping,
    number,
    resource_rule,
    stack_rule,
    truthy,
)

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
def required_tags(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
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
        for spec in map(mapping, items(res.get("tagSpecifications"))):
            inner = mapping(spec.get("tags"))
            lost = [k for k in wanted if not inner.get(k)]
            if lost:
                yield f"tagSpecifications[{spec.get('resourceType')}] misses {', '.join(lost)}"
    if res.type == tokens.AWS_AUTOSCALING_GROUP:
        for tag in map(mapping, items(res.get("tags"))):
            if tag.get("key") in wanted and not truthy(tag.get("propagateAtLaunch")):
                yield f"tag {tag.get('key')} does not propagate at launch"


def _exempt(*resources: Resource | None) -> bool:
    return any(r is not None and (r.tags().get(SPOT_EXEMPT_TAG) or
                                  r.labels().get(SPOT_EXEMPT_LABEL)) for r in resources)


def _aws_spot(res: Resource | None) -> bool:
    return res is not None and res.get("instanceMarketOptions.marketType") == "spot"


def _gce_spot(res: Resource) -> bool:
    return res.get("scheduling.provisioningModel") == "SPOT" or \
        truthy(res.get("scheduling.preemptible"))


def _aws_spot_findings(inv: Inventory) -> Iterator[Finding]:
    for inst in inv.by_type(tokens.AWS_EC2_INSTANCE):
        if not t.is_aws_accelerator_type(str(inst.get("instanceType") or "")):
            continue
        template = launch_template_of(inv, inst) if inst.get("launchTemplate") else None
        if not (_aws_spot(inst) or _aws_spot(template) or _exempt(inst, template)):
            yield inst, "accelerator instance runs on-demand (no spot market options)"
    for group in inv.by_type(tokens.AWS_AUTOSCALING_GROUP):
        dist = group.get("mixedInstancesPolicy.instancesDistribution")
        if isinstance(dist, Mapping):
            on_demand = number(dist.get("onDemandPercentageAboveBaseCapacity"))
            if (100 if on_demand is None else on_demand) < 100 or _exempt(group):
                continue
            yield group, "Auto Scaling group buys only on-demand above its base"
            continue
        template = asg_launch_template(inv, group)
        if not (_aws_spot(template) or _exempt(group, template)):
            yield group, "Auto Scaling group launches on-demand instances"


@stack_rule("spot-required", "Lab accelerators run on spot unless exempted", FINOPS,
            Severity.MEDIUM, "Use spot/preemptible capacity, or exempt on purpose: set "
            "ailab:spotExempt to the reason (tag ailab:spot-exempt / label ailab-spot-exempt).",
            (*t.AWS_MACHINES, *t.GCE_MACHINES, tokens.GCP_TPU_V2_VM, tokens.DYNAMIC_RESOURCE))
def spot_required(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    """pulumi-gcp's V2QueuedResource is not judged (it cannot express spot); ailab's
    dynamic queued slice can and is."""
    yield from _aws_spot_findings(inv)
    for vm in inv.by_type(*t.GCE_MACHINES):
        gpu = t.is_gcp_gpu_machine(str(vm.get("machineType") or ""), vm.get("guestAccelerators"))
        if gpu and not (_gce_spot(vm) or _exempt(vm)):
            yield vm, "GPU VM runs on-demand (scheduling.provisioningModel is not SPOT)"
    for tpu in inv.by_type(tokens.GCP_TPU_V2_VM):
        sched = mapping(tpu.get("schedulingConfig"))
        if not (truthy(sched.get("spot")) or truthy(sched.get("preemptible")) or _exempt(tpu)):
            yield tpu, "TPU VM runs on-demand (schedulingConfig.spot is not set)"
    for queued in inv.by_type(tokens.DYNAMIC_RESOURCE):
        for node in t.queued_tpu_nodes(queued):
            if not (node["spot"] or node["labels"].get(SPOT_EXEMPT_LABEL)):
                yield queued, "queued TPU slice asks for on-demand capacity (spot is off)"


def _positive(value: Any) -> bool:
    found = number(value)
    return found is not None and found > 0


@stack_rule("budget-present", "The stack declares a budget with alerts", FINOPS, Severity.HIGH,
            "Set ailab:budgetMonthlyUsd and ailab:budgetEmails (an AWS Budget or GCP billing "
            "budget with alert thresholds).", (tokens.AWS_BUDGETS_BUDGET,
                                               tokens.GCP_BILLING_BUDGET))
def budget_present(inv: Inventory, cfg: Mapping[str, Any]) -> Iterator[Finding]:
    budget_types = (tokens.AWS_BUDGETS_BUDGET, tokens.GCP_BILLING_BUDGET)
    billable = any(r.type.split(":", 1)[0] in ("aws", "gcp") and r.type not in budget_types
                   for r in inv.resources)
    budgets = inv.by_type(*budget_types)
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


@lru_cache(maxsize=1)
def catalog_types() -> frozenset[str]:
    """Every instance type the embedded price catalog can price (aws and gcp)."""
    from ailab.costs.catalog import instance_types

    return frozenset(instance_types("aws")) | frozenset(instance_types("gcp"))


def _machine_types(res: Resource) -> list[str]:
    if res.type in (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE):
        return [str(res.get("instanceType"))] if res.get("instanceType") else []
    if res.type == tokens.AWS_AUTOSCALING_GROUP:
        overrides = map(mapping, items(res.get("mixedInstancesPolicy.launchTemplate.overrides")))
        return [str(o["instanceType"]) for o in overrides if o.get("instanceType")]
    if res.type in t.GCE_MACHINES:
        value = str(res.get("machineType") or "")
        return [value.rsplit("/", 1)[-1]] if value else []
    if res.type == tokens.GCP_TPU_V2_VM:
        name = t.tpu_type_name(dict(res.inputs))
        return [name] if name else []
    return [n["type"] for n in t.queued_tpu_nodes(res) if n["type"]]


@resource_rule("allowed-instance-types", "Machines use allowed instance types", FINOPS,
               Severity.MEDIUM, "Pick a type the price catalog knows (ailab catalog show) or "
               "add its pattern to the rule's allowed list in the policy config.",
               (*t.AWS_MACHINES, *t.GCE_MACHINES, tokens.GCP_TPU_V2_VM,
                *t.QUEUED_TPUS),
               config={"allowed": [], "extraAllowed": []})
def allowed_instance_types(res: Resource, cfg: Mapping[str, Any]) -> Iterator[str]:
    """Default allowed list: every type the embedded catalog prices, so every
    machine a stack runs can be costed before it is bought."""
    patterns = list(cfg.get("allowed") or []) + list(cfg.get("extraAllowed") or [])
    known = catalog_types() if not cfg.get("allowed") else frozenset()
    for itype in _machine_types(res):
        if itype in known or any(fnmatch.fnmatchcase(itype, p) for p in patterns):
            continue
        yield f"instance type {itype} is not in the allowed list"
