"""Read the JSON that ``pulumi preview --json`` writes, as inventory documents.

The documented format (Pulumi CLI ``preview --json``, the engine's preview
digest) is one JSON object::

    {"config": {"aws:region": "us-east-1", ...},
     "steps": [{"op": "create", "urn": "urn:pulumi:STACK::PROJECT::TYPE$TYPE::NAME",
                "provider": "...", "oldState": {...}, "newState": {...},
                "diffReasons": [...], "replaceReasons": [...], "detailedDiff": {...}}],
     "diagnostics": [...], "duration": 123, "changeSummary": {"create": 3, "same": 1}}

``oldState``/``newState`` are resource states: ``urn``, ``custom``, ``type``,
``inputs``, ``outputs``, ``parent`` (a URN), ``id``, ``dependencies`` and
``propertyDependencies`` (input name -> URNs). Values not known until ``up``
are the engine's unknown sentinel; secrets read ``[secret]``.

``preview_inventories`` translates the steps into two ``core.inventory.Inventory``
objects (what ``ailab preview`` records under mocks): the stack as it will be
after the update and as it is now, so both can be priced and compared. Each
resource keeps its inputs, parent, options, property dependencies (the names of
the resources each input was built from, which is how pricing follows a
reference whose value is unknown before apply) and its known identity outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ailab.core import tokens
from ailab.core.errors import InputFileError
from ailab.core.inputs import invalid_field, read_json
from ailab.core.inventory import IDENTITY_OUTPUTS, Inventory, Resource

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's placeholder for a value only known after ``pulumi up``."""
SECRET = "[secret]"
"""How the preview shows a secret value."""
GONE_OPS = frozenset({"delete", "delete-replaced", "discard", "discard-replaced",
                      "remove-pending-replace", "read-discard"})
"""Steps after which the resource no longer exists."""
NEW_OPS = frozenset({"create", "create-replacement", "import", "import-replacement"})
"""Steps whose resource does not exist before the update."""


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore")
    urn: str
    type: str
    custom: bool = True
    external: bool = False
    id: str | None = None
    parent: str | None = None
    inputs: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    dependencies: list[str] = []
    propertyDependencies: dict[str, list[str]] = {}  # noqa: N815 (Pulumi's field name)
    protect: bool = False
    retainOnDelete: bool = False  # noqa: N815


class _Step(BaseModel):
    model_config = ConfigDict(extra="ignore")
    op: str
    urn: str
    oldState: _State | None = None  # noqa: N815
    newState: _State | None = None  # noqa: N815


class _Digest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    config: dict[str, Any] = {}
    steps: list[_Step]


@dataclass
class PreviewInventories:
    """The stack after and before the previewed update, plus each resource's op."""

    after: Inventory
    before: Inventory
    ops: dict[str, str] = field(default_factory=dict)


def split_urn(urn: str) -> tuple[str, str, str, str]:
    """``urn:pulumi:STACK::PROJECT::PARENT$TYPE::NAME`` -> (stack, project, type, name)."""
    body = urn.removeprefix("urn:pulumi:")
    parts = body.split("::", 3)
    if len(parts) != 4 or not urn.startswith("urn:pulumi:"):
        raise ValueError(f"not a Pulumi URN: {urn!r}")
    stack, project, qualified, name = parts
    return stack, project, qualified.rsplit("$", 1)[-1], name


def _resource(state: _State, names: dict[str, str]) -> Resource:
    deps = {prop: [names[u] for u in urns if u in names]
            for prop, urns in state.propertyDependencies.items()}
    parent = state.parent
    if parent and parent.split("::")[2:3] == [tokens.STACK]:
        parent = None
    known = {k: v for k in IDENTITY_OUTPUTS if k != "id"
             and isinstance(v := state.outputs.get(k), str) and v not in (UNKNOWN, SECRET)}
    return Resource(type=state.type, name=names[state.urn], parent=names.get(parent or ""),
                    inputs=state.inputs, custom=state.custom,
                    retain_on_delete=state.retainOnDelete, protect=state.protect,
                    deps={p: n for p, n in deps.items() if n},
                    id=state.id if state.id and state.id != UNKNOWN else None,
                    outputs=known, urn=state.urn)


def _cloud_and_region(config: dict[str, Any], states: list[_State]) -> tuple[str, str]:
    clouds = [s.type.split(":", 1)[0] for s in states if s.custom
              and s.type.split(":", 1)[0] in ("aws", "gcp")]
    cloud = max(set(clouds), key=clouds.count) if clouds else ""
    region = str(config.get(f"{cloud}:region") or "")
    if not region:
        for s in states:
            if s.type == f"pulumi:providers:{cloud}" and isinstance(s.inputs.get("region"), str):
                region = s.inputs["region"]
                break
    return cloud, region


def _inventory(stack: str, cloud: str, region: str, states: list[_State],
               names: dict[str, str]) -> Inventory:
    resources = [_resource(s, names) for s in states
                 if s.type != tokens.STACK and not s.external]
    return Inventory(stack=stack, cloud=cloud, region=region, resources=resources)


def _unique_names(urns: list[str]) -> dict[str, str]:
    """URN -> resource name; a name used twice gets its type appended."""
    names: dict[str, str] = {}
    seen: set[str] = set()
    for urn in urns:
        _, _, type_, name = split_urn(urn)
        names[urn] = name if name not in seen else f"{name} [{type_}]"
        seen.add(name)
    return names


def preview_inventories(data: Any, path: str, region: str | None = None) -> PreviewInventories:
    """Both inventories of a ``pulumi preview --json`` digest."""
    try:
        digest = _Digest.model_validate(data)
        stacks = {split_urn(step.urn)[0] for step in digest.steps}
    except ValidationError as exc:
        raise invalid_field(path, exc, root="<root>",
                            hint="write the file with `pulumi preview --json > FILE`") from None
    except ValueError as exc:
        raise InputFileError(path, "steps[].urn", str(exc)) from None
    after: dict[str, _State] = {}
    before: dict[str, _State] = {}
    ops: dict[str, str] = {}
    for step in digest.steps:
        if step.newState is not None and step.op not in GONE_OPS:
            after[step.urn] = step.newState
        if step.oldState is not None and step.op not in NEW_OPS:
            before.setdefault(step.urn, step.oldState)
        if step.op not in ("delete-replaced", "create-replacement") or step.urn not in ops:
            ops[step.urn] = step.op
    names = _unique_names(list(dict.fromkeys([*after, *before, *ops])))
    states = [*after.values(), *before.values()]
    cloud, found_region = _cloud_and_region(digest.config, states)
    stack = sorted(stacks)[0] if stacks else ""
    where = region or found_region
    return PreviewInventories(
        after=_inventory(stack, cloud, where, list(after.values()), names),
        before=_inventory(stack, cloud, where, list(before.values()), names),
        ops={names[urn]: op for urn, op in ops.items()})


def load_preview(path: Path, region: str | None = None) -> PreviewInventories:
    """Read a ``pulumi preview --json`` file."""
    data = read_json(path, hint="write the file with `pulumi preview --json > FILE`",
                     show_line=True)
    docs = preview_inventories(data, str(path), region)
    if not docs.after.region and not docs.before.region:
        raise InputFileError(str(path), "config", "no aws:region or gcp:region in the preview",
                             hint="pass --region")
    return docs
