"""The inventory of a stack: every declared resource as plain data, with one resolver.

An ``Inventory`` is what ``ailab preview`` records under Pulumi's mock engine,
what ``pulumi preview --json`` is translated into, and what CrossGuard hands a
stack policy: type, name, parent, inputs, the options that matter for data
safety, the property dependencies the engine reports, and the identity outputs
(id, ARN, self link, e-mail) other resources may quote. Stack pricing, the
guardrails and the summaries all ask it the same questions:

- resources of a type (``by_type``), by name (``get``/``find``);
- what a property points at (``ref``/``refs``): the recorded dependencies first,
  then the identity outputs quoted in the value; never a naming convention;
- who points at a resource (``referencing``), from a reverse index;
- the component a resource belongs to (``component``).

Every index is built once, when first asked, so a question costs O(1) per
resource however large the stack (``Inventory.lookups`` counts them for tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

IDENTITY_OUTPUTS = ("id", "arn", "selfLink", "email", "bucket", "url", "name")
"""Outputs that identify a resource when another resource quotes them."""


@dataclass
class Resource:
    """One declared resource (custom or component)."""

    type: str
    name: str
    parent: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    custom: bool = True
    retain_on_delete: bool | None = False
    """None where the engine does not say (CrossGuard's analyzer protocol omits it)."""
    protect: bool = False
    deps: dict[str, list[str]] = field(default_factory=dict)
    """Top-level property -> names of the resources its value was built from."""
    id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    """Identity outputs (``IDENTITY_OUTPUTS``) when known."""
    urn: str | None = None

    def get(self, path: str, default: Any = None) -> Any:
        """A nested input by dotted path (``metadataOptions.httpTokens``)."""
        value: Any = self.inputs
        for part in path.split("."):
            if not isinstance(value, Mapping) or part not in value:
                return default
            value = value[part]
        return value

    def tags(self) -> dict[str, str]:
        """AWS tags (map form, or the Auto Scaling list of ``{key, value}``)."""
        raw = self.inputs.get("tags")
        if isinstance(raw, Mapping):
            return {str(k): str(v) for k, v in raw.items()}
        if isinstance(raw, list):
            return {str(t.get("key")): str(t.get("value")) for t in raw
                    if isinstance(t, Mapping) and "key" in t}
        return {}

    def labels(self) -> dict[str, str]:
        """GCP labels."""
        raw = self.inputs.get("labels")
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}

    def identities(self) -> set[str]:
        """Every string another resource could quote to mean this one."""
        found = {self.id} if self.id else set()
        found |= {v for k in IDENTITY_OUTPUTS if isinstance(v := self.outputs.get(k), str) and v}
        return found

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "name": self.name, "parent": self.parent,
                "inputs": self.inputs, "custom": self.custom,
                "retain_on_delete": self.retain_on_delete, "protect": self.protect,
                "dependencies": self.deps, "id": self.id, "outputs": self.outputs}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Resource:
        """A resource from ``to_json``'s shape (missing keys take their defaults)."""
        deps = doc.get("dependencies") or {}
        return cls(type=str(doc["type"]), name=str(doc["name"]), parent=doc.get("parent"),
                   inputs=dict(doc.get("inputs") or {}), custom=bool(doc.get("custom", True)),
                   retain_on_delete=doc.get("retain_on_delete", False),
                   protect=bool(doc.get("protect", False)),
                   deps={str(k): [str(n) for n in v] for k, v in deps.items()},
                   id=doc.get("id"), outputs=dict(doc.get("outputs") or {}), urn=doc.get("urn"))


