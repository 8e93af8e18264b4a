"""Property tests over stack configs: any invalid value is one ConfigError line
naming the key, through ``load_spec`` and through ``ailab preview``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailab.core.errors import AilabError, ConfigError
from ailab.infra.keys import ALL_KEYS
from ailab.infra.spec import load_spec
from ailab.infra.stacks import list_stacks, load_stack_config, stack_path

STACKS = list_stacks()
FAST = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
NOT_INT = st.one_of(st.just("ten"), st.just("1.5"), st.just(""), st.just("[1]"))
NOT_BOOL = st.one_of(st.just("yes"), st.just("1"), st.just(""), st.just("True!"))
NOT_LIST = st.one_of(st.just("a, b"), st.just("{\"a\": 1}"), st.just("[unclosed"),
                     st.just("42"))


def _wrong_value(draw: Any, key: str) -> str:
    kind = ALL_KEYS[key].type
    if kind == "integer":
        return str(draw(NOT_INT))
    if kind == "boolean":
        return str(draw(NOT_BOOL))
    return str(draw(NOT_LIST))


@pytest.mark.parametrize("stack", STACKS)
@FAST
@given(data=st.data())
def test_wrong_typed_key_names_that_key(stack: str, data: st.DataObject) -> None:
    raw = load_stack_config(stack)
    typed = sorted(k for k, v in ALL_KEYS.items() if v.type != "string")
    key = data.draw(st.sampled_from(typed), label="key")
    raw[f"ailab:{key}"] = _wrong_value(data.draw, key)
    with pytest.raises(ConfigError) as info:
        load_spec(raw, stack)
    assert info.value.key == f"ailab:{key}"
    assert "\n" not in info.value.message


@pytest.mark.parametrize("stack", STACKS)
@FAST
@given(data=st.data())
def test_any_value_is_accepted_or_one_line(stack: str, data: st.DataObject) -> None:
    raw = load_stack_config(stack)
    key = data.draw(st.sampled_from(sorted(ALL_KEYS)), label="key")
    raw[f"ailab:{key}"] = data.draw(st.one_of(
        st.text(max_size=20), st.integers(-10**6, 10**6).map(str),
        st.lists(st.text(max_size=8), max_size=3).map(lambda v: yaml.safe_dump(v).strip())),
        label="value")
    try:
        load_spec(raw, stack)
    except ConfigError as exc:
        assert "\n" not in exc.message
        assert exc.key.startswith(("ailab:", "aws:", "gcp:"))
    except AilabError as exc:  # any other domain error is still one line
        assert "\n" not in exc.message


@pytest.mark.parametrize("stack", STACKS)
@FAST
@given(name=st.from_regex(r"[a-z][a-zA-Z]{3,12}", fullmatch=True))
def test_unknown_key_is_refused(stack: str, name: str) -> None:
    raw = load_stack_config(stack)
    if name in ALL_KEYS:
        return
    raw[f"ailab:{name}"] = "1"
    with pytest.raises(ConfigError) as info:
        load_spec(raw, stack)
    assert info.value.key == f"ailab:{name}"


@pytest.mark.parametrize(("key", "value"), [
    ("ailab:owner", None), ("ailab:sshCidr", "0.0.0.0/0"), ("ailab:expires", "tomorrow"),
])
def test_cli_reports_one_line_and_writes_nothing(tmp_path: Path, key: str, value: Any) -> None:
    doc = yaml.safe_load(stack_path("aws-gpu-lab").read_text())
    if value is None:
        doc["config"].pop(key)
    else:
        doc["config"][key] = value
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump(doc))
    proc = subprocess.run([sys.executable, "-m", "ailab.cli.__main__", "preview", "bad",
                           "--stacks-dir", str(tmp_path), "--policy"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0].startswith(f"error: {key}:")
    assert [p.name for p in tmp_path.iterdir()] == ["Pulumi.bad.yaml"]
