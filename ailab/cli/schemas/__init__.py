"""The JSON documents the CLI prints, as pydantic models, and their JSON Schemas.

Every ``--json`` document is an envelope (``schema``, ``schema_version``,
``generated_at``, ``currency``) around a command's fields. The models in this
package describe them; ``python -m ailab.cli.schemas docs/schemas`` writes one
JSON Schema file per document (``<name>.schema.json``), and the tests
regenerate them, compare them with the committed files and validate real
command output against them.

A version goes up when a document changes incompatibly (a field removed,
renamed or retyped); new fields are additions and keep the version.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

VERSIONS: dict[str, int] = {
    "accelerators": 1,
    "bench-report": 1,
    "catalog": 1,
    "catalog-issues": 1,
    "catalog-refresh": 1,
    "compare": 1,
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
    "usage": 1,
    "workloads": 1,
}

MODELS: dict[str, str] = {
    "accelerators": "estimates:Accelerators",
    "bench-report": "estimates:BenchReport",
    "catalog": "estimates:Catalog",
    "catalog-issues": "estimates:CatalogIssues",
    "catalog-refresh": "estimates:CatalogRefresh",
    "compare": "estimates:Compare",
    "cost-breakdown": "stacks:CostBreakdown",
    "cost-diff": "stacks:CostDiff",
    "doctor": "operations:Doctor",
    "estimate-serve": "estimates:EstimateServe",
    "estimate-storage": "estimates:EstimateStorage",
    "estimate-train": "estimates:EstimateTrain",
    "janitor-report": "operations:JanitorReport",
    "launch": "operations:Launch",
    "policy-rules": "operations:PolicyRules",
    "preview": "stacks:Preview",
    "usage": "operations:Usage",
    "workloads": "operations:Workloads",
}
"""Document name -> ``module:Model`` in this package (imported only when needed)."""

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def schema_version(name: str) -> int:
    """The version of a document's schema; an unknown name is a bug."""
    return VERSIONS[name]


def model(name: str) -> Any:
    module, cls = MODELS[name].split(":")
    return getattr(importlib.import_module(f"ailab.cli.schemas.{module}"), cls)


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of a document, with its name and version pinned."""
    schema = model(name).model_json_schema(by_alias=True, mode="validation")
    props = schema["properties"]
    props["schema"] = {"const": name, "description": props["schema"].get("description", "")}
    props["schema_version"] = {"const": VERSIONS[name],
                               "description": props["schema_version"].get("description", "")}
    return {"$schema": DRAFT, "$id": f"https://ailab.dev/schemas/{name}.schema.json",
            **schema}


def render(name: str) -> str:
    return json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n"


def write_all(folder: Path) -> list[Path]:
    """Write every schema file into ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in sorted(MODELS):
        path = folder / f"{name}.schema.json"
        path.write_text(render(name))
        out.append(path)
    return out
