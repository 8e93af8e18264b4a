"""Hostile input files for the property tests of every entry point.

A generated file is one of:

- a valid example with a few values replaced by hostile ones (huge, negative,
  zero, tiny, non-finite, wrong type, 1e30 as text, deep nesting) or deleted,
  or with an unknown key added; written as YAML or JSON;
- the four classes issue 18 names, explicitly: non-UTF-8 bytes, ``inf``/``nan``
  (``.inf``/``.nan`` in YAML, bare ``NaN``/``Infinity`` in JSON), non-string
  keys, and anchor bombs / huge counts;
- random bytes.

``run_cli`` runs the ``ailab`` entry point in this process (no subprocess per
example) and returns its exit code and output; an exception that is not a
``SystemExit`` propagates, i.e. a traceback fails the test.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("AILAB_HOSTILE_EXAMPLES", "500"))
HOSTILE = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=5), derandomize=True,
                   database=None, print_blob=False,
                   phases=[Phase.explicit, Phase.generate, Phase.shrink]
                   if not os.environ.get("AILAB_HOSTILE_NO_SHRINK") else [Phase.generate],
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.function_scoped_fixture,
                                          HealthCheck.filter_too_much])
"""500 examples each (AILAB_HOSTILE_EXAMPLES to change), derandomized for CI, at most
5 s per example: no input may take longer than a few seconds."""

HUGE_NUMBERS = [10**30, -(10**30), 10**400, 2**63, 2**64 + 1, 1e308, -1e308, 1e-308, 5e-324,
                0, -1, -0.0, 0.5, 1, 3, 5000, 10**12, 10**9 + 1]
NUMBER_TEXT = ["1e30", "1e400", "inf", "-inf", "nan", "NaN", "Infinity", ".inf", "1_000",
               "0x10", "", " ", "12abc", "1e-400", "-0"]


def hostile_values(depth: int = 2) -> st.SearchStrategy[Any]:
    """A value no input model should trust."""
    scalars = st.one_of(
        st.sampled_from(HUGE_NUMBERS), st.sampled_from(NUMBER_TEXT),
        st.floats(allow_nan=True, allow_infinity=True), st.integers(),
        st.text(max_size=30), st.booleans(), st.none(), st.just("x" * 5000))
    if depth == 0:
        return scalars
    inner = hostile_values(depth - 1)
    return st.one_of(scalars, st.lists(inner, max_size=4),
                     st.dictionaries(st.text(max_size=8), inner, max_size=3))


def doc_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a document (mapping keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += doc_paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out += doc_paths(value, (*prefix, i))
    return out


def _edit(doc: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    doc = json.loads(json.dumps(doc))
    node = doc
    for part in path[:-1]:
        node = node[part]
    last = path[-1]
    if action == "delete":
        del node[last]
    elif action == "add" and isinstance(node, dict):
        node[f"{last}_unknown"] = value
    else:
        node[last] = value
    return doc


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with one to three values replaced, deleted or an unknown key added."""
    doc = base
    for _ in range(draw(st.integers(1, 3))):
        paths = doc_paths(doc)
        if not paths:
            return doc
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add"]))
        doc = _edit(doc, path, action, draw(hostile_values()))
    return doc


def dump(doc: Any, as_json: bool) -> bytes:
    """YAML (``.inf``/``.nan`` for non-finite floats) or JSON (bare NaN/Infinity)."""
    if as_json:
        return json.dumps(doc, allow_nan=True).encode()
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode()


