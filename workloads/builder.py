"""Fill a workload's SkyPilot template from a stack, its outputs and a plan.

Pure dict work (no SkyPilot import): the result is a SkyPilot task config that
``workloads.skyrun`` validates with SkyPilot's own parsers and launches.

Bucket: ``--bucket`` wins, then the ``bucket`` key of ``pulumi stack output
--json`` saved to ``--outputs FILE``; otherwise the placeholder
``<stack>-lab-bucket`` is used so a dry run can still show the task, and a real
launch refuses to start (``BuildResult.bucket_known`` is False).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ailab.core.errors import InputFileError, WorkloadError
from ailab.core.inputs import read_json
from ailab.infra.aws.facts import efa_interfaces
from ailab.workloads import checks, choose
from ailab.workloads.registry import LAUNCHER_VARIANTS, PROJECT_ROOT, get_workload, load_template

INFRAS = ("cloud", "onprem", "k8s", "hybrid")
DEFAULT_POOL = "ailab-onprem"
ONPREM_CKPT_DIR = "/tmp/ailab-checkpoints"
EFA_ENVS = {
    "FI_PROVIDER": "efa",
    "FI_EFA_USE_DEVICE_RDMA": "1",
    "FI_EFA_FORK_SAFE": "1",
    "NCCL_DEBUG": "WARN",
    "NCCL_CROSS_NIC": "1",
}
STORES = {"aws": "s3", "gcp": "gcs"}
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class BuildRequest:
    workload: str
    spec: Any  # infra.spec.LabSpec
    plan: str | None = None
    variant: str | None = None
    infra: str = "cloud"
    bucket: str | None = None
    outputs: Path | None = None
    nodes: int | None = None
    mount_mode: str | None = None
    pool: str = DEFAULT_POOL


@dataclass
class BuildResult:
    config: dict[str, Any]
    kind: str
    workload: str
    variant: str
    bucket: str | None
    bucket_known: bool
    choice: choose.Choice | None
    notes: list[str] = field(default_factory=list)


def resolve_bucket(stack: str, bucket: str | None, outputs: Path | None) -> tuple[str, bool]:
    """(bucket name, known?) from ``--bucket``, ``--outputs`` or the placeholder."""
    if bucket:
        if not BUCKET_RE.match(bucket):
            raise WorkloadError(f"{bucket!r} is not a valid bucket name (3-63 "
                                "lowercase letters, digits, '.', '-')", field="bucket")
        return bucket, True
    if outputs is not None:
        doc = read_json(outputs, hint="save it with: pulumi stack output --json > FILE")
        name = doc.get("bucket") if isinstance(doc, dict) else None
        if not isinstance(name, str) or not name:
            raise InputFileError(str(outputs), "bucket", "missing; expected the stack output "
                                 "'bucket'", hint="run `pulumi up` first, then "
                                 "pulumi stack output --json > FILE")
        return name, True
    return f"{stack}-lab-bucket", False


def build(req: BuildRequest) -> BuildResult:
    """The filled SkyPilot task config for a workload on a stack."""
    wl = get_workload(req.workload)
    variant, template = wl.template(req.variant)
    if req.infra not in INFRAS:
        raise WorkloadError(f"{req.infra!r} is not valid; valid: {', '.join(INFRAS)}",
                            field="infra")
    cfg = load_template(template)
    cfg["name"] = f"{cfg.get('name', wl.name)}-{req.spec.stack}"
    cfg["workdir"] = str(PROJECT_ROOT)
    envs = {k: str(v) for k, v in (cfg.get("envs") or {}).items()}
    if variant in LAUNCHER_VARIANTS:
        envs["AILAB_LAUNCHER"] = variant
    bucket, known = resolve_bucket(req.spec.stack, req.bucket, req.outputs)
    result = BuildResult(cfg, wl.kind, wl.name, variant, None, False, None)
    if req.infra == "cloud" and wl.name != "train-hybrid":
        _cloud_resources(req, wl.accelerated, cfg, envs, result)
        if "file_mounts" in cfg:
            _bucket_mount(cfg, envs, bucket, req)
            result.bucket, result.bucket_known = bucket, known
    else:
        _onprem_resources(req, cfg, envs, result)
    if req.nodes is not None:
        if req.nodes < 1:
            raise WorkloadError(f"must be 1 or more, got {req.nodes}", field="nodes")
        cfg["num_nodes"] = req.nodes
    cfg["envs"] = envs
    checks.check_config(cfg)
    return result


def _cloud_resources(req: BuildRequest, accelerated: bool, cfg: dict[str, Any],
                     envs: dict[str, str], result: BuildResult) -> None:
    spec = req.spec
    res = cfg.setdefault("resources", {})
    spot_workload = bool(res.get("use_spot")) or "ordered" in res
    types = choose.allowed_types(spec, prefer_cluster=result.workload == "train-ddp")
    options = choose.choices(spec, types, spot=spot_workload or choose.stack_spot(spec))
    if accelerated:
        options = [o for o in options if o.accelerators] or options
    if req.plan is not None:
        chosen = choose.pick(options, req.plan)
    elif options:
        chosen = options[0]
    else:
        raise WorkloadError(f"stack {spec.stack!r} allows no instance type priced in "
                            f"{spec.region}", hint="use --infra onprem, or add an instance type "
                                                   "to the stack")
    result.choice = chosen
    res["infra"] = f"{spec.cloud}/{spec.region}"
    res["instance_type"] = chosen.instance_type
    res.pop("cpus", None)
    if chosen.instance_type.startswith("tpu-"):
        res.pop("instance_type")
        res["accelerators"] = chosen.instance_type
    elif chosen.accelerators:
        res["accelerators"] = chosen.accelerators
    else:
        res.pop("accelerators", None)
    if "ordered" not in res:
        res["use_spot"] = bool(res.get("use_spot")) and chosen.spot
    envs["AILAB_INSTANCE_TYPE"] = chosen.instance_type
    clusters = spec.machine_groups("cluster")
    if result.workload == "train-ddp" and clusters \
            and chosen.instance_type in clusters[0].instance_types:
        cfg["num_nodes"] = clusters[0].count
    _efa(chosen.instance_type, res, envs, result)


def _efa(itype: str, res: dict[str, Any], envs: dict[str, str], result: BuildResult) -> None:
    """High-bandwidth network tier and NCCL/EFA settings on EFA instance types."""
    count = efa_interfaces(itype)
    if count <= 0 or result.kind == "service":
        return
    res["network_tier"] = "best"
    envs.update(EFA_ENVS)
    envs["AILAB_EFA_INTERFACES"] = str(count)
    result.notes.append(f"{itype}: {count} EFA interfaces, network_tier best, NCCL over EFA")


def _bucket_mount(cfg: dict[str, Any], envs: dict[str, str], bucket: str,
                  req: BuildRequest) -> None:
    envs["AILAB_BUCKET"] = bucket
    store = STORES.get(req.spec.cloud)
    for mount in cfg["file_mounts"].values():
        if isinstance(mount, dict) and "name" in mount:
            mount["name"] = bucket
            if store:
                mount["store"] = store
            if req.mount_mode:
                mount["mode"] = req.mount_mode


def _onprem_resources(req: BuildRequest, cfg: dict[str, Any], envs: dict[str, str],
                      result: BuildResult) -> None:
    """Owned machines: an SSH node pool, Kubernetes, or both with cloud overflow."""
    res = cfg.setdefault("resources", {})
    accelerators = res.get("accelerators")
    local = {"onprem": [{"infra": f"ssh/{req.pool}"}], "k8s": [{"infra": "k8s"}],
             "hybrid": [{"infra": f"ssh/{req.pool}"}, {"infra": "k8s"}],
             "cloud": [{"infra": f"ssh/{req.pool}"}, {"infra": "k8s"}]}[req.infra]
    new: dict[str, Any] = {k: v for k, v in res.items()
                           if k in ("accelerators", "cpus", "memory", "ports", "disk_size")}
    if req.infra in ("hybrid", "cloud"):
        region = f"{req.spec.cloud}/{req.spec.region}"
        new["ordered"] = [*local, {"infra": region, "use_spot": True},
                          {"infra": region, "use_spot": False}]
        result.notes.append(f"owned machines first, overflow to {region} (spot, then on-demand)")
    elif len(local) == 1:
        new["infra"] = local[0]["infra"]
    if accelerators:
        new["accelerators"] = accelerators
    if res.get("job_recovery"):
        new["job_recovery"] = res["job_recovery"]
    cfg["resources"] = new
    cfg.pop("file_mounts", None)
    envs.pop("AILAB_BUCKET", None)
    envs["AILAB_CKPT_DIR"] = ONPREM_CKPT_DIR
    result.notes.append(f"no lab bucket on owned machines: checkpoints in {ONPREM_CKPT_DIR}")
