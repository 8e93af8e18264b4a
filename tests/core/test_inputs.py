"""The one reader: limits, encodings, YAML bombs, keys and numbers, each one line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ailab.core.errors import AilabError, InputFileError
from ailab.core.inputs import (
    MAX_ALIASES,
    parse_number,
    read_json,
    read_mapping,
    read_text,
    read_yaml,
)

BOMB = """a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _file(tmp_path: Path, data: str | bytes, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_yaml_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    """72 aliases (under the alias limit) that expand to 9**9 values."""
    start = time.monotonic()
    with pytest.raises(InputFileError, match="expands to more than"):
        read_yaml(_file(tmp_path, BOMB))
    many = "a: &a 1\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(InputFileError, match=f"more than {MAX_ALIASES} alias"):
        read_yaml(_file(tmp_path, many))
    assert time.monotonic() - start < 1.0


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = _file(tmp_path, "base: &b {x: 1}\nuse: *b\n")
    assert read_yaml(path) == {"base": {"x": 1}, "use": {"x": 1}}


@pytest.mark.parametrize(("text", "field", "problem"), [
    ("1: a\n", "1", "keys must be strings"),
    ("a:\n  ? [1, 2]\n  : b\n", "yaml", "not valid YAML"),
    ("a:\n  2024-01-01: b\n", "a.datetime.date(2024, 1, 1)", "keys must be strings"),
    ("a: {b: .inf}\n", "a.b", "inf is not a finite number"),
    ("a: [1, .nan]\n", "a.1", "nan is not a finite number"),
    ("a: [\n", "yaml", "not valid YAML"),
])
def test_yaml_problems_name_the_place(tmp_path: Path, text: str, field: str,
                                      problem: str) -> None:
    with pytest.raises(InputFileError) as err:
        read_yaml(_file(tmp_path, text))
    assert err.value.file_field == field
    assert problem in err.value.message
    assert "\n" not in err.value.message


def test_non_utf8_and_directories_and_size(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"not UTF-8 text \(byte 0xff at offset 3\)"):
        read_text(_file(tmp_path, b"ab:\xff"))
    with pytest.raises(InputFileError, match="is a directory"):
        read_text(tmp_path)
    with pytest.raises(InputFileError, match="cannot read"):
        read_text(tmp_path / "missing.yaml")
    with pytest.raises(InputFileError, match="the limit is"):
        read_text(_file(tmp_path, "x" * 2048), max_bytes=1024)
    assert read_text(_file(tmp_path, "\ufeffa: 1".encode())) == "a: 1"


def test_json_refuses_nan_and_deep_nesting(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="NaN is not a finite number"):
        read_json(_file(tmp_path, '{"a": NaN}', "f.json"))
    with pytest.raises(InputFileError, match="nested deeper"):
        read_json(_file(tmp_path, "[" * 100 + "]" * 100, "f.json"))
    with pytest.raises(InputFileError, match="nested deeper"):
        read_json(_file(tmp_path, "[" * 100000 + "]" * 100000, "f.json"))
    assert read_json(_file(tmp_path, json.dumps({"a": [1.5]}), "f.json")) == {"a": [1.5]}


def test_deep_yaml_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="nested deeper"):
        read_yaml(_file(tmp_path, "[" * 5000 + "]" * 5000))


def test_mapping_required(tmp_path: Path) -> None:
    assert read_mapping(_file(tmp_path, "")) == {}
    with pytest.raises(InputFileError, match="expected a mapping"):
        read_mapping(_file(tmp_path, "- a\n"))


@pytest.mark.parametrize(("value", "kwargs", "problem"), [
    ("inf", {}, "not a finite number"),
    ("nan", {}, "not a finite number"),
    ("1e400", {}, "not a finite number"),
    ("abc", {}, "not a number"),
    ("2.5", {"integer": True}, "not a whole number"),
    ("-1", {"minimum": 0}, "must be >= 0"),
    ("0", {"minimum": 0, "exclusive_minimum": True}, "must be > 0"),
    ("5001", {"maximum": 5000}, "must be <= 5000"),
])
def test_parse_number_refuses(value: str, kwargs: dict, problem: str) -> None:
    with pytest.raises(AilabError) as err:
        parse_number(value, "instance_count", **kwargs)
    assert err.value.field == "instance_count"
    assert problem in err.value.problem


def test_parse_number_accepts() -> None:
    assert parse_number("1e3", "n", integer=True, minimum=1) == 1000.0
    assert parse_number(0.5, "mfu", minimum=0, maximum=1, exclusive_minimum=True) == 0.5