def anchor_bomb(levels: int) -> bytes:
    """The billion-laughs YAML: each level references the previous one nine times."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return ("\n".join(lines) + "\n").encode()


NAMED_CLASSES: list[bytes] = [
    b"name: caf\xe9\n", b"\x80\x81\x82", b"\xff\xfe\x00n\x00a\x00m\x00e",  # non-UTF-8
    b"x: .inf\n", b"x: .nan\n", b'{"x": NaN}', b'{"x": -Infinity}',  # inf / nan
    b"1: a\n", b"? [a, b]\n: c\n", b"null: x\n",  # non-string keys
    anchor_bomb(9), b"a: " + b"[" * 200 + b"]" * 200 + b"\n",  # anchor bomb, deep nesting
]
"""The four classes of issue 18, each refused (exit 2) by every file entry point."""

SPECIAL_FILES: list[bytes] = [
    b"\xff\xfe\x00n\x00a\x00m\x00e", b"name: caf\xe9\n", "name: café\n".encode("latin-1"),
    b"\x80\x81\x82", b"", b"\x00\x00\x00",
    b"x: .inf\n", b"x: .nan\n", b"x: -.inf\n", b'{"x": NaN}', b'{"x": Infinity}',
    b'{"x": -Infinity}', b"x: 1e400\n",
    b"1: a\n", b"? [a, b]\n: c\n", b"{1.5: x}\n", b"null: x\n", b"true: 1\n",
    anchor_bomb(9), anchor_bomb(4), b"a: &a [*a]\n", b"a: " + b"[" * 200 + b"]" * 200 + b"\n",
    b"- " * 100 + b"x\n", b"x: " + b"9" * 5000 + b"\n", b"count: 1e30\n",
    b"%YAML 1.1\n---\n!!python/object/apply:os.system [echo hi]\n",
    b"--- a\n--- b\n", b"<<: *missing\n", b"[1, 2, 3]\n", b"just a string\n",
]
"""The classes named in issue 18, written out: non-UTF-8, non-finite numbers,
non-string keys, anchor bombs and huge counts, plus other shapes readers trip on."""


def hostile_files(base: Any, json_only: bool = False) -> st.SearchStrategy[bytes]:
    """File contents: mostly ``base`` mutated; also the special files and random bytes."""
    docs = mutated(base).map(lambda d: d)
    formats = st.just(True) if json_only else st.booleans()
    return st.one_of(
        st.tuples(docs, formats).map(lambda pair: dump(pair[0], pair[1])),
        st.tuples(docs, formats).map(lambda pair: dump(pair[0], pair[1])),
        st.tuples(docs, formats).map(lambda pair: dump(pair[0], pair[1])),
        st.sampled_from(SPECIAL_FILES),
        st.tuples(docs, formats).map(lambda p: dump(p[0], p[1]).replace(b":", b":\xc3", 1)),
        st.binary(max_size=200))


@functools.lru_cache(maxsize=1)
@functools.cache
def _command() -> Any:
    """The ``ailab`` app as the click command Typer builds on every call (once here:
    building it is most of a short command's time)."""
    import typer.main

    from ailab.cli import app

    return typer.main.get_command(app)


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """Run the ``ailab`` entry point in-process (``runner.run`` over the app's command,
    as ``ailab.cli.main`` does): exit code, stdout, stderr."""
    from ailab.cli import app
    from ailab.cli.runner import run

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["ailab", *args]
    code: int = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(app, args, _command())
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def _no_constant(name: str) -> Any:
    raise AssertionError(f"{name} in JSON output")


def check_outcome(code: int, out: str, err: str, json_out: bool = True) -> None:
    """0 with finite JSON, 1 (policy/partial) or 2 with one ``error:`` line (or click's
    usage block with its one ``Error:`` line); never a traceback or an internal error."""
    assert "Traceback" not in err and "Traceback" not in out, err[-2000:]
    assert code in (0, 1, 2), (code, err[-500:])
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith(("error: ", "Error: "))]
        assert len(errors) == 1, err[:500]
        assert len(errors[0]) <= 600, errors[0][:200]
        if lines[0].startswith("error: "):  # ailab's own line (else click's usage block)
            assert all(line.startswith(("error: ", "hint: ", "warning: ")) for line in lines), \
                err
    if code == 0 and json_out:
        doc = json.loads(out, parse_constant=_no_constant)
        _finite(doc)


def _finite(doc: Any) -> None:
    if isinstance(doc, float):
        assert math.isfinite(doc)
    elif isinstance(doc, dict):
        for value in doc.values():
            _finite(value)
    elif isinstance(doc, list):
        for value in doc:
            _finite(value)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


Check = Callable[[bytes], None]
