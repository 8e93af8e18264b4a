"""Task resources for where a workload runs: the stack's node pool, its VPC, or
owned machines first with overflow to the stack's own class of machine.

Called by ``workloads.builder``; edits the task dict in place and records notes
and the EFA figures on the ``BuildResult``.
"""

from __future__ import annotations

from typing import Any

from ailab.infra.aws.facts import efa_interfaces
from ailab.workloads import choose, targets
from ailab.workloads.stack_facts import StackFacts

EFA_ENVS = {
    "FI_PROVIDER": "efa",
    "FI_EFA_USE_DEVICE_RDMA": "1",
    "FI_EFA_FORK_SAFE": "1",
    "NCCL_DEBUG": "WARN",
    "NCCL_CROSS_NIC": "1",
}
KEEP = ("cpus", "memory", "ports", "disk_size", "image_id")
"""Template resource keys that hold on any infra (SkyPilot's ssh/k8s clouds included:
a ``docker:`` image_id becomes the pod's image there, so Triton and TensorRT-LLM run
in their own containers on owned machines too)."""


def place(cfg: dict[str, Any], envs: dict[str, str], result: Any, facts: StackFacts,
          chosen: choose.Choice, role: str | None) -> None:
    """Resources on the stack's own machines (pool) or in its network (vpc)."""
    plan = result.launch
    envs["AILAB_INSTANCE_TYPE"] = chosen.instance_type
    if plan.target == "pool":
        _pool(cfg, envs, result, plan, chosen, role)
    else:
        _vpc(cfg, result, facts, chosen)
        lines = targets.mount_setup(facts)
        if lines:
            cfg["setup"] = "\n".join(["set -e", *lines, str(cfg.get("setup") or "")])
    _efa(cfg.setdefault("resources", {}), envs, result, plan, chosen)
    for m in facts.mounts:
        result.notes.append(f"{m.kind} {m.source} mounted at {m.path}")


def _pool(cfg: dict[str, Any], envs: dict[str, str], result: Any, plan: targets.LaunchPlan,
          chosen: choose.Choice, role: str | None) -> None:
    res = cfg.get("resources") or {}
    new: dict[str, Any] = {k: v for k, v in res.items() if k in KEEP}
    new["infra"] = plan.infra
    if chosen.accelerators and role != "tpu":
        new["accelerators"] = chosen.accelerators
    if res.get("job_recovery"):
        new["job_recovery"] = res["job_recovery"]
    cfg["resources"] = new
    cfg.setdefault("config", {}).setdefault("ssh", {})["pod_config"] = plan.pod_config
    count = len(plan.nodes)
    cfg["num_nodes"] = count if result.workload == "train-ddp" else \
        min(int(cfg.get("num_nodes", 1) or 1), count)
    if role == "tpu":
        envs["AILAB_TPU"] = chosen.instance_type
        result.notes.append("the TPU chips reach the pod as host devices (privileged pod): "
                            "SkyPilot's SSH node pools schedule no TPU resource")
    result.notes.append(f"runs on the stack's {count} x {chosen.instance_type}: SSH node pool "
                        f"{plan.pool} ({plan.reach}); nothing new is provisioned or billed")


def _vpc(cfg: dict[str, Any], result: Any, facts: StackFacts, chosen: choose.Choice) -> None:
    res = cfg.setdefault("resources", {})
    res["infra"] = f"{facts.cloud}/{facts.region}"
    res.pop("cpus", None)
    if chosen.instance_type.startswith("tpu-"):
        res.pop("instance_type", None)
        res["accelerators"] = chosen.instance_type
    else:
        res["instance_type"] = chosen.instance_type
        if chosen.accelerators:
            res["accelerators"] = chosen.accelerators
        else:
            res.pop("accelerators", None)
    if "ordered" not in res:
        res["use_spot"] = bool(res.get("use_spot")) and chosen.spot
    where = ", ".join(f"{k}={v}" for k, v in result.launch.skypilot_config[facts.cloud].items()
                      if k in ("vpc_name", "use_internal_ips"))
    result.notes.append(f"SkyPilot provisions {chosen.instance_type} in the stack's network "
                        f"({where})")


