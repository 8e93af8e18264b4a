"""One-line key settings of GCP resources for ``ailab preview`` tables.

Pure functions over recorded inputs (camelCase, as the engine records them);
``infra.summary`` merges ``GCP_SUMMARIES`` into its table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ailab.core import tokens

Inputs = dict[str, Any]


def _market(sched: Inputs | None) -> str:
    sched = sched or {}
    if sched.get("provisioningModel") == "SPOT":
        return f"spot ({str(sched.get('instanceTerminationAction', '')).lower()} on preemption)"
    return "standard"


def _vm(i: Inputs) -> list[str]:
    nics = i.get("networkInterfaces") or []
    boot = (i.get("bootDisk") or {}).get("initializeParams") or {}
    shielded = i.get("shieldedInstanceConfig") or {}
    out = [str(i.get("machineType")), _market(i.get("scheduling")),
           f"{len(nics)} NIC{'s' if len(nics) != 1 else ''} "
           f"{'gVNIC' if all(n.get('nicType') == 'GVNIC' for n in nics) else 'virtio'}"]
    if boot:
        out.append(f"boot {boot.get('type')} {boot.get('size')} GiB")
    if all(shielded.get(k) for k in ("enableSecureBoot", "enableVtpm",
                                     "enableIntegrityMonitoring")):
        out.append("Shielded VM")
    if (i.get("metadata") or {}).get("enable-oslogin") == "TRUE":
        out.append("OS Login")
    idle = (i.get("metadata") or {}).get("ailab-idle-minutes")
    if idle and idle != "0":
        out.append(f"idle stop {idle} min")
    if i.get("resourcePolicies"):
        out.append("resource policy")
    return out


def _template(i: Inputs) -> list[str]:
    return [str(i.get("machineType")), _market(i.get("scheduling"))]


def _autoscaler(i: Inputs) -> list[str]:
    pol = i.get("autoscalingPolicy") or {}
    cpu = (pol.get("cpuUtilization") or {}).get("target")
    return [f"min {pol.get('minReplicas')} / max {pol.get('maxReplicas')}",
            f"CPU target {round(float(cpu) * 100)}%" if cpu is not None else ""]


def _bucket(i: Inputs) -> list[str]:
    out = [str(i.get("location"))]
    if i.get("uniformBucketLevelAccess"):
        out.append("uniform access")
    if i.get("publicAccessPrevention") == "enforced":
        out.append("public access prevented")
    if (i.get("versioning") or {}).get("enabled"):
        out.append("versioned")
    if (i.get("autoclass") or {}).get("enabled"):
        out.append("Autoclass")
    for rule in i.get("lifecycleRules") or []:
        action, cond = rule.get("action") or {}, rule.get("condition") or {}
        name = action.get("storageClass") or (
            "abort uploads" if action.get("type") == "AbortIncompleteMultipartUpload"
            else action.get("type"))
        out.append(f"{name}@{cond.get('age')}d")
    return out


def _policy(i: Inputs) -> list[str]:
    group = i.get("groupPlacementPolicy") or {}
    if group:
        return [f"placement {group.get('collocation')}"]
    sched = i.get("instanceSchedulePolicy") or {}
    start = (sched.get("vmStartSchedule") or {}).get("schedule")
    stop = (sched.get("vmStopSchedule") or {}).get("schedule")
    return [f"start '{start}'" if start else "", f"stop '{stop}'", str(sched.get("timeZone"))]


def _tpu(i: Inputs) -> list[str]:
    acc = i.get("acceleratorConfig") or {}
    sched = i.get("schedulingConfig") or {}
    market = "spot" if sched.get("spot") else "reserved" if sched.get("reserved") else "on-demand"
    return [f"{acc.get('type')} {acc.get('topology')}", str(i.get("runtimeVersion")), market]


def _dynamic(i: Inputs) -> list[str]:
    node = i.get("node") or {}
    acc = node.get("accelerator_config") or {}
    return [str(i.get("kind")), f"{acc.get('type')} {acc.get('topology')}",
            str(node.get("runtime_version")), "spot" if i.get("spot") else "on-demand"]


def _firewall(i: Inputs) -> list[str]:
    allows = ",".join(f"{a.get('protocol')}:{'/'.join(a.get('ports') or []) or 'all'}"
                      for a in i.get("allows") or [])
    return [f"{allows} from {','.join(i.get('sourceRanges') or [])}",
            f"to tag {','.join(i.get('targetTags') or [])}" if i.get("targetTags") else ""]


def _budget(i: Inputs) -> list[str]:
    units = ((i.get("amount") or {}).get("specifiedAmount") or {}).get("units")
    pct = ",".join(str(round(float(r.get("thresholdPercent")) * 100))
                   for r in i.get("thresholdRules") or [])
    return [f"{units} USD/month", f"alerts {pct}%"]


GCP_SUMMARIES: dict[str, Callable[[Inputs], list[str]]] = {
    tokens.GCP_COMPUTE_INSTANCE: _vm,
    tokens.GCP_COMPUTE_INSTANCE_TEMPLATE: _template,
    tokens.GCP_COMPUTE_AUTOSCALER: _autoscaler,
    tokens.GCP_COMPUTE_INSTANCE_GROUP_MANAGER: lambda i: [str(i.get("zone"))],
    tokens.GCP_COMPUTE_DISK: lambda i: [f"{i.get('type')} {i.get('size')} GiB",
                                        str(i.get("zone"))],
    tokens.GCP_STORAGE_BUCKET: _bucket,
    tokens.GCP_STORAGE_BUCKET_IAM_MEMBER: lambda i: [str(i.get("role"))],
    tokens.GCP_PROJECTS_IAM_MEMBER: lambda i: [str(i.get("role"))],
    tokens.GCP_FILESTORE_INSTANCE: lambda i: [
        str(i.get("tier")), f"{(i.get('fileShares') or {}).get('capacityGb')} GiB"],
    tokens.GCP_COMPUTE_RESOURCE_POLICY: _policy,
    tokens.GCP_TPU_V2_VM: _tpu,
    tokens.DYNAMIC_RESOURCE: _dynamic,
    tokens.GCP_COMPUTE_FIREWALL: _firewall,
    tokens.GCP_COMPUTE_SUBNETWORK: lambda i: [
        str(i.get("ipCidrRange")),
        "Private Google Access" if i.get("privateIpGoogleAccess") else ""],
    tokens.GCP_COMPUTE_NETWORK: lambda i: ["custom mode" if i.get(
        "autoCreateSubnetworks") is False else "", f"MTU {i['mtu']}" if i.get("mtu") else ""],
    tokens.GCP_COMPUTE_ROUTER_NAT: lambda i: [str(i.get("sourceSubnetworkIpRangesToNat"))],
    tokens.GCP_BILLING_BUDGET: _budget,
}
