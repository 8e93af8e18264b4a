"""Running the command tree: one exit code for every way a command can end.

- ``AilabError`` (bad input, a violation, a held lease): one line, its code.
- click usage errors: click's message, 2.
- a missing optional dependency: one line naming the extra to install, 2.
- Ctrl-C: 130.
- anything else is a bug: one line, the traceback written to a file under the
  user log folder, 70.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from ailab.cli import common
from ailab.cli.options import hoist_globals, rewrite_deprecated
from ailab.core.errors import AilabError, ExitCode, MissingExtraError

EXTRAS: dict[str, str] = {
    "pulumi": "aws",  # any Pulumi program; gcp brings it too
    "pulumi_aws": "aws",
    "pulumi_policy": "aws",
    "boto3": "aws",
    "botocore": "aws",
    "pulumi_gcp": "gcp",
    "google": "gcp",
    "sky": "sky",
    "moto": "sky",
}
"""Top-level module -> the optional dependency group that installs it."""


def missing_extra(exc: ModuleNotFoundError) -> MissingExtraError | None:
    """The one-line error for an optional module that is not installed."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None:
        return None
    return MissingExtraError(
        f"this command needs {top}, which comes with the `{extra}` extra",
        hint=f"pip install 'ailab[{extra}]' (or uv tool install 'ailab[{extra}]'; "
             "'ailab[all]' installs every extra)")


def crash_report(exc: BaseException, argv: Sequence[str]) -> Path | None:
    """Write the full traceback to a file; its path (None when even that fails)."""
    from ailab import __version__
    from ailab.core.paths import user_log_dir

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        folder = user_log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{stamp}-{os.getpid()}.txt"
        path.write_text(f"ailab {__version__}, Python {sys.version.split()[0]}\n"
                        f"argv: {list(argv)}\n\n"
                        + "".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return path


def run(app: typer.Typer, argv: Sequence[str], command: Any = None) -> int:
    """Run ``ailab ARGV`` and return its exit code (``command``: the click command
    Typer builds from ``app``, passed in by callers that run many commands)."""
    from ailab.core.project import set_project_dir

    common.SETTINGS.quiet = common.SETTINGS.no_color = False
    set_project_dir(None)
    command = command or typer.main.get_command(app)
    args = hoist_globals(rewrite_deprecated(command, argv, common.warn))
    try:
        result = command.main(args=args, prog_name="ailab", standalone_mode=False)
    except AilabError as exc:
        return _report(exc)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # click's usage errors: bad flag, missing argument
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        else:
            typer.echo(f"error: {exc.format_message()}", err=True)
        return ExitCode.USAGE
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("error: interrupted", err=True)
        return 130
    except ModuleNotFoundError as exc:
        extra = missing_extra(exc)
        if extra is None:
            return _internal(exc, argv)
        return _report(extra)
    except BrokenPipeError:
        _quiet_stdout()
        return ExitCode.OK
    except Exception as exc:  # noqa: BLE001 - a bug: one line and a traceback file
        return _internal(exc, argv)
    if result == 130:  # Typer turns Ctrl-C inside a command into exit code 130
        typer.echo("error: interrupted", err=True)
    return result if isinstance(result, int) else ExitCode.OK


def _report(exc: AilabError) -> int:
    try:
        common.fail(exc)
    except SystemExit as done:
        return int(done.code or 0)
    return int(exc.exit_code)


def _internal(exc: BaseException, argv: Sequence[str]) -> int:
    path = crash_report(exc, argv)
    where = f"; full traceback in {path}" if path else ""
    first = str(exc).splitlines()[0] if str(exc) else ""
    typer.echo(f"error: internal error ({type(exc).__name__}: {first[:200]}){where}; "
               "please report it", err=True)
    return ExitCode.INTERNAL


def _quiet_stdout() -> None:
    """After the reader of a pipe went away (``| head``), stop Python's flush error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
