"""Config values that would make a preview explode are refused, naming the key and the
documented maximum (issue: ``instanceCount: 1e30``, ``clusterNodes: 1e12`` and
``instanceCount: 5000`` hung the preview)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from ailab.core.errors import ConfigError, StackNotFoundError
from ailab.infra.keys import ALL_KEYS, MAX_INTEGER
from ailab.infra.preview import preview_stack
from ailab.infra.project_file import project_document
from ailab.infra.spec import load_spec
from ailab.infra.stacks import load_stack_config, stack_path


@pytest.mark.parametrize(("stack", "key", "value", "shown"), [
    ("aws-gpu-lab", "instanceCount", 5000, "at most 256"),
    ("aws-gpu-lab", "instanceCount", "1e30", "expected a whole number"),
    ("aws-gpu-lab", "instanceCount", 1e30, "expected a whole number"),
    ("aws-h100-cluster", "clusterNodes", 10**12, "at most 2,048"),
    ("aws-h100-cluster", "clusterNodes", "1e12", "expected a whole number"),
    ("gcp-a3-cluster", "clusterNodes", 4096, "at most 2,048"),
    ("gcp-gpu-lab", "machineCount", 10**6, "at most 256"),
    ("gcp-tpu-lab", "tpuCount", 65, "at most 64"),
    ("aws-spot-pool", "poolMax", 10**9, "at most 1,000"),
    ("aws-gpu-lab", "dataVolumeGb", 10**400, "expected a whole number"),
    ("aws-gpu-lab", "autoStopMinutes", 10**10, f"at most {MAX_INTEGER:,}"),
    ("aws-gpu-lab", "budgetThresholds", [50] * 6, "at most 5 items"),
    ("aws-gpu-lab", "publicSubnetCidrs", [f"10.20.{i}.0/24" for i in range(5000)],
     "at most 16 items"),
    ("aws-gpu-lab", "budgetThresholds", [10**30], "at most"),
])
def test_counts_past_the_maximum_are_one_line_errors(stack: str, key: str, value: Any,
                                                     shown: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ConfigError) as exc:
        preview_stack(stack, overrides={f"ailab:{key}": value})
    assert time.perf_counter() - start < 2
    assert exc.value.key == f"ailab:{key}"
    message = str(exc.value)
    assert shown in message and "\n" not in message and len(message) < 300


def test_the_largest_documented_counts_are_accepted() -> None:
    raw = load_stack_config("aws-gpu-lab")
    raw.update({"ailab:instanceCount": "256", "ailab:budgetThresholds": "[10, 20, 50, 80, 100]"})
    spec = load_spec(raw, "aws-gpu-lab")
    assert spec.aws is not None and spec.aws.instances is not None
    assert spec.aws.instances.count == 256


def test_pulumi_yaml_documents_every_maximum() -> None:
    config = project_document()["config"]
    for key in ALL_KEYS.values():
        text = config[f"ailab:{key.name}"]["description"]
        if key.maximum is not None:
            assert f"at most {key.maximum:,}" in text
        if key.max_items is not None:
            assert f"at most {key.max_items} items" in text


@pytest.mark.parametrize("name", ["../etc/passwd", "a\x00b", "x" * 5000, "", "-rf"])
def test_stack_names_are_checked_before_any_path_is_built(name: str) -> None:
    with pytest.raises(StackNotFoundError):
        stack_path(name)
