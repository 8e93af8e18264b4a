"""Fill a workload's SkyPilot template from a stack, its outputs and a plan.

Pure dict work (no SkyPilot import): the result is a SkyPilot task config plus
the launch plan (``workloads.targets``: node pool or VPC, the layered SkyPilot
config) that ``workloads.skyrun`` validates with SkyPilot's own code and
launches.

Stack facts come from ``pulumi stack output --json`` saved to ``--outputs FILE``,
or, for a dry run without it, from the stack's program run offline
(``stack_facts.preview_outputs``). Bucket: ``--bucket`` wins, then the outputs
file; otherwise the placeholder ``<stack>-lab-bucket`` lets a dry run show the
task, and a real launch refuses to start (``BuildResult.bucket_known``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ailab.core.errors import WorkloadError
from ailab.workloads import checks, choose, placement, targets
from ailab.workloads.registry import LAUNCHER_VARIANTS, PROJECT_ROOT, get_workload, load_template
from ailab.workloads.stack_facts import StackFacts, preview_outputs, read_outputs

INFRAS = ("cloud", "onprem", "k8s", "hybrid")
DEFAULT_POOL = "ailab-onprem"
CKPT_MOUNT = "/checkpoints"
STORES = {"aws": "s3", "gcp": "gcs"}
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
EFA_ENVS = placement.EFA_ENVS
TRACKED = ("train-ddp", "train-spot")
"""Workloads that log to the stack's tracking server when it has one (they run on the
stack's own machines or in its VPC, where the private server is reachable)."""
TRACKING_ENV = "MLFLOW_TRACKING_URI"


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
    facts: StackFacts | None = None
    access: targets.Access | None = None
    ckpt_dir: str | None = None
    """A shared file system path for checkpoints instead of the lab bucket."""


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
    launch: targets.LaunchPlan | None = None
    facts: StackFacts | None = None
    efa: dict[str, Any] = field(default_factory=dict)


def stack_facts(spec: Any, outputs: Path | None, stacks_dir: Path | None = None) -> StackFacts:
    """The stack's facts from its outputs file, or from its program run offline."""
    if outputs is not None:
        return StackFacts.from_outputs(read_outputs(outputs), spec.stack, spec.cloud,
                                       spec.region, str(outputs))
    return _offline_facts(spec.stack, spec.cloud, spec.region, stacks_dir)


@functools.lru_cache(maxsize=16)
def _offline_facts(stack: str, cloud: str, region: str, stacks_dir: Path | None) -> StackFacts:
    return StackFacts.from_outputs(preview_outputs(stack, stacks_dir), stack, cloud, region,
                                   "offline preview", offline=True)


def resolve_bucket(stack: str, bucket: str | None, facts: StackFacts | None
                   ) -> tuple[str, bool]:
    """(bucket name, known?) from ``--bucket``, real stack outputs or the placeholder."""
    if bucket:
        if not BUCKET_RE.match(bucket):
            raise WorkloadError(f"{bucket!r} is not a valid bucket name (3-63 "
                                "lowercase letters, digits, '.', '-')", field="bucket")
        return bucket, True
    if facts is not None and not facts.offline and facts.bucket:
        return facts.bucket, True
    return f"{stack}-lab-bucket", False


def build(req: BuildRequest) -> BuildResult:
    """The filled SkyPilot task config and launch plan for a workload on a stack."""
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
    facts = req.facts or stack_facts(req.spec, req.outputs)
    bucket, known = resolve_bucket(req.spec.stack, req.bucket, facts)
    result = BuildResult(cfg, wl.kind, wl.name, variant, None, False, None, facts=facts)
    chosen, role = _choose(req, wl.accelerated, result)
    result.choice = chosen
    own = req.infra == "cloud" and wl.name != "train-hybrid"
    if own:
        result.launch = targets.plan(facts, role, req.access)
        placement.place(cfg, envs, result, facts, chosen, role)
    else:
        cluster = next((g.count for g in req.spec.machine_groups()
                        if g.role == "cluster" and role == "cluster"), None)
        placement.owned_first(cfg, envs, result, req.infra if wl.name != "train-hybrid"
                              else "hybrid", req.pool, facts, chosen, cluster)
    if (own and "file_mounts" in cfg) or (not own and wl.checkpoints):
        _checkpoints(cfg, envs, result, bucket, known, req)
    if own and wl.name in TRACKED:
        _tracking(envs, result, facts)
    if req.nodes is not None:
        if req.nodes < 1:
            raise WorkloadError(f"must be 1 or more, got {req.nodes}", field="nodes")
        cfg["num_nodes"] = req.nodes
    cfg["envs"] = envs
    checks.check_config(cfg)
    return result


def _choose(req: BuildRequest, accelerated: bool, result: BuildResult
            ) -> tuple[choose.Choice, str | None]:
    """The instance type (by plan, else the stack's first) and its machine-group role."""
    spec = req.spec
    res = result.config.get("resources") or {}
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
    role = next((g.role for g in spec.machine_groups()
                 if chosen.instance_type in g.instance_types), None)
    return chosen, role


def _tracking(envs: dict[str, str], result: BuildResult, facts: StackFacts) -> None:
    """The stack's ``tracking_uri`` output into the task's ``MLFLOW_TRACKING_URI``."""
    if not facts.tracking_uri:
        envs.pop(TRACKING_ENV, None)
        return
    envs[TRACKING_ENV] = facts.tracking_uri
    where = ("the offline preview's placeholder; pass --outputs for the real one"
             if facts.offline else facts.source)
    result.notes.append(f"logs to the stack's MLflow server ({TRACKING_ENV} from {where})")


def _checkpoints(cfg: dict[str, Any], envs: dict[str, str], result: BuildResult, bucket: str,
                 known: bool, req: BuildRequest) -> None:
    """Checkpoints on durable storage only: the lab bucket at /checkpoints, or a shared
    file system path the user names (never a machine's local disk or /tmp)."""
    if req.ckpt_dir is not None:
        path = req.ckpt_dir.rstrip("/") or "/"
        if not path.startswith("/") or re.match(r"^/(tmp|var/tmp|dev/shm|run)(/|$)", path):
            raise WorkloadError(f"{req.ckpt_dir!r} is not durable shared storage; use an "
                                "absolute path on a shared file system (e.g. /fsx/ckpt)",
                                field="ckpt_dir")
        cfg.pop("file_mounts", None)
        envs["AILAB_CKPT_DIR"] = f"{path}/{envs.get('AILAB_RUN_NAME', result.workload)}"
        result.notes.append(f"checkpoints in {path} (shared file system)")
        return
    mounts = cfg.setdefault("file_mounts", {})
    if not any(isinstance(m, dict) and "name" in m for m in mounts.values()):
        mounts[CKPT_MOUNT] = {"name": bucket, "mode": "MOUNT"}
    envs.pop("AILAB_CKPT_DIR", None)
    envs["AILAB_BUCKET"] = bucket
    store = STORES.get(req.spec.cloud)
    for mount in mounts.values():
        if isinstance(mount, dict) and "name" in mount:
            mount["name"] = bucket
            if store:
                mount["store"] = store
            if req.mount_mode:
                mount["mode"] = req.mount_mode
    result.bucket, result.bucket_known = bucket, known
