"""The janitor's config: which rules run, their thresholds, what is off limits, and
where the run lease and mark ledger live.

A YAML file read through ``ailab.core.inputs`` and checked by pydantic (unknown
keys rejected, valid keys listed); without a file every registered rule runs
with its defaults.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ailab.core.errors import InputFileError
from ailab.core.inputs import read_mapping
from ailab.janitor.records import Resource
from ailab.janitor.rules import RuleParams, registry


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AllowEntry(_Strict):
    """Never touch what matches: an exact id, a name glob, or tag globs (all must match)."""

    id: str | None = None
    name: str | None = None
    tags: dict[str, str] | None = None

    def matches(self, res: Resource) -> bool:
        if self.id is None and self.name is None and not self.tags:
            return False
        if self.id is not None and self.id != res.id:
            return False
        if self.name is not None and not fnmatch.fnmatchcase(res.name, self.name):
            return False
        return all(key in res.tags and fnmatch.fnmatchcase(res.tags[key], pattern)
                   for key, pattern in (self.tags or {}).items())


class LabBuckets(_Strict):
    """Which S3 buckets are lab buckets (only their incomplete uploads are touched)."""

    tag_key: str = "ailab:stack"
    names: list[str] = Field(default_factory=list)


class LeaseSettings(_Strict):
    """Where each scope's lease and mark ledger object lives (see ``ledger``).

    ``clean --yes`` needs the bucket of every cloud it cleans; scans read the
    ledger when a bucket is set (to tell genuine marks from forged ones).
    """

    s3_bucket: str | None = None
    gcs_bucket: str | None = None
    prefix: str = "ailab-janitor/"
    ttl_minutes: int = Field(default=60, ge=5, le=24 * 60)


class PolicyFile(_Strict):
    """The schema of a janitor config YAML file."""

    grace_hours: float = Field(24.0, ge=0)
    mark_delay_days: int = Field(3, ge=0)
    mark_max_age_days: int = Field(14, ge=1)
    final_snapshot: bool = True
    allowlist: list[AllowEntry] = Field(default_factory=list)
    lab_buckets: LabBuckets = Field(default_factory=LabBuckets)
    lease: LeaseSettings = Field(default_factory=LeaseSettings)
    rules: dict[str, dict[str, Any] | None] | None = None


@dataclass
class Policy:
    """A checked policy: the file's settings plus the enabled rules' parameters."""

    grace_hours: float = 24.0
    mark_delay_days: int = 3
    mark_max_age_days: int = 14
    final_snapshot: bool = True
    allowlist: list[AllowEntry] = field(default_factory=list)
    lab_buckets: LabBuckets = field(default_factory=LabBuckets)
    lease: LeaseSettings = field(default_factory=LeaseSettings)
    rules: dict[str, RuleParams] = field(default_factory=dict)
    source: str = "built-in defaults"

    def allowed(self, res: Resource) -> AllowEntry | None:
        return next((entry for entry in self.allowlist if entry.matches(res)), None)


def default_policy() -> Policy:
    """Every registered rule with its default thresholds."""
    return Policy(rules={name: cls.Params() for name, cls in registry().items()})


def load_policy(path: str | Path | None) -> Policy:
    """Read and check a policy file; None gives the defaults."""
    if path is None:
        return default_policy()
    shown = str(path)
    raw = read_mapping(Path(path))
    try:
        checked = PolicyFile.model_validate(raw)
    except ValidationError as exc:
        raise _one_line(shown, exc, PolicyFile, ()) from None
    if checked.mark_max_age_days <= checked.mark_delay_days:
        raise InputFileError(shown, "mark_max_age_days", f"must be greater than "
                             f"mark_delay_days ({checked.mark_delay_days}), or no mark "
                             "would ever be due")
    return Policy(grace_hours=checked.grace_hours, mark_delay_days=checked.mark_delay_days,
                  mark_max_age_days=checked.mark_max_age_days,
                  final_snapshot=checked.final_snapshot, allowlist=checked.allowlist,
                  lab_buckets=checked.lab_buckets, lease=checked.lease,
                  rules=_rule_params(shown, checked.rules), source=shown)


def _rule_params(path: str,
                 rules: dict[str, dict[str, Any] | None] | None) -> dict[str, RuleParams]:
    known = registry()
    if rules is None:
        return {name: cls.Params() for name, cls in known.items()}
    params: dict[str, RuleParams] = {}
    for name, values in rules.items():
        if name not in known:
            raise InputFileError(path, f"rules.{name}", "unknown rule; valid rules: "
                                 + ", ".join(known))
        try:
            params[name] = known[name].Params.model_validate(values or {})
        except ValidationError as exc:
            raise _one_line(path, exc, known[name].Params, ("rules", name)) from None
    return params


def _one_line(path: str, exc: ValidationError, model: type[BaseModel],
              prefix: tuple[str, ...]) -> InputFileError:
    """The first validation error as one line; unknown keys list the valid ones."""
    err = exc.errors()[0]
    loc = tuple(str(part) for part in err["loc"])
    where = ".".join(prefix + loc) or "file"
    if err["type"] == "extra_forbidden":
        valid = _fields_at(model, loc[:-1])
        return InputFileError(path, where, "unknown key; valid keys: " + ", ".join(valid))
    return InputFileError(path, where, err["msg"])


def _fields_at(model: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    """Field names of the (nested) model found by following loc from model."""
    current: Any = model
    for part in loc:
        if part.isdigit() or not hasattr(current, "model_fields"):
            continue
        info = current.model_fields.get(part)
        if info is None:
            break
        annotation = info.annotation
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                current = candidate
                break
            for inner in getattr(candidate, "__args__", ()):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    current = inner
    return list(getattr(current, "model_fields", {}))

