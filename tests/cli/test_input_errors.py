"""Property tests: invalid plan, scenario and janitor policy files give one
AilabError line naming the field, never a traceback, and write nothing.

Invalid documents are made by mutating the shipped examples: a value replaced
by one of the wrong type, an unknown key added, a required key removed.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailab.core.errors import AilabError
from tests.hostile import doc_paths
from tests.support import ROOT

EXAMPLES = ROOT / "examples"


def _load_plan(path: Path) -> Any:
    from ailab.costs.compare import load_plan

    return load_plan(path)


def _load_storage(path: Path) -> Any:
    from ailab.costs.storage_scenario import load_storage_scenario

    return load_storage_scenario(path)


def _load_serve(path: Path) -> Any:
    from ailab.costs.serve_scenario import load_serve_scenario

    return load_serve_scenario(path)


def _load_janitor(path: Path) -> Any:
    from ailab.janitor.config import load_policy

    return load_policy(path)


# (loader, example document, CLI args that read the file)
LOADERS: dict[str, tuple[Callable[[Path], Any], Path, list[str]]] = {
    "plan": (_load_plan, EXAMPLES / "plans" / "research-lab-a100.yaml", ["compare"]),
    "storage": (_load_storage, EXAMPLES / "storage" / "training-data-s3.yaml",
                ["estimate", "storage"]),
    "serve": (_load_serve, EXAMPLES / "serve" / "chat-l4-diurnal.yaml", ["estimate", "serve"]),
    "janitor": (_load_janitor, EXAMPLES / "janitor" / "policy.yaml", ["janitor", "scan",
                                                                        "--config"]),
}

WRONG = st.one_of(st.just({"nested": [1, 2]}), st.just([["x"]]), st.just("not-a-number"),
                  st.integers(-10**9, -1), st.just(None), st.just(True),
                  st.text(min_size=1, max_size=12))


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _leaf_name(path: tuple[Any, ...]) -> str:
    return str([p for p in path if isinstance(p, str)][-1]) if any(
        isinstance(p, str) for p in path) else ""


def _check_error(exc: AilabError, names: list[str]) -> None:
    text = str(exc)
    assert "\n" not in text and text.strip(), text
    assert "Traceback" not in text
    assert any(n in text for n in names), f"{text!r} does not name any of {names}"


def _run(kind: str, doc: Any, tmp: Path) -> AilabError | None:
    loader, example, _ = LOADERS[kind]
    target = tmp / example.name
    target.write_text(yaml.safe_dump(doc, sort_keys=False))
    for extra in example.parent.iterdir():  # data files a scenario may reference
        if extra.suffix == ".csv" and not (tmp / extra.name).exists():
            (tmp / extra.name).write_bytes(extra.read_bytes())
    before = sorted(p.name for p in tmp.iterdir())
    try:
        loader(target)
        error = None
    except AilabError as exc:
        error = exc
    assert sorted(p.name for p in tmp.iterdir()) == before, "the loader wrote files"
    return error


def _example(kind: str) -> Any:
    return yaml.safe_load(LOADERS[kind][1].read_text())


KINDS = [k for k, (_, example, _) in LOADERS.items() if example.is_file()]
FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.mark.parametrize("kind", KINDS)
def test_examples_load(kind: str, tmp_path: Path) -> None:
    assert _run(kind, _example(kind), tmp_path) is None


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(data=st.data())
def test_wrong_typed_value_is_one_line_naming_the_field(kind: str, data: st.DataObject,
                                                        tmp_path_factory: Any) -> None:
    doc = _example(kind)
    path = data.draw(st.sampled_from(doc_paths(doc)), label="path")
    _set(doc, path, data.draw(WRONG, label="value"))
    error = _run(kind, doc, tmp_path_factory.mktemp(kind))
    if error is not None:
        names = [str(p) for p in path if isinstance(p, str)] + ["<root>", "file"]
        _check_error(error, names)


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(data=st.data())
def test_unknown_key_is_refused_by_name(kind: str, data: st.DataObject,
                                        tmp_path_factory: Any) -> None:
    doc = _example(kind)
    mappings = [p for p in [(), *doc_paths(doc)] if isinstance(_get(doc, p), dict)
                and not (p and p[-1] in FREE_FORM)]
    where = data.draw(st.sampled_from(mappings), label="mapping")
    key = data.draw(st.from_regex(r"zz_[a-z]{3,8}", fullmatch=True), label="key")
    _get(doc, where)[key] = 1
    error = _run(kind, doc, tmp_path_factory.mktemp(kind))
    free_form = kind == "janitor" and where[:1] == ("rules",) and len(where) == 1
    assert error is not None, f"unknown key {key!r} at {where} was accepted"
    _check_error(error, [key] if not free_form else [key, "rules"])


FREE_FORM = {"tags"}
"""Mappings whose keys are data (resource tag globs), not schema fields."""


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@pytest.mark.parametrize("kind", KINDS)
@FAST
@given(text=st.one_of(st.just("a: [unclosed"), st.just("- just\n- a list"), st.just("42"),
                      st.just(": : :"), st.binary(max_size=40).map(
                          lambda b: b.decode("latin-1"))))
def test_garbage_files_are_one_line(kind: str, text: str, tmp_path_factory: Any) -> None:
    loader, example, _ = LOADERS[kind]
    tmp = tmp_path_factory.mktemp(kind)
    target = tmp / example.name
    target.write_text(text)
    try:
        loader(target)
    except AilabError as exc:
        assert "\n" not in str(exc)
        assert str(target) in str(exc)
    assert [p.name for p in tmp.iterdir()] == [example.name]


@pytest.mark.parametrize("kind", KINDS)
def test_cli_reports_one_line_without_traceback(kind: str, tmp_path: Path) -> None:
    _, example, args = LOADERS[kind]
    doc = _example(kind)
    doc["zz_unknown"] = 1
    bad = tmp_path / example.name
    bad.write_text(yaml.safe_dump(doc))
    proc = subprocess.run([sys.executable, "-m", "ailab.cli.__main__", *args, str(bad)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode not in (0, 1), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "zz_unknown" in errors[0], proc.stderr
    assert [p.name for p in tmp_path.iterdir()] == [example.name]
