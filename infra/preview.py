"""Preview a lab stack offline: its config, validated, run under the recording engine.

The same program ``pulumi up`` runs (``infra.program.build``) declares the
resources; ``ailab.preview.engine`` answers the engine calls locally and
records the inventory that pricing, guardrails and summaries read.

The program never declares its provider: Pulumi's engine makes a *default
provider* from the stack's ``aws:*`` / ``gcp:*`` config and records it in
``pulumi preview --json`` as ``pulumi:providers:<cloud>`` named
``default_<version>``. The mocks never see it, so ``default_provider`` adds the
same record here; that is where the provider check (``infra.provider_check``)
and the guardrails read the billing project and user-project override.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.preview.engine import run_program, tree_order

PROVIDER_TOKENS = {"aws": tokens.PROVIDER_AWS, "gcp": tokens.PROVIDER_GCP}


def default_provider(cloud: str, raw: dict[str, str]) -> Resource:
    """The default provider the engine builds from the stack's ``<cloud>:`` keys."""
    from importlib.metadata import version

    release = version(f"pulumi-{cloud}")
    inputs: dict[str, Any] = {key.split(":", 1)[1]: value for key, value in sorted(raw.items())
                              if key.startswith(f"{cloud}:")}
    inputs["version"] = release
    return Resource(type=PROVIDER_TOKENS[cloud], name="default_" + release.replace(".", "_"),
                    inputs=inputs, custom=True)


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
    resources.append(default_provider(spec.cloud, raw))
    return Inventory(stack=name, cloud=spec.cloud, region=spec.region,
                     resources=tree_order(resources))


def inventory_json(inv: Inventory) -> str:
    """The inventory as the JSON document ``ailab preview --json`` prints."""
    return json.dumps(inv.to_json(), indent=2)
