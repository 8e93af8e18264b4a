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
# gcp:project / gcp:region / gcp:zone (GCP labs).
"""


def project_document() -> dict:
    """The Pulumi.yaml document: runtime, program folder, stack folder, config."""
    config: dict[str, dict] = {}
    for key in ALL_KEYS.values():
        entry: dict = {"type": key.type, "description": key.documented}
        if key.type == "array":
            entry["items"] = {"type": key.items}
        if not key.required:
            entry["default"] = key.default
        config[f"ailab:{key.name}"] = entry
    return {
        "name": "ailab",
        "description": "GPU/TPU lab environments for AI compute (AWS and GCP).",
        "runtime": {"name": "python", "options": {"toolchain": "uv"}},
        "main": "infra/",
        "stackConfigDir": "stacks",
        "config": config,
    }


def render() -> str:
    """Pulumi.yaml text."""
    return HEADER + yaml.safe_dump(project_document(), sort_keys=False, width=100)


if __name__ == "__main__":
    print(render(), end="")
