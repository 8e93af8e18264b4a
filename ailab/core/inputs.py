"""The one reader of input files: every problem is one ``InputFileError`` line.

Stack configs, plans, scenarios, usage files, janitor configs, calibration and
results files, stack outputs and ``pulumi preview --json`` documents all come
through here, so they share one set of limits and one wording:

- a size limit (``MAX_BYTES``) checked before reading, and a clear line for a
  directory, a missing file or an unreadable one;
- UTF-8 text (a byte-order mark is allowed), or the offset of the first bad byte;
- YAML through a safe loader that refuses more than ``MAX_ALIASES`` alias
  references (a kilobyte "billion laughs" file expands to gigabytes), JSON
  without ``NaN``/``Infinity``;
- every mapping key a string, every number finite, nesting at most
  ``MAX_DEPTH`` deep, each problem named by its dotted path in the file.

Numbers typed on a command line go through ``parse_number`` for the same rules.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ailab.core.errors import AilabError, InputFileError

MAX_BYTES = 16 * 2**20
"""Largest input file read (16 MiB): far above any plan, config or preview document."""
MAX_ALIASES = 100
"""YAML alias references allowed in one document."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted."""
MAX_NODES = 1_000_000
"""Values a YAML document may expand to once its aliases are resolved."""


def read_text(path: Path, *, max_bytes: int = MAX_BYTES, hint: str | None = None) -> str:
    """The file's text, refused with one line when it is missing, too big or not UTF-8."""
    where = str(path)
    try:
        if path.is_dir():
            raise InputFileError(where, "file", "is a directory, not a file", hint)
        size = path.stat().st_size
        if size > max_bytes:
            raise InputFileError(where, "file", f"is {size / 2**20:.1f} MiB; the limit is "
                                 f"{max_bytes / 2**20:g} MiB", hint)
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(where, "file", f"cannot read: {exc.strerror or exc}", hint) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(where, "file", f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} "
                             f"at offset {exc.start})", hint) from None


def read_json(path: Path, hint: str | None = None, show_line: bool = False,
              max_bytes: int = MAX_BYTES) -> Any:
    """Parse a JSON file; bad JSON, NaN/Infinity or deep nesting is one line."""
    text = read_text(path, max_bytes=max_bytes, hint=hint)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        where = f", line {exc.lineno}" if show_line else ""
        raise InputFileError(str(path), "json", f"not valid JSON ({exc.msg}{where})",
                             hint=hint) from None
    except ValueError as exc:
        problem = f"a number is too long: {_digits(exc)}" if "digits" in str(exc) else str(exc)
        raise InputFileError(str(path), "json", problem, hint=hint) from None
    except RecursionError:
        raise InputFileError(str(path), "json", f"nested deeper than {MAX_DEPTH} levels",
                             hint=hint) from None
    check_plain(data, str(path), hint)
    return data


def _digits(exc: ValueError) -> str:
    """Python's refusal of a huge integer, as ``5000 digits; the limit is 4300``."""
    found = re.search(r"limit \((\d+) digits\).*?value has (\d+) digits", str(exc))
    return f"{found.group(2)} digits; the limit is {found.group(1)}" if found else str(exc)


def read_yaml(path: Path, hint: str | None = None, max_bytes: int = MAX_BYTES) -> Any:
    """Parse a YAML file safely (aliases limited, string keys, finite numbers)."""
    text = read_text(path, max_bytes=max_bytes, hint=hint)
    try:
        data = yaml.load(text, Loader=_LimitedLoader)  # noqa: S506 - a SafeLoader subclass
    except _TooManyAliases:
        raise InputFileError(str(path), "yaml", f"more than {MAX_ALIASES} alias references "
                             "(&anchor/*alias); write the values out", hint=hint) from None
    except _TooLarge:
        raise InputFileError(str(path), "yaml", f"expands to more than {MAX_NODES:,} values "
                             "through its aliases", hint=hint) from None
    except ValueError as exc:  # PyYAML's int(): a number of more than 4,300 digits
        raise InputFileError(str(path), "yaml", f"a number is too long: {_digits(exc)}",
                             hint=hint) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputFileError(str(path), "yaml", f"not valid YAML ({problem}{line})",
                             hint=hint) from None
    except RecursionError:
        raise InputFileError(str(path), "yaml", f"nested deeper than {MAX_DEPTH} levels",
                             hint=hint) from None
    check_plain(data, str(path), hint)
    return data


