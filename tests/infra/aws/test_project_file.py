"""Pulumi.yaml documents every config key, with the defaults the program uses."""

from __future__ import annotations

import yaml

from ailab.infra.keys import ALL_KEYS
from ailab.infra.project_file import render
from tests.support import ROOT


def test_pulumi_yaml_is_generated_from_the_key_table() -> None:
    assert (ROOT / "Pulumi.yaml").read_text() == render(), \
        "regenerate: python -m ailab.infra.project_file > Pulumi.yaml"


def test_pulumi_yaml_shape() -> None:
    doc = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert doc["runtime"]["name"] == "python"
    assert "main" not in doc, "the program directory is the project root"
    assert doc["runtime"]["options"] == {"toolchain": "uv", "virtualenv": ".venv"}
    assert doc["stackConfigDir"] == "stacks"
    for name, key in ALL_KEYS.items():
        entry = doc["config"][f"ailab:{name}"]
        assert entry["description"]
        assert entry["type"] in ("string", "integer", "boolean", "array")
        if not key.required:
            assert entry["default"] == key.default


def test_stack_files_use_only_documented_keys() -> None:
    for path in (ROOT / "stacks").glob("Pulumi.*.yaml"):
        config = yaml.safe_load(path.read_text())["config"]
        for key in config:
            namespace, name = key.split(":", 1)
            assert namespace in ("ailab", "aws", "gcp"), key
            if namespace == "ailab":
                assert name in ALL_KEYS, f"{path.name}: {key}"
