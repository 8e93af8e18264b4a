"""A commented usage file for a stack (like ``infracost --sync-usage-file``).

Every resource whose price depends on usage gets a key and its fields,
commented out with what they mean, so a user uncomments what they know. Lab
machines that differ only by a number (``cs231-fall-gpu-0`` ... ``-29``) share
one wildcard key when the pattern matches exactly those resources. The result
loads back with ``costs.usage.load_usage`` unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ailab.core.inventory import Inventory, Resource
from ailab.core.tokens import display_name
from ailab.costs.usage import ResourceUsage, matches

_NUMBERED = re.compile(r"^(.*?)(\d+)$")
_EXAMPLE = {"requests": "{get: 0, put: 0}", "hours_per_month": "730",
            "transitions": "{STANDARD_IA: 0}"}
_ORDER = ("hours_per_month", "stored_gb", "requests", "egress_gb", "processed_gb")


def _groups(resources: list[Resource], wildcards: bool) -> list[tuple[str, list[str]]]:
    """(key, names) in stack order: numbered siblings of one type under one pattern."""
    names = [r.name for r in resources]
    by_prefix: dict[tuple[str, str], list[str]] = {}
    for res in resources:
        found = _NUMBERED.match(res.name) if wildcards else None
        key = (found.group(1), res.type) if found else (res.name, res.type)
        by_prefix.setdefault(key, []).append(res.name)
    out: list[tuple[str, list[str]]] = []
    for (prefix, _type), members in by_prefix.items():
        if len(members) < 2:
            out += [(m, [m]) for m in members]
            continue
        for pattern in (prefix + "*", prefix + "[0-9]*"):
            if sorted(matches(pattern, names)) == sorted(members):
                out.append((pattern, members))
                break
        else:
            out += [(m, [m]) for m in members]
    return out


def _field_lines(fields: frozenset[str]) -> list[str]:
    model = ResourceUsage.model_fields
    order = [f for f in (*_ORDER, *model) if f in fields]
    order = list(dict.fromkeys(order))
    width = max(len(f) + len(_EXAMPLE.get(f, "0")) for f in order) + 4
    return [f"  # {f}: {_EXAMPLE.get(f, '0')}".ljust(width + 4)
            + f"  # {model[f].description or ''}" for f in order]


def usage_template(inventory: Inventory, fields_for: Callable[[str], frozenset[str]], *,
                   wildcards: bool = True, generated_at: str = "") -> str:
    """The usage file text for a stack's inventory (``ailab preview``)."""
    stack = inventory.stack
    priced = [r for r in inventory.resources if r.custom and fields_for(r.type)]
    skipped = sum(1 for r in inventory.resources if r.custom) - len(priced)
    out = [f"# Usage for stack {stack}: `ailab preview {stack} --cost --usage FILE`.",
           f"# Written by `ailab cost usage-file {stack}`"
           + (f" at {generated_at}" if generated_at else "") + ".",
           "# Uncomment and set what you know; anything left out is priced from the stack",
           "# config alone (compute at 730 h/month) or shown as \"depends on usage\".",
           "# Keys are resource names or patterns (* ? [0-9]); an exact name overrides a",
           "# pattern, and a longer pattern a shorter one.",
           f"# {skipped} resources have no usage-dependent price and are not listed.", ""]
    types = {r.name: r.type for r in priced}
    for key, members in _groups(priced, wildcards):
        kind = display_name(types[members[0]])
        what = (f"{kind} x {len(members)} ({members[0]} .. {members[-1]})"
                if len(members) > 1 else kind)
        out += [f"# {what}", f"{key}:", *_field_lines(fields_for(types[members[0]])), ""]
    return "\n".join(out)
