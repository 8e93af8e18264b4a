"""The README's commands are real: each ``ailab`` line parses against the command
tree, uses no deprecated spelling, and writes nowhere but ``out/`` (ignored)."""

from __future__ import annotations

import re
import shlex

import pytest
import typer

from ailab.cli import app
from ailab.cli.options import DEPRECATED, leaf_command
from tests.support import ROOT

README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```bash\n(.*?)```", README, re.S)
LINES = [line for block in BLOCKS for line in block.replace("\\\n", " ").splitlines()
         if "ailab " in line and not line.lstrip().startswith("#")]
WRITES = ("-o", "--output", "--chart", "--html", ">")


def _invocations(line: str) -> list[list[str]]:
    out = []
    for part in re.split(r"&&|\|", line):
        words = shlex.split(part, comments=True)
        while words and "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]
        if words and words[0] == "ailab":
            out.append(words[1:])
    return out


def test_the_readme_has_commands() -> None:
    assert len(LINES) > 40


@pytest.mark.parametrize("line", LINES)
def test_readme_command_parses_and_writes_only_under_out(line: str) -> None:
    root = typer.main.get_command(app)
    for args in _invocations(line):
        redirect = next((i for i, w in enumerate(args) if w in (">", ">>")), len(args))
        target = args[redirect + 1] if redirect < len(args) else None
        args = args[:redirect]
        command = leaf_command(root, args)
        depth = 0
        node = root
        for word in args:
            subs = getattr(node, "commands", None)
            if subs is None or word not in subs:
                break
            node, depth = subs[word], depth + 1
        rest = args[depth:]
        assert not [a for a in rest if a.partition("=")[0] in DEPRECATED], line
        if "--help" in rest or rest[:1] == ["--install-completion"]:
            continue
        ctx = command.make_context("ailab", list(rest))
        ctx.close()
        written = [rest[i + 1] for i, w in enumerate(rest[:-1]) if w in WRITES]
        written += [target] if target else []
        for path in written:
            assert path.startswith("out/"), f"{line}: writes {path} outside out/"


def test_the_benchmark_does_not_overwrite_committed_results_by_default() -> None:
    from pathlib import Path

    from ailab.workloads.bench.__main__ import parse_args

    assert parse_args([]).out == Path("out/bench")
