"""Policy schema: defaults, the example file, and one-line errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailab.core.errors import InputFileError
from ailab.janitor.config import load_policy
from ailab.janitor.rules import registry
from tests.support import EXAMPLES

EXAMPLE = EXAMPLES / "janitor" / "policy.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    return path


def test_defaults_enable_every_registered_rule() -> None:
    policy = load_policy(None)
    assert set(policy.rules) == set(registry())
    assert policy.mark_delay_days == 3 and policy.final_snapshot


def test_example_policy_is_valid_and_sets_thresholds() -> None:
    policy = load_policy(EXAMPLE)
    assert set(policy.rules) == set(registry())
    assert policy.rules["stopped-instance"].days == 14  # type: ignore[attr-defined]
    assert len(policy.allowlist) == 2


def test_listing_rules_chooses_them(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, "rules:\n  unattached-volume: {days: 1}\n"))
    assert list(policy.rules) == ["unattached-volume"]


def test_unknown_top_level_key_lists_valid_keys(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        load_policy(_write(tmp_path, "grace_hour: 3\n"))
    assert "grace_hour: unknown key; valid keys: grace_hours, mark_delay_days" in str(err.value)


def test_unknown_rule_lists_valid_rules(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        load_policy(_write(tmp_path, "rules:\n  idle-gpu: {}\n"))
    assert "rules.idle-gpu: unknown rule; valid rules: expired, idle-gpu-instance" in str(
        err.value)


def test_unknown_rule_parameter_lists_its_parameters(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        load_policy(_write(tmp_path, "rules:\n  idle-gpu-instance: {cpu: 3}\n"))
    message = str(err.value)
    assert "rules.idle-gpu-instance.cpu: unknown key; valid keys: cpu_max_percent" in message
    assert "\n" not in message


def test_bad_values_and_nested_keys(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"rules.old-snapshot.days: .*greater than"):
        load_policy(_write(tmp_path, "rules:\n  old-snapshot: {days: -1}\n"))
    with pytest.raises(InputFileError, match=r"allowlist.0.tag: unknown key; valid keys: id, "
                                             r"name, tags"):
        load_policy(_write(tmp_path, "allowlist:\n  - tag: {a: b}\n"))
    with pytest.raises(InputFileError, match="not valid YAML"):
        load_policy(_write(tmp_path, "rules: [\n"))
    with pytest.raises(InputFileError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")
