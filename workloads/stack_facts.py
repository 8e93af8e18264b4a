"""What SkyPilot needs to know about a stack, read from the stack's own outputs.

A real launch reads ``pulumi stack output --json`` (saved with ``--outputs FILE``);
a dry run runs the same Pulumi program offline under the recording engine and
collects what it exports (``preview_outputs``), so both paths parse one
document shape with one parser (``StackFacts.from_outputs``). Values the offline
engine cannot know (private IPs, physical names AWS/GCP assign) stay ``None`` or
carry the engine's placeholders, and ``StackFacts.offline`` says so.

The infra program exports these keys (``infra/aws/lab.py``, ``infra/gcp/lab.py``):
``nodes`` (fixed machines: name, id, private_ip, zone, instance_type, role,
efa_interfaces), ``vpc_name``/``private_subnet_names``/``security_group_name``/
``instance_profile`` (AWS), ``network_name``/``subnet_name``/``project``/``zone``
(GCP), ``bucket`` and the shared file systems (``efs_dns``, ``fsx_dns``,
``fsx_mount_name``, ``filestore_ip``, ``gcs_mount``) and, when the stack has a
tracking server, ``tracking_uri`` (the training tasks' ``MLFLOW_TRACKING_URI``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ailab.core.errors import InputFileError
from ailab.core.inputs import read_json

FIXED_ROLES = ("instances", "vms", "cluster", "tpu")
"""Machine-group roles whose machines exist whether or not a job runs on them."""


@dataclass(frozen=True)
class Node:
    """One fixed machine the stack made."""

    name: str
    role: str
    instance_type: str
    target: str
    """What SSM (AWS instance id) or IAP/gcloud (GCP VM or TPU node name) connects to."""
    zone: str | None = None
    private_ip: str | None = None
    efa_interfaces: int = 0


@dataclass(frozen=True)
class SharedMount:
    """A shared file system the stack's machines mount (user data / start-up script)."""

    path: str
    kind: str
    """``lustre`` (FSx), ``efs``, ``filestore`` (NFS) or ``gcsfuse``."""
    source: str
    """``dns@tcp:/mountname``, ``dns:/``, ``ip:/home`` or the bucket name."""

    def mount_command(self) -> str:
        """The command that mounts it on a machine SkyPilot provisions itself."""
        if self.kind == "lustre":
            return (f"sudo mkdir -p {self.path} && (mountpoint -q {self.path} || sudo mount -t "
                    f"lustre -o relatime,flock {self.source} {self.path})")
        if self.kind in ("efs", "filestore"):
            return (f"sudo mkdir -p {self.path} && (mountpoint -q {self.path} || sudo mount -t "
                    f"nfs4 -o nfsvers=4.1,hard,timeo=600,retrans=2,_netdev {self.source} "
                    f"{self.path})")
        return (f"sudo mkdir -p {self.path} && (mountpoint -q {self.path} || gcsfuse "
                f"--implicit-dirs -o allow_other {self.source} {self.path})")


@dataclass(frozen=True)
class StackFacts:
    """A stack's machines, network and shared storage, as SkyPilot needs them."""

    stack: str
    cloud: str
    region: str
    source: str
    """Where the facts came from: the outputs file, or ``offline preview``."""
    offline: bool
    bucket: str | None = None
    nodes: tuple[Node, ...] = ()
    network: str | None = None
    """AWS VPC ``Name`` tag / GCP network name."""
    subnets: tuple[str, ...] = ()
    """Private subnets (AWS ``Name`` tags) / the lab subnet (GCP)."""
    public_subnets: tuple[str, ...] = ()
    private_egress: bool = True
    """Whether private subnets reach the internet (AWS NAT gateway; GCP Cloud NAT)."""
    security_group: str | None = None
    instance_profile: str | None = None
    zone: str | None = None
    project: str | None = None
    mounts: tuple[SharedMount, ...] = ()
    tracking_uri: str | None = None
    """The stack's experiment tracking server (``ailab:tracking``), if it has one."""

    @classmethod
    def from_outputs(cls, doc: dict[str, Any], stack: str, cloud: str, region: str,
                     source: str, offline: bool = False) -> StackFacts:
        """Parse ``pulumi stack output --json`` (or the offline equivalent)."""
        need = _Reader(doc, source)
        common: dict[str, Any] = {
            "stack": stack, "cloud": cloud, "region": str(doc.get("region") or region),
            "source": source, "offline": offline, "bucket": need.opt_str("bucket"),
            "tracking_uri": need.opt_str("tracking_uri")}
        if cloud == "aws":
            nodes = tuple(Node(name=need.field(n, "name", i), role=need.field(n, "role", i),
                               instance_type=need.field(n, "instance_type", i),
                               target=need.field(n, "id", i), zone=n.get("zone"),
                               private_ip=n.get("private_ip"),
                               efa_interfaces=int(n.get("efa_interfaces") or 0))
                          for i, n in enumerate(need.items("nodes")))
            return cls(**common, nodes=nodes, network=need.text("vpc_name"),
                       subnets=tuple(need.items("private_subnet_names")),
                       public_subnets=tuple(doc.get("public_subnet_names") or ()),
                       private_egress=bool(doc.get("private_egress", True)),
                       security_group=need.text("security_group_name"),
                       instance_profile=need.text("instance_profile"),
                       mounts=_aws_mounts(doc))
        nodes = tuple(Node(name=need.field(n, "name", i), role=need.field(n, "role", i),
                           instance_type=need.field(n, "instance_type", i),
                           target=need.field(n, "name", i), zone=n.get("zone") or doc.get("zone"),
                           private_ip=n.get("private_ip"))
                      for i, n in enumerate(need.items("nodes")))
        return cls(**common, nodes=nodes, network=need.text("network_name"),
                   subnets=(need.text("subnet_name"),), zone=need.text("zone"),
                   project=need.text("project"), mounts=_gcp_mounts(doc))

    def fixed_nodes(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.role in FIXED_ROLES)


