"""Preview a lab stack offline: its config, validated, run under the recording engine.

The same program ``pulumi up`` runs (``infra.program.build``) declares the
resources; ``ailab.preview.engine`` answers the engine calls locally and
records the inventory that pricing, guardrails and summaries read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ailab.core.inventory import Inventory
from ailab.preview.engine import run_program, tree_order


def preview_stack(name: str, stacks_dir: Path | None = None,
                  overrides: dict[str, Any] | None = None) -> Inventory:
    """Validate a stack's config and record every resource its program declares."""
    from ailab.infra.config import stack_file_values
    from ailab.infra.spec import load_spec
    from ailab.infra.stacks import load_stack_config

    raw = load_stack_config(name, stacks_dir)
    if overrides:
        raw.update(stack_file_values(overrides))
    spec = load_spec(raw, name)
    # The program imports the provider SDKs (seconds): only once the config is valid.
    from ailab.infra.program import build

    resources = run_program(lambda: build(spec), stack=name, region=spec.region, raw_config=raw)
    return Inventory(stack=name, cloud=spec.cloud, region=spec.region,
                     resources=tree_order(resources))


def inventory_json(inv: Inventory) -> str:
    """The inventory as the JSON document ``ailab preview --json`` prints."""
    return json.dumps(inv.to_json(), indent=2)
