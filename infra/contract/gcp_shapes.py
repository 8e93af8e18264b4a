"""GCP machine, TPU and Filestore shapes of a stack, checked against the facts.

Compute Engine refuses at apply time what these see offline:

- a GPU machine type that does not bundle its GPUs, extra ``guestAccelerators``
  on one that does, more network interfaces than the type takes, an A3 8-GPU
  cluster node without exactly its GPU NICs, live migration on a GPU VM
  (``facts.GPU_MACHINES``, ``facts.GPU_SERIES``);
- a TPU accelerator type google-cloud-tpu does not know, a topology that does not
  shape the slice, a runtime the generation does not run, a data disk type it
  cannot attach (``ailab.core.tpu``, ``tpu_v2.AcceleratorConfig.Type``);
- a Filestore capacity outside its tier's range (``facts.FILESTORE_CAPACITY``);
- a dashboard that is not a ``monitoring_dashboard_v1.Dashboard`` (``dashboards``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ailab.core import tokens, tpu
from ailab.core.inventory import Inventory, Resource
from ailab.infra.contract.dashboards import gcp_dashboard_problems
from ailab.infra.gcp import facts

MACHINES = (tokens.GCP_COMPUTE_INSTANCE, tokens.GCP_COMPUTE_INSTANCE_TEMPLATE)


@dataclass(frozen=True)
class ShapeProblem:
    resource: str
    message: str


def check_gcp(inv: Inventory) -> tuple[int, list[ShapeProblem]]:
    """(resources checked, problems) over machines, TPUs and Filestore instances."""
    checked, found = 0, []
    for res in inv.custom():
        problems = _check(inv, res)
        if problems is not None:
            checked += 1
            found += [ShapeProblem(res.name, p) for p in problems]
    return checked, found


def _check(inv: Inventory, res: Resource) -> list[str] | None:
    if res.type in MACHINES:
        return machine_problems(res)
    if res.type == tokens.GCP_TPU_V2_VM:
        disks = [_disk_type(inv, d.get("sourceDisk")) for d in res.inputs.get("dataDisks") or []]
        return tpu_problems(res.inputs.get("acceleratorConfig") or {},
                            res.inputs.get("runtimeVersion"), disks)
    if res.type == tokens.DYNAMIC_RESOURCE and isinstance(res.inputs.get("node"), Mapping):
        node = res.inputs["node"]
        disks = [_disk_type(inv, d.get("source_disk")) for d in node.get("data_disks") or []]
        return tpu_problems(node.get("accelerator_config") or {}, node.get("runtime_version"),
                            disks)
    if res.type == tokens.GCP_FILESTORE_INSTANCE:
        return filestore_problems(res)
    if res.type == tokens.GCP_MONITORING_DASHBOARD:
        return gcp_dashboard_problems(str(res.inputs.get("dashboardJson") or ""))
    return None


def machine_problems(res: Resource) -> list[str]:
    mtype = str(res.inputs.get("machineType") or "").rsplit("/", 1)[-1]
    shape = facts.GPU_MACHINES.get(mtype)
    if shape is None:
        return [f"{mtype!r} is not a GPU machine type of the facts table"]
    found = []
    if res.inputs.get("guestAccelerators"):
        found.append(f"{mtype} bundles {shape.count} x {shape.gpu}; give no guestAccelerators")
    nics = len(res.inputs.get("networkInterfaces") or [])
    if nics > shape.max_nics:
        found.append(f"{nics} network interfaces; {mtype} takes at most {shape.max_nics}")
    extra = facts.gpu_nics(mtype)
    if nics > 1 and nics != 1 + extra:
        found.append(f"{nics} network interfaces; a GPUDirect {mtype} has 1 + {extra}")
    scheduling = res.inputs.get("scheduling") or {}
    if scheduling.get("onHostMaintenance") != "TERMINATE":
        found.append("GPU VMs cannot live-migrate: onHostMaintenance must be TERMINATE")
    return found


def tpu_problems(config: Mapping[str, Any], runtime: Any, disk_types: list[str | None]
                 ) -> list[str]:
    from google.cloud import tpu_v2

    api_type, topology = str(config.get("type", "")), str(config.get("topology", ""))
    if api_type not in tpu_v2.AcceleratorConfig.Type.__members__:
        return [f"accelerator type {api_type!r} is not a tpu_v2.AcceleratorConfig.Type"]
    name = tpu.type_from_config(api_type, topology)
    if name is None or not tpu.valid_topology(name, topology):
        return [f"topology {topology!r} does not shape a {api_type} slice"]
    gen = tpu.TPU_GENERATIONS[tpu.API_TYPES[api_type]]
    found = [] if runtime in gen.runtimes else [
        f"runtime {runtime!r} does not run on {name}; {', '.join(gen.runtimes)}"]
    found += [f"{name} cannot attach a {d} data disk" for d in disk_types
              if d is not None and d not in gen.disk_types]
    return found


def _disk_type(inv: Inventory, source: Any) -> str | None:
    found = next((r for r in inv.by_type(tokens.GCP_COMPUTE_DISK) if source in r.identities()),
                 None)
    return str(found.inputs.get("type")) if found else None


def filestore_problems(res: Resource) -> list[str]:
    tier = str(res.inputs.get("tier"))
    if tier not in facts.FILESTORE_CAPACITY:
        return [f"tier {tier!r} is not one of {', '.join(facts.FILESTORE_CAPACITY)}"]
    low, high = facts.FILESTORE_CAPACITY[tier]
    shares = res.inputs.get("fileShares") or {}
    size = int(shares.get("capacityGb") or 0)
    return [] if low <= size <= high else [f"{size} GiB is outside {tier}'s {low}..{high} GiB"]
