"""On a terminal: colour unless NO_COLOR/--no-color, progress on stderr unless --quiet;
piped: no colour, no progress, $COLUMNS or 80 columns (never a forced width).

Terminals are real pseudo-terminals (``pty``), one for stdout and one for stderr.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys

import pytest

from tests.support import ROOT

COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;[25])[;m]")
TRAIN = ["estimate", "train", "--params", "7e9", "--tokens", "2e12", "--gpu", "H100", "--gpus",
         "64", "--limit", "3"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs pty")


def _read(fd: int) -> bytes:
    out = b""
    while select.select([fd], [], [], 0.2)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def run_tty(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run ailab with stdout and stderr on two pseudo-terminals (80 columns)."""
    out_master, out_slave = pty.openpty()
    err_master, err_slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    full_env.update({"TERM": "xterm-256color", "COLUMNS": "100"}, **(env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "ailab.cli.__main__", *args], cwd=ROOT,
                            stdout=out_slave, stderr=err_slave, stdin=subprocess.DEVNULL,
                            env=full_env)
    os.close(out_slave)
    os.close(err_slave)
    out, err = b"", b""
    while proc.poll() is None:
        out += _read(out_master)
        err += _read(err_master)
    out += _read(out_master)
    err += _read(err_master)
    os.close(out_master)
    os.close(err_master)
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def test_terminal_gets_colour_and_progress() -> None:
    code, out, err = run_tty(TRAIN)
    assert code == 0
    assert COLOUR.search(out) or "\x1b[1m" in out, "no styling on a terminal"
    assert "pricing 64 x H100" in err, "no progress on a terminal"


def test_no_color_and_quiet_on_a_terminal() -> None:
    code, out, err = run_tty(TRAIN, {"NO_COLOR": "1"})
    assert code == 0 and not COLOUR.search(out)
    code, out, err = run_tty([*TRAIN, "--no-color", "--quiet"])
    assert code == 0 and not COLOUR.search(out)
    assert "pricing" not in err


def test_piped_output_is_plain_80_columns_without_progress() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run([sys.executable, "-m", "ailab.cli.__main__", *TRAIN], cwd=ROOT,
                          capture_output=True, text=True, env=env, check=True)
    assert "\x1b[" not in proc.stdout and "\x1b[" not in proc.stderr
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80
    assert "pricing" not in proc.stderr
