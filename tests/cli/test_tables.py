"""Tables fit the terminal, and names break only between tokens."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from ailab.cli.tables import Col, build_table, tokens, wrap_name
from tests.conftest import Cli

TOKEN = st.text(alphabet="abcdefgh0123456789", min_size=1, max_size=12)
SEP = st.sampled_from(["-", ".", "/", "_", ":", "@"])


@st.composite
def names(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.tuples(TOKEN, SEP), min_size=1, max_size=8))
    return "".join(t + s for t, s in parts) + draw(TOKEN)


def _aligned(fragment: str, name: str) -> bool:
    """A line of a wrapped name is whole tokens (or a piece of one token longer than
    the column, which is the only case allowed to fold)."""
    cuts = {0}
    pos = 0
    for tok in tokens(name):
        pos += len(tok)
        cuts.add(pos)
    start = name.find(fragment)
    return start >= 0 and start in cuts and (start + len(fragment)) in cuts


@settings(max_examples=300, deadline=None)
@given(name=names(), width=st.integers(min_value=4, max_value=40))
def test_wrap_name_breaks_between_tokens(name: str, width: int) -> None:
    lines = wrap_name(name, width)
    assert "".join(lines) == name
    assert all(len(line) <= width for line in lines)
    longest = max(len(t) for t in tokens(name))
    if longest <= width:
        cuts = {sum(len(t) for t in tokens(name)[:i]) for i in range(len(tokens(name)) + 1)}
        breaks = {sum(len(line) for line in lines[:i]) for i in range(len(lines) + 1)}
        assert breaks <= cuts, lines


def _render(rows: list[tuple[str, ...]], width: int) -> list[str]:
    buf = io.StringIO()
    console = Console(file=buf, width=width, no_color=True)
    console.print(build_table("t", [Col("type", "name"), Col("name", "name"),
                                    Col("monthly", "num"), Col("how", "text")], rows, width))
    return buf.getvalue().splitlines()


def _cells(lines: list[str], column: int) -> list[str]:
    return [line.split("│")[column + 1].strip() for line in lines if line.count("│") >= 5]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_table_fits_and_names_stay_whole(width: int) -> None:
    rows = [("aws.cloudwatch.MetricAlarm", "aws-gpu-lab-autostop-0", "$0.10",
             "alarm: 1 alarm-month x $0.1 " * 3),
            ("aws.ec2.Instance", "cs231-fall-p4de.24xlarge-node-17", "$23,614.04",
             "p4de.24xlarge on-demand: 730 instance-h x $32.3472"),
            ("aws.efs.FileSystem", "aws-gpu-lab-fs-efs", "depends on usage", "efs")]
    lines = _render(rows, width)
    assert max(len(line) for line in lines) <= width
    for column, values in ((0, [r[0] for r in rows]), (1, [r[1] for r in rows])):
        for fragment in (c for c in _cells(lines, column) if c and c not in ("type", "name")):
            assert any(_aligned(fragment, v) for v in values), (fragment, lines)
    assert all("$23,614.04" in "".join(lines) for _ in [0])


@pytest.mark.parametrize("width", [80, 120])
def test_real_tables_fit_at_80_and_120_columns(cli: Cli, width: int) -> None:
    code, out, _ = cli(["catalog", "show", "--gpu", "A100-80GB", "--limit", "40"], width=width)
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    code, js, _ = cli(["catalog", "show", "--gpu", "A100-80GB", "--json"])
    instances = {r["instance_type"] for r in json.loads(js)["rows"][:40]}
    for fragment in (c for c in _cells(lines, 1) if c and c != "instance"):
        assert any(_aligned(fragment, i) for i in instances), fragment
    code, out, _ = cli(["preview", "aws-gpu-lab", "--cost"], width=width)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= width


def test_free_rows_hide_behind_all_with_a_count(cli: Cli) -> None:
    code, out, _ = cli(["preview", "aws-gpu-lab", "--cost"])
    assert code == 0
    hidden = int(out.split(" free resources not shown (--all shows them)")[0].split()[-1])
    assert hidden > 10 and "aws-gpu-lab-net-vpc" not in out
    code, out, _ = cli(["preview", "aws-gpu-lab", "--cost", "--all"])
    assert code == 0 and "aws-gpu-lab-net-vpc" in out and "not shown" not in out
    free_rows = sum(1 for line in out.splitlines() if " free │" in line)
    assert free_rows == hidden
