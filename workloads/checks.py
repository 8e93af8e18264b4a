"""Combinations SkyPilot accepts on paper but cannot run, caught before launch.

Each problem is one ``WorkloadError`` line naming the field and the fix. These
run on the plain task dict, before (and in addition to) SkyPilot's own schema
and service checks in ``workloads.skyrun``.
"""

from __future__ import annotations

from typing import Any

from ailab.core import tpu
from ailab.core.errors import WorkloadError

MOUNT_MODES = ("MOUNT", "COPY", "MOUNT_CACHED")
def _accelerators(resources: dict[str, Any]) -> list[str]:
    found = []
    for res in [resources, *resources.get("ordered", []), *resources.get("any_of", [])]:
        acc = res.get("accelerators") if isinstance(res, dict) else None
        if isinstance(acc, str):
            found.append(acc)
        elif isinstance(acc, dict):
            found += list(acc)
        elif isinstance(acc, list):
            found += [str(a) for a in acc]
    return found


def check_config(cfg: dict[str, Any]) -> None:
    """Raise WorkloadError for the first invalid combination in a task config."""
    nodes = int(cfg.get("num_nodes", 1) or 1)
    for acc in _accelerators(cfg.get("resources") or {}):
        if nodes > 1 and tpu.is_pod(acc.split(':')[0]):
            raise WorkloadError(
                f"num_nodes: {nodes} with TPU pod type {acc!r} is not supported; a pod slice "
                "is already several hosts, so use num_nodes: 1 (SkyPilot runs `run` on each "
                "host)")
    for path, mount in (cfg.get("file_mounts") or {}).items():
        if isinstance(mount, dict) and "mode" in mount and mount["mode"] not in MOUNT_MODES:
            raise WorkloadError(f"file_mounts.{path}.mode: {mount['mode']!r} is not a mode "
                                f"SkyPilot supports; valid: {', '.join(MOUNT_MODES)}")
    service = cfg.get("service")
    if isinstance(service, dict):
        check_service(service)


def check_service(service: dict[str, Any]) -> None:
    """Replica policy: QPS autoscaling needs a ceiling, and min <= max."""
    policy = service.get("replica_policy") or {}
    if not isinstance(policy, dict):
        return
    if policy.get("target_qps_per_replica") is not None and policy.get("max_replicas") is None:
        raise WorkloadError("service.replica_policy.max_replicas: required when "
                            "target_qps_per_replica is set (autoscaling needs a ceiling)")
    low, high = policy.get("min_replicas"), policy.get("max_replicas")
    if low is not None and high is not None and low > high:
        raise WorkloadError(f"service.replica_policy: min_replicas {low} > max_replicas {high}")
    if policy.get("max_replicas") is not None and policy.get("target_qps_per_replica") is None:
        raise WorkloadError("service.replica_policy.target_qps_per_replica: required when "
                            "max_replicas is set (the autoscaler scales on QPS)")