def _efa(res: dict[str, Any], envs: dict[str, str], result: Any, plan: targets.LaunchPlan,
         chosen: choose.Choice) -> None:
    """NCCL over every EFA interface: the ones Pulumi attached to the pool's nodes, or
    (VPC) the ones SkyPilot attaches with network_tier best and internal IPs."""
    supported = efa_interfaces(chosen.instance_type)
    if supported <= 0 or result.kind == "service":
        return
    if plan.target == "pool":
        count = max((n.efa_interfaces for n in plan.nodes), default=0)
        source = "the stack's launch template (attached by Pulumi)"
    else:
        res["network_tier"] = "best"
        count = supported
        source = "SkyPilot with network_tier best"
    if count <= 0:
        result.notes.append(f"{chosen.instance_type} supports {supported} EFA interfaces but "
                            "the stack's nodes have none attached: NCCL uses TCP")
        return
    envs.update(EFA_ENVS)
    envs["AILAB_EFA_INTERFACES"] = str(count)
    result.efa = {"instance_type": chosen.instance_type, "supported": supported,
                  "interfaces_per_node": count, "source": source}
    result.notes.append(f"{chosen.instance_type}: NCCL over {count} EFA interfaces ({source})")


def owned_first(cfg: dict[str, Any], envs: dict[str, str], result: Any, infra: str,
                pool: str, facts: StackFacts, chosen: choose.Choice,
                cluster_nodes: int | None) -> None:
    """Owned machines (SSH node pool, Kubernetes) first; with hybrid, overflow to the
    stack's own class of machine (same type and count) inside the stack's network."""
    res = cfg.get("resources") or {}
    local = {"onprem": [{"infra": f"ssh/{pool}"}], "k8s": [{"infra": "k8s"}],
             "hybrid": [{"infra": f"ssh/{pool}"}, {"infra": "k8s"}],
             "cloud": [{"infra": f"ssh/{pool}"}, {"infra": "k8s"}]}[infra]
    new: dict[str, Any] = {k: v for k, v in res.items() if k in KEEP}
    accelerated = "accelerators" in res
    tpu = chosen.instance_type.startswith("tpu-")
    hybrid = infra in ("hybrid", "cloud")
    if accelerated and chosen.accelerators:
        new["accelerators"] = chosen.accelerators
    elif accelerated and not (tpu and hybrid):
        new["accelerators"] = res["accelerators"]
    if res.get("job_recovery"):
        new["job_recovery"] = res["job_recovery"]
    cfg.pop("file_mounts", None)
    cfg["num_nodes"] = cluster_nodes or 1  # the stack's class: its cluster, else one machine
    if hybrid:
        if tpu and accelerated:  # SkyPilot allows TPUs on GCP and Kubernetes only
            local = [e for e in local if not e["infra"].startswith("ssh/")]
            result.notes.append("TPU class: the SSH node pool is skipped (SkyPilot schedules "
                                "TPUs on GCP and Kubernetes only)")
        new["ordered"] = [*local, *_overflow(facts, chosen, accelerated)]
        result.launch = targets.LaunchPlan("owned-first", f"ssh/{pool}",
                                           targets.network_config(facts))
        result.notes.append(f"owned machines first, overflow to {chosen.instance_type} in "
                            f"the stack's network ({facts.cloud}/{facts.region}, spot, then "
                            "on-demand)")
        _efa(new["ordered"][-1], envs, result, result.launch, chosen)
        if "network_tier" in new["ordered"][-1]:
            new["ordered"][-2]["network_tier"] = "best"
    else:
        new["infra"] = local[0]["infra"]
    cfg["resources"] = new
    envs.pop("AILAB_BUCKET", None)


def _overflow(facts: StackFacts, chosen: choose.Choice, accelerated: bool
              ) -> list[dict[str, Any]]:
    """The stack's class in its region; a TPU slice type goes on these entries only
    (SkyPilot allows TPUs on GCP and Kubernetes, not on SSH node pools)."""
    region = f"{facts.cloud}/{facts.region}"
    entry: dict[str, Any] = {"infra": region}
    if accelerated and chosen.instance_type.startswith("tpu-"):
        entry["accelerators"] = chosen.instance_type
    elif accelerated:
        entry["instance_type"] = chosen.instance_type
    return [{**entry, "use_spot": True}, {**entry, "use_spot": False}]