@dataclass
class Inventory:
    """Everything a stack declares, in a stable order, with indexed look-ups."""

    stack: str
    cloud: str
    region: str
    resources: list[Resource] = field(default_factory=list)
    lookups: int = field(default=0, compare=False)
    """How many index look-ups were answered (tests check work stays O(1) per resource)."""
    _index: _Index | None = field(default=None, init=False, repr=False, compare=False)

    # -- look-ups --------------------------------------------------------------

    def by_type(self, *types: str) -> list[Resource]:
        """Resources of any of ``types``, in inventory order."""
        idx = self._idx()
        if len(types) == 1:
            self.lookups += 1
            return list(idx.by_type.get(types[0], ()))
        self.lookups += len(types)
        wanted = set(types)
        return [r for r in self.resources if r.type in wanted]

    def custom(self) -> list[Resource]:
        """The custom (cloud) resources, without components."""
        return [r for r in self.resources if r.custom]

    def find(self, name: str) -> Resource | None:
        self.lookups += 1
        return self._idx().by_name.get(name)

    def get(self, name: str) -> Resource:
        found = self.find(name)
        if found is None:
            raise KeyError(name)
        return found

    def refs(self, res: Resource, prop: str, *types: str) -> list[Resource]:
        """Resources that ``res``'s input ``prop`` was built from (optionally of ``types``).

        Recorded dependencies answer first; values that quote another resource's
        identity (an id, ARN or self link known before the run) answer when the
        engine recorded none."""
        idx = self._idx()
        self.lookups += 1
        names = res.deps.get(prop)
        found = ([idx.by_name[n] for n in names if n in idx.by_name] if names
                 else [idx.by_identity[s] for s in _strings(res.inputs.get(prop))
                       if s in idx.by_identity])
        unique = list({id(r): r for r in found if r is not res}.values())
        return [r for r in unique if not types or r.type in types]

    def ref(self, res: Resource, prop: str, *types: str) -> Resource | None:
        """The one resource ``res``'s ``prop`` points at (the first, if several)."""
        found = self.refs(res, prop, *types)
        return found[0] if found else None

    def referencing(self, target: Resource, prop: str, *types: str) -> list[Resource]:
        """Resources (of ``types``) whose ``prop`` points at ``target``: a reverse index."""
        self.lookups += 1
        found = self._idx().referrers(self, target.name, prop)
        return [r for r in found if not types or r.type in types]

    def component(self, res: Resource) -> str | None:
        """The nearest component (non-custom) ancestor's name: what totals group by."""
        self.lookups += 1
        return self._idx().component.get(res.name)

    def children(self, name: str) -> list[Resource]:
        self.lookups += 1
        return list(self._idx().children.get(name, ()))

    # -- plumbing ---------------------------------------------------------------

    def _idx(self) -> _Index:
        if self._index is None or self._index.size != len(self.resources):
            self._index = _Index(self.resources)
        return self._index

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "cloud": self.cloud, "region": self.region,
                "resources": [r.to_json() for r in self.resources]}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Inventory:
        return cls(stack=str(doc.get("stack", "")), cloud=str(doc.get("cloud", "")),
                   region=str(doc.get("region", "")),
                   resources=[Resource.from_json(r) for r in doc.get("resources") or []])


class _Index:
    """The maps every look-up uses, built in one pass (plus one for the reverse index)."""

    def __init__(self, resources: list[Resource]) -> None:
        self.size = len(resources)
        self.by_name: dict[str, Resource] = {}
        self.by_type: dict[str, list[Resource]] = {}
        self.by_identity: dict[str, Resource] = {}
        self.children: dict[str, list[Resource]] = {}
        for res in resources:
            self.by_name.setdefault(res.name, res)
            self.by_type.setdefault(res.type, []).append(res)
            if res.parent:
                self.children.setdefault(res.parent, []).append(res)
            for ident in res.identities():
                self.by_identity.setdefault(ident, res)
        self.component = {r.name: c for r in resources if (c := self._component(r)) is not None}
        self._referrers: dict[tuple[str, str], list[Resource]] | None = None

    def _component(self, res: Resource) -> str | None:
        parent, seen = res.parent, 0
        while parent and seen < 1000:
            found = self.by_name.get(parent)
            if found is None:
                return parent
            if not found.custom:
                return found.name
            parent, seen = found.parent, seen + 1
        return None

    def referrers(self, inv: Inventory, target: str, prop: str) -> list[Resource]:
        if self._referrers is None:
            self._referrers = {}
            for res in inv.resources:
                for name in _props(res):
                    for ref in inv.refs(res, name):
                        self._referrers.setdefault((ref.name, name), []).append(res)
        return self._referrers.get((target, prop), [])


def _props(res: Resource) -> Iterable[str]:
    return dict.fromkeys([*res.deps, *res.inputs])


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a nested input value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