class _Reader:
    """Required keys of an outputs document: a missing one is one line naming it."""

    def __init__(self, doc: dict[str, Any], source: str) -> None:
        self.doc, self.source = doc, source

    def _missing(self, key: str) -> InputFileError:
        return InputFileError(self.source, key, "missing from the stack outputs",
                              hint="update the stack (`pulumi up`) so it exports it, then "
                                   "pulumi stack output --json > FILE")

    def text(self, key: str) -> str:
        value = self.doc.get(key)
        if not isinstance(value, str) or not value:
            raise self._missing(key)
        return value

    def opt_str(self, key: str) -> str | None:
        value = self.doc.get(key)
        return value if isinstance(value, str) and value else None

    def items(self, key: str) -> list[Any]:
        value = self.doc.get(key)
        if not isinstance(value, list):
            raise self._missing(key)
        return value

    def field(self, node: Any, key: str, index: int) -> str:
        value = node.get(key) if isinstance(node, dict) else None
        if not isinstance(value, str) or not value:
            raise self._missing(f"nodes[{index}].{key}")
        return value


def _aws_mounts(doc: dict[str, Any]) -> tuple[SharedMount, ...]:
    """FSx for Lustre at /fsx and EFS at /home/shared, as the stack's user data mounts them."""
    mounts = []
    if doc.get("fsx_dns") and doc.get("fsx_mount_name"):
        source = f"{doc['fsx_dns']}@tcp:/{doc['fsx_mount_name']}"
        mounts.append(SharedMount("/fsx", "lustre", source))
    if doc.get("efs_dns"):
        mounts.append(SharedMount("/home/shared", "efs", f"{doc['efs_dns']}:/"))
    return tuple(mounts)


def _gcp_mounts(doc: dict[str, Any]) -> tuple[SharedMount, ...]:
    """Filestore at /home/shared and the bucket (Cloud Storage FUSE) where the stack mounts it."""
    mounts = []
    if doc.get("filestore_ip"):
        mounts.append(SharedMount("/home/shared", "filestore", f"{doc['filestore_ip']}:/home"))
    if doc.get("gcs_mount") and doc.get("bucket"):
        mounts.append(SharedMount(str(doc["gcs_mount"]), "gcsfuse", str(doc["bucket"])))
    return tuple(mounts)


def read_outputs(path: Path) -> dict[str, Any]:
    """``pulumi stack output --json`` saved to a file."""
    doc = read_json(path, hint="save it with: pulumi stack output --json > FILE")
    if not isinstance(doc, dict):
        raise InputFileError(str(path), "outputs", "must be a JSON object",
                             hint="pulumi stack output --json > FILE")
    return doc


def preview_outputs(stack: str, stacks_dir: Path | None = None) -> dict[str, Any]:
    """The outputs the stack's program exports, resolved offline under the recording
    engine: the shape of ``pulumi stack output --json``, with the engine's
    placeholders for ids and DNS names and ``None`` where only the cloud knows."""
    import pulumi

    from ailab.infra.program import build
    from ailab.infra.spec import load_spec
    from ailab.infra.stacks import load_stack_config
    from ailab.preview.engine import run_program

    raw = load_stack_config(stack, stacks_dir)
    spec = load_spec(raw, stack)
    doc: dict[str, Any] = {}

    def program() -> None:
        def export(key: str, value: Any) -> None:
            doc[key] = _collect(value)

        saved = pulumi.export
        pulumi.export = export  # type: ignore[assignment]
        try:
            build(spec)
        finally:
            pulumi.export = saved  # type: ignore[assignment]

    run_program(program, stack=stack, region=spec.region, raw_config=raw)
    return _resolve(doc)


class _Cell:
    """One exported Output's value once the engine resolves it (None until then)."""

    value: Any = None


def _collect(value: Any) -> Any:
    """A mutable copy of an exported value whose Output leaves fill in as they resolve
    (leaf by leaf, so one unknown value does not hide its siblings)."""
    import pulumi

    if isinstance(value, dict):
        return {k: _collect(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_collect(v) for v in value]
    if isinstance(value, pulumi.Output):
        cell = _Cell()
        value.apply(lambda resolved: setattr(cell, "value", resolved))
        return cell
    return value


def _resolve(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, _Cell):
        return _resolve(value.value)
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    return value
