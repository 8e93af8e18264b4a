"""Render ``Pulumi.yaml`` from the config key table, so the documented keys and
defaults can never drift from what the program accepts.

``python -m ailab.infra.project_file > Pulumi.yaml`` regenerates it; a test compares.
"""

from __future__ import annotations

import yaml

from ailab.infra.keys import ALL_KEYS

HEADER = """\
# ailab: GPU/TPU lab environments. Generated from infra/keys.py by
# `python -m ailab.infra.project_file > Pulumi.yaml`; edit the key table, not this file.
# Stacks live in stacks/Pulumi.<stack>.yaml. Provider keys: aws:region (AWS labs),
# gcp:project / gcp:region / gcp:zone / gcp:billingProject / gcp:userProjectOverride
# (GCP labs). The program is __main__.py at the project root (no `main`): Pulumi
# starts the program and the Python dynamic provider in the same directory, so both
# use the virtualenv named below (uv sync creates it there).
"""

RUNTIME_OPTIONS = {"toolchain": "uv", "virtualenv": ".venv"}
"""``virtualenv`` is resolved against the project root by the language host and
against the program directory by the dynamic-provider launcher
(``pulumi-resource-pulumi-python``); with the program at the root both are the
root, and ``.venv`` is where ``uv sync`` puts the environment (beside uv.lock)."""


def project_document() -> dict:
    """The Pulumi.yaml document: runtime (uv, explicit virtualenv), stack folder, config.
    No ``main``: the program directory is the project root (see RUNTIME_OPTIONS)."""
    config: dict[str, dict] = {}
    for key in ALL_KEYS.values():
        entry: dict = {"type": key.type, "description": key.description}
        if key.type == "array":
            entry["items"] = {"type": key.items}
        if not key.required:
            entry["default"] = key.default
        config[f"ailab:{key.name}"] = entry
    return {
        "name": "ailab",
        "description": "GPU/TPU lab environments for AI compute (AWS and GCP).",
        "runtime": {"name": "python", "options": dict(RUNTIME_OPTIONS)},
        "stackConfigDir": "stacks",
        "config": config,
    }


def render() -> str:
    """Pulumi.yaml text."""
    return HEADER + yaml.safe_dump(project_document(), sort_keys=False, width=100)


if __name__ == "__main__":
    print(render(), end="")
