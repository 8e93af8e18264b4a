"""Shared fixtures for the cost-model tests."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

Cli = Callable[[list[str]], tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Run the ``ailab`` console-script entry point in-process: exit code, stdout, stderr."""

    def run(args: list[str]) -> tuple[int, str, str]:
        from ailab.cli import main

        monkeypatch.setattr(sys, "argv", ["ailab", *args])
        with pytest.raises(SystemExit) as exc:
            main()
        captured = capsys.readouterr()
        code = exc.value.code
        status = code if isinstance(code, int) else 0 if code is None else 1
        return status, captured.out, captured.err

    return run
