"""Tables that fit the terminal.

Columns say what they hold, and that decides how they give way when the
table is wider than the terminal:

- ``text`` (descriptions, evidence, remediation) wraps at spaces and gives up
  width first;
- ``name`` (resource, instance and stack names, types) wraps only after ``-``,
  ``.``, ``/``, ``_``, ``:`` or ``@``, never inside a token such as
  ``p4de.24xlarge``, and gives up width last;
- ``id`` (cloud ids, ARNs) folds anywhere once it must;
- ``num`` (money, counts) is right-aligned and never wraps.

The width is the terminal's; when stdout is not a terminal, ``$COLUMNS`` or 80
(rich's rule), never a forced width.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

Kind = Literal["text", "name", "id", "num"]

_TOKEN = re.compile(r"[^-./_:@\s]+[-./_:@]*\s*|[-./_:@\s]+")
_TEXT_MIN_CAP = 16
_NAME_MIN_CAP = 24
_TEXT_COMFORT = 24
_NAME_COMFORT = 12
_STAGES: tuple[tuple[tuple[str, ...], int], ...] = (
    (("text",), 1), (("name", "id"), 1), (("text",), 0), (("name", "id"), 0))
"""Who gives up width, in order, and down to which bound (1: comfortable, 0: least)."""


@dataclass(frozen=True)
class Col:
    """A column: its header and what it holds."""

    header: str
    kind: Kind = "text"


def tokens(text: str) -> list[str]:
    """``p4de.24xlarge`` -> ``["p4de.", "24xlarge"]``; the pieces a name may break between."""
    return _TOKEN.findall(text) or [text]


def wrap_name(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken between tokens; a token longer
    than the width (a long id inside a name) is folded as a last resort."""
    width = max(1, width)
    lines: list[str] = []
    line = ""
    for part in (p for line_ in text.splitlines() or [""] for p in tokens(line_)):
        if len(line) + len(part.rstrip()) <= width:
            line += part
            continue
        if line:
            lines.append(line.rstrip())
        while len(part.rstrip()) > width:
            lines.append(part[:width])
            part = part[width:]
        line = part
    lines.append(line.rstrip())
    return lines


class Breakable:
    """A rich renderable for names: wraps between tokens, never inside one."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        longest = max((len(t.rstrip()) for t in tokens(self.text)), default=0)
        return Measurement(min(longest, _NAME_MIN_CAP), max(len(self.text), 1))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n".join(wrap_name(self.text, options.max_width)), no_wrap=True,
                   overflow="fold")


def _bounds(kind: Kind, cells: Sequence[str]) -> tuple[int, int, int]:
    """(least, comfortable, natural) width of a column's cells."""
    natural = max((len(line) for c in cells for line in c.splitlines() or [""]), default=1)
    if kind == "num":
        return natural, natural, natural
    if kind == "id":
        least = min(natural, 12)
        return least, least, natural
    if kind == "name":
        longest = max((len(t.rstrip()) for c in cells for t in tokens(c)), default=1)
        least = min(longest, _NAME_MIN_CAP)
        return least, min(natural, max(least, _NAME_COMFORT)), natural
    longest = max((len(w) for c in cells for w in c.split()), default=1)
    least = min(longest, _TEXT_MIN_CAP)
    return least, min(natural, max(least, _TEXT_COMFORT)), natural


def column_widths(kinds: Sequence[Kind], bounds: Sequence[tuple[int, int, int]],
                  available: int) -> list[int]:
    """Natural widths, shrunk until the table fits: descriptions to a comfortable
    width first, then names (between tokens), then both to their least; below that
    only as a last resort (folding the widest column)."""
    widths = [natural for _least, _comfort, natural in bounds]
    excess = sum(widths) - available
    for stage_kinds, which in _STAGES:
        floors = [b[which] for b in bounds]
        while excess > 0:
            slack = [(w - f) if k in stage_kinds else 0
                     for w, f, k in zip(widths, floors, kinds, strict=True)]
            best = max(range(len(widths)), key=lambda i: slack[i])
            if slack[best] <= 0:
                break
            widths[best] -= 1
            excess -= 1
    while excess > 0:  # last resort: fold the widest column that can still give
        best = max(range(len(widths)), key=lambda i: widths[i])
        if widths[best] <= 4:
            break
        widths[best] -= 1
        excess -= 1
    return widths


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def build_table(title: str | None, columns: Sequence[str | Col], rows: Iterable[Sequence[Any]],
                width: int) -> Table:
    """A rich table whose columns fit ``width`` characters."""
    cols = [c if isinstance(c, Col) else Col(c) for c in columns]
    cells = [[_cell(v) for v in row] for row in rows]
    kinds = [c.kind for c in cols]
    bounds = [_bounds(c.kind, [c.header, *(row[i] for row in cells)])
              for i, c in enumerate(cols)]
    overhead = 3 * len(cols) + 1  # padding 1+1 per column, separators, two edges
    widths = column_widths(kinds, bounds, max(len(cols), width - overhead))
    table = Table(title=title, header_style="bold", title_justify="left")
    for col, w in zip(cols, widths, strict=True):
        table.add_column(col.header, width=w, overflow="fold",
                         justify="right" if col.kind == "num" else "left",
                         no_wrap=col.kind == "num")
    for row in cells:
        table.add_row(*_renderables(cols, row))
    return table


def _renderables(cols: Sequence[Col], row: Sequence[str]) -> Iterator[Any]:
    for col, value in zip(cols, row, strict=True):
        yield Breakable(value) if col.kind == "name" else Text(value)
