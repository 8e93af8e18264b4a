"""The shared registry: duplicates are bugs, unknown names list the valid ones."""

from __future__ import annotations

import pytest

from ailab.core.errors import AilabError
from ailab.core.registry import Registry


def test_register_get_and_unknown_names() -> None:
    reg: Registry[str, int] = Registry("janitor rule")
    reg.add("b", 2)
    reg.register("a")(1)
    assert reg.keys() == ["b", "a"] and reg.get("a") == 1 and "b" in reg
    with pytest.raises(AilabError) as err:
        reg.get("c", field="rules")
    assert err.value.message == "rules: unknown janitor rule 'c'; valid: a, b"
    with pytest.raises(ValueError, match="registered twice"):
        reg.add("a", 3)
