"""The program as `pulumi up` runs it: the project root's __main__.py run as a
script, its config read from the engine's environment (PULUMI_CONFIG), not from
stack files."""

from __future__ import annotations

import json
import runpy

import pulumi
import pytest

from ailab.infra.config import stack_file_values
from ailab.infra.stacks import load_stack_config
from ailab.preview.engine import RecordingMocks, RecordingMonitor, _fresh_loop
from tests.support import ROOT


def run_entry_point(stack: str, config: dict[str, str],
                    monkeypatch: pytest.MonkeyPatch) -> RecordingMonitor:
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    loop, executor, thread_loops = _fresh_loop()
    monitor = RecordingMonitor(RecordingMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project="ailab", stack=stack, preview=True,
                             monitor=monitor)
    pulumi.runtime.set_all_config({})
    try:
        pulumi.runtime.test(lambda: runpy.run_path(str(ROOT), run_name="__main__"))()
    finally:
        executor.shutdown(wait=True)
        for each in [*thread_loops, loop]:
            each.close()
    return monitor


def test_entry_point_builds_the_stack_from_engine_config(monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monitor = run_entry_point("aws-gpu-lab", load_stack_config("aws-gpu-lab"), monkeypatch)
    types = [r.type for r in monitor.records]
    assert "ailab:aws:Lab" in types
    assert types.count("aws:ec2/instance:Instance") == 1


def test_entry_point_turns_bad_config_into_a_clean_run_error(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    config = load_stack_config("aws-gpu-lab") | stack_file_values({"ailab:instanceCount": 0})
    with pytest.raises(pulumi.RunError, match=r"^ailab:instanceCount: 0 is not valid; must be 1"):
        run_entry_point("aws-gpu-lab", config, monkeypatch)