def read_mapping(path: Path, hint: str | None = None) -> dict[str, Any]:
    """A YAML file that must hold a mapping (an empty file is an empty mapping)."""
    data = read_yaml(path, hint)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputFileError(str(path), "file", "expected a mapping of fields", hint)
    return data


def check_plain(data: Any, path: str, hint: str | None = None) -> None:
    """Refuse non-string keys, non-finite numbers and over-deep nesting, naming where."""
    for where, depth, value in _walk(data):
        if depth > MAX_DEPTH:
            raise InputFileError(path, where or "file", f"nested deeper than {MAX_DEPTH} levels",
                                 hint)
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    raise InputFileError(path, _join(where, repr(key)),
                                         "keys must be strings; quote it", hint)
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputFileError(path, where or "file", f"{value} is not a finite number", hint)


def invalid_field(path: str, exc: ValidationError, hint: str | None = None,
                  root: str = "file") -> InputFileError:
    """The first validation problem, its field as a dotted path (``root`` for the whole file)."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or root
    message = str(err["msg"]).removeprefix("Value error, ")
    return InputFileError(path, field, message[:200], hint=hint)


def parse_number(value: Any, field: str, *, integer: bool = False,
                 minimum: float | None = None, maximum: float | None = None,
                 exclusive_minimum: bool = False,
                 error: type[AilabError] = AilabError) -> float:
    """A finite number in range, or one ``error`` (an ``AilabError``) naming ``field``.

    Used for command-line values and anything else that did not come through a
    pydantic model: ``inf``, ``nan``, ``1e400`` and ``2.5`` where an integer is
    needed are refused instead of hanging a loop or reaching JSON output."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise error(f"{str(value)[:40]!r} is not a number", field=field) from None
    if not math.isfinite(number):
        raise error(f"{value!r} is not a finite number", field=field)
    if integer and not number.is_integer():
        raise error(f"{value!r} is not a whole number", field=field)
    low_bad = minimum is not None and (number <= minimum if exclusive_minimum
                                       else number < minimum)
    if low_bad:
        sign = ">" if exclusive_minimum else ">="
        raise error(f"must be {sign} {minimum:g}, got {value!r}", field=field)
    if maximum is not None and number > maximum:
        raise error(f"must be <= {maximum:g}, got {value!r}", field=field)
    return number


class _TooManyAliases(Exception):
    pass


class _TooLarge(Exception):
    pass


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts alias references and stops past ``MAX_ALIASES``."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _TooManyAliases
        return super().compose_node(parent, index)

    def compose_document(self) -> Any:
        node = super().compose_document()
        sizes: dict[int, int] = {}

        def size(item: Any) -> int:
            if id(item) not in sizes:
                if isinstance(item, yaml.MappingNode):
                    sizes[id(item)] = 1 + sum(size(k) + size(v) for k, v in item.value)
                elif isinstance(item, yaml.SequenceNode):
                    sizes[id(item)] = 1 + sum(size(v) for v in item.value)
                else:
                    sizes[id(item)] = 1
                if sizes[id(item)] > MAX_NODES:
                    raise _TooLarge
            return sizes[id(item)]

        if node is not None:
            size(node)
        return node


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


def _walk(data: Any) -> Iterator[tuple[str, int, Any]]:
    """(dotted path, depth, value) for every value, iteratively (no recursion limit).

    YAML aliases make shared sub-trees; each distinct container is visited once."""
    stack: list[tuple[str, int, Any]] = [("", 0, data)]
    seen: set[int] = set()
    while stack:
        where, depth, value = stack.pop()
        yield where, depth, value
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, dict):
            stack += [(_join(where, str(k)), depth + 1, v) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(_join(where, str(i)), depth + 1, v) for i, v in enumerate(value)]


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
