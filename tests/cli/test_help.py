"""Every help page has examples, and every example parses against the real command.

The command tree is read from the app itself (every group and command Typer
builds), so a new command without examples, or an example that names a flag
the command does not have, fails here.
"""

from __future__ import annotations

import shlex
from typing import Any

import pytest
import typer

from ailab.cli import app
from ailab.cli.options import DEPRECATED, leaf_command
from tests.conftest import Cli


def _walk(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        out += _walk(sub, (*path, name))
    return out


ROOT = typer.main.get_command(app)
COMMANDS = _walk(ROOT)


def _examples(help_text: str) -> list[str]:
    _, _, tail = help_text.partition("Examples:")
    lines = []
    for raw in tail.splitlines():
        line = raw.strip()
        if not line:
            if lines:
                break
            continue
        lines.append(line)
    return lines


def _ailab_args(line: str) -> list[str]:
    """The ailab invocation inside an example line (after `&&`, before `>` or `#`)."""
    words = shlex.split(line, comments=True)
    for sep in ("&&", "|"):
        if sep in words:
            parts = " ".join(words).split(f" {sep} ")
            words = next(shlex.split(p) for p in parts if p.startswith(("ailab", "AWS_")))
    while words and "=" in words[0] and not words[0].startswith("-"):
        words = words[1:]  # VAR=value before the command
    assert words and words[0] == "ailab", line
    return [w for w in words[1:] if w not in (">", ">>")][: _redirect(words[1:])]


def _redirect(words: list[str]) -> int:
    return next((i for i, w in enumerate(words) if w in (">", ">>")), len(words))


@pytest.mark.parametrize(("path", "command"), COMMANDS,
                         ids=[" ".join(p) or "ailab" for p, _ in COMMANDS])
def test_help_has_examples_that_parse(cli: Cli, path: tuple[str, ...], command: Any) -> None:
    code, out, err = cli([*path, "--help"])
    assert code == 0, err
    examples = _examples(out)
    assert examples, f"`ailab {' '.join(path)} --help` has no Examples section"
    if getattr(command, "commands", None):
        return  # groups list examples of their commands
    mine = [e for e in examples if e.startswith("ailab") or " ailab " in e or "&& ailab" in e]
    assert mine, examples
    for line in mine:
        args = _ailab_args(line)
        leaf = leaf_command(ROOT, args)
        rest = args[len(path):] if leaf is command else None
        if rest is None:
            continue  # an example of a neighbouring command (comment's base/head runs)
        assert not any(a.partition("=")[0] in DEPRECATED for a in rest), line
        ctx = command.make_context(" ".join(["ailab", *path]), list(rest))
        ctx.close()


def test_completion_is_installed_on_the_root(cli: Cli) -> None:
    code, out, _ = cli(["--help"])
    assert code == 0 and "--install-completion" in out and "--show-completion" in out


def test_every_command_mentions_the_global_options(cli: Cli) -> None:
    for path, command in COMMANDS:
        if getattr(command, "commands", None):
            continue
        code, out, _ = cli([*path, "--help"])
        assert "--quiet, --no-color, --project-dir" in " ".join(out.split()), path
