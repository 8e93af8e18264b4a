"""Domain errors for ailab.

Every error a user can cause is one of these. Library code raises them; the
CLI turns them into a single line (``error: <message>``) plus a hint, and an
exit code, instead of a traceback. Keep messages to one line that names the
field, the bad value and what is allowed.
"""

from __future__ import annotations


class AilabError(Exception):
    """Base class: a problem the user can fix, reported as one line."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(AilabError):
    """A stack config key is missing, unknown, malformed or inconsistent."""

    def __init__(self, key: str, value: object, allowed: str, hint: str | None = None) -> None:
        shown = "<missing>" if value is _MISSING else repr(value)
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
        self.field = field


class EstimateError(AilabError):
    """A cost model was asked something it cannot answer (bad flag combination)."""


class WorkloadError(AilabError):
    """A workload template or its parameters are invalid for SkyPilot."""


class JanitorError(AilabError):
    """The janitor could not scan or act (credentials, region, policy)."""


class PolicyViolationError(AilabError):
    """Mandatory guardrail policies failed."""

    exit_code = 1


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()
MISSING: object = _MISSING
"""Sentinel for ConfigError when a required key is absent."""
