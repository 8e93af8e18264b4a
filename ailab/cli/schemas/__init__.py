"""The JSON documents the CLI prints, as pydantic models, and their JSON Schemas.

Every ``--json`` document is an envelope (``schema``, ``schema_version``,
``generated_at``, ``currency``) around a command's fields. The models here
describe them; ``python -m ailab.cli.schemas docs/schemas`` writes one JSON
Schema file per document, and the tests regenerate them, compare them with the
committed files and validate real command output against them.

A version goes up when a document changes incompatibly (a field removed,
renamed or retyped); new fields are additions and keep the version.
"""

from __future__ import annotations

VERSIONS: dict[str, int] = {
    "accelerators": 1,
    "bench-report": 1,
    "catalog": 1,
    "catalog-refresh": 1,
    "compare": 1,
    "cost": 1,
    "cost-breakdown": 1,
    "cost-diff": 1,
    "doctor": 1,
    "estimate-serve": 1,
    "estimate-storage": 1,
    "estimate-train": 1,
    "janitor-report": 1,
    "launch": 1,
    "policy-rules": 1,
    "preview": 1,
    "workloads": 1,
}


def schema_version(name: str) -> int:
    """The version of a document's schema; an unknown name is a bug."""
    return VERSIONS[name]
