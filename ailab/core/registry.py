"""A small registry of named plugins: guardrails, janitor rules and actions, pricing rules.

Like SkyPilot's ``CLOUD_REGISTRY`` and Cloud Custodian's ``PluginRegistry``:
the registry module never imports its plugins. Plugin modules import the
registry and register themselves; the package ``__init__`` (or an explicit
list) imports the plugin modules, so the import graph has no cycle. An unknown
name fails with one line that lists the valid ones.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

from ailab.core.errors import AilabError

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Registry(Generic[K, T]):
    """Named items of one kind, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[K, T] = {}

    def add(self, key: K, item: T) -> T:
        """Register ``item`` under ``key``; a second registration is a programming error."""
        if key in self._items:
            raise ValueError(f"{self.kind} {key!r} registered twice")
        self._items[key] = item
        return item

    def register(self, key: K) -> Callable[[T], T]:
        """Decorator form of ``add``."""
        def wrap(item: T) -> T:
            return self.add(key, item)
        return wrap

    def get(self, key: K, field: str | None = None) -> T:
        """The item, or one ``AilabError`` naming ``field`` and listing the valid keys."""
        if key not in self._items:
            valid = ", ".join(sorted(str(k) for k in self._items))
            raise AilabError(f"unknown {self.kind} {key!r}; valid: {valid}", field=field)
        return self._items[key]

    def find(self, key: K) -> T | None:
        return self._items.get(key)

    def keys(self) -> list[K]:
        return list(self._items)

    def items(self) -> list[tuple[K, T]]:
        return list(self._items.items())

    def values(self) -> list[T]:
        return list(self._items.values())

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
