"""Domain errors and exit codes.

Every error a user can cause is one of these. Library code raises them; the
CLI turns them into a single line (``error: <message>``) plus a hint, and an
exit code, instead of a traceback. Messages name the *field* (an argument of
the library call, a config key, a field of an input file), never a CLI flag:
the CLI maps fields to its own flags (``gpu`` -> ``--gpu``), so the same error
reads right from Python, from a plan file and from the command line.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a command's exit status means (documented in the README)."""

    OK = 0
    FAILED = 1
    """A mandatory policy violation, or a run that partly failed (reported)."""
    USAGE = 2
    """Bad input or usage: nothing was done, nothing was written."""
    BUSY = 3
    """Another janitor run holds the lease for this account/region or project/zone."""
    INTERNAL = 70
    """A bug in ailab: one line on stderr, the traceback in a file (EX_SOFTWARE)."""


class AilabError(Exception):
    """Base class: a problem the user can fix, reported as one line.

    ``field`` names what was wrong (an argument such as ``gpu`` or ``params``);
    ``problem`` is the message without it. ``message`` is ``"<field>: <problem>"``
    when a field is given, so library callers see the field too.
    """

    exit_code: int = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None, *,
                 field: str | None = None) -> None:
        field = _clip(field, _FIELD_LIMIT) if field else field
        message = _clip(message, _MESSAGE_LIMIT)
        self.field = field
        self.problem = message
        self.message = f"{field}: {message}" if field else message
        self.hint = hint
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ConfigError(AilabError):
    """A stack config key is missing, unknown, malformed or inconsistent."""

    def __init__(self, key: str, value: object, allowed: str, hint: str | None = None) -> None:
        shown = "<missing>" if value is _MISSING else _short_repr(value)
        super().__init__(f"{key}: {shown} is not valid; {allowed}", hint)
        self.key = key
        self.value = value
        self.allowed = allowed


class StackNotFoundError(AilabError):
    """No stacks/Pulumi.<name>.yaml for the requested stack."""


class CatalogError(AilabError):
    """The price catalog cannot answer: unknown GPU, instance type or region."""


class CatalogRefreshError(AilabError):
    """Live price sources could not be reached or parsed."""


class InputFileError(AilabError):
    """A plan, scenario, usage, policy or results file is unreadable or invalid."""

    def __init__(self, path: str, field: str, problem: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: {field}: {problem}", hint)
        self.path = path
        self.file_field = field


class OutputPathError(AilabError):
    """An output file cannot be written where it was asked for (checked before any work)."""


class EstimateError(AilabError):
    """A cost model was asked something it cannot answer (bad value or combination)."""


class WorkloadError(AilabError):
    """A workload template or its parameters are invalid for SkyPilot."""


class JanitorError(AilabError):
    """The janitor could not scan or act (credentials, region, policy)."""


class LeaseHeldError(JanitorError):
    """Another janitor run holds the lease: nothing was done."""

    exit_code = ExitCode.BUSY


class MissingExtraError(AilabError):
    """An optional dependency group is not installed (``pip install 'ailab[aws]'``)."""


class PolicyViolationError(AilabError):
    """Mandatory guardrail policies failed."""

    exit_code = ExitCode.FAILED


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()
MISSING: object = _MISSING
"""Sentinel for ConfigError when a required key is absent."""

_REPR_LIMIT = 80
_FIELD_LIMIT = 120
_MESSAGE_LIMIT = 400
"""An error is one readable line whatever the input: a 5,000-character key or a
list of every region is cut, never printed whole."""


def _clip(text: str, limit: int) -> str:
    """One line (every line break a space: \\n, \\r, \\x85, \\u2028...) of at most ``limit``."""
    lines = str(text).splitlines()
    text = " ".join(lines) if len(lines) > 1 else str(text).rstrip("\r\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short_repr(value: object) -> str:
    """A value as it appears in a one-line error: never longer than a line."""
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."
