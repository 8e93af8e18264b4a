"""Usage file: the usage-dependent quantities a stack's config cannot say.

YAML keyed by resource name (the names ``ailab preview`` lists), like
Infracost's usage file::

    aws-gpu-lab-data-bucket:
      stored_gb: 2000
      requests: {get: 5000000, put: 200000}
      egress_gb: 100
    aws-gpu-lab-gpu-0:
      hours_per_month: 160
    aws-h100-cluster-net-nat:
      processed_gb: 500
    aws-spot-pool-data-bucket:
      monitored_objects: 1000000          # Intelligent-Tiering / Autoclass objects >= 128 KB
      transitions: {INTELLIGENT_TIERING: 20000}   # lifecycle moves per month, by target class
      noncurrent_gb: 50                   # versions kept by versioning
    cs231-fall-gpu-*:                     # every lab machine at once
      hours_per_month: 120

Keys are resource names or, like Infracost's ``[*]``, shell-style patterns
(``*``, ``?``, ``[0-9]``). A resource takes its fields from every key that
matches it: patterns first, the less specific (fewer literal characters) before
the more specific, then its exact name, each overriding the fields it sets.

Fields are checked (pydantic, unknown fields refused); ``check_usage`` then
refuses names the stack does not declare, patterns that match nothing and
fields a resource's pricing rule does not read, so a typo never silently prices
nothing. ``usage_for``, ``usage_for_each`` and ``usage_for_pair`` turn a file
into per-resource usage for one stack, for several inventories at once, or for
two stacks compared (``ailab diff``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError

from ailab.core.errors import InputFileError
from ailab.core.inputs import read_mapping
from ailab.core.inventory import Inventory, Resource
from ailab.costs.scenario_io import field_path

MAX_HOURS_PER_MONTH = 744.0
"""A 31-day month."""
MAX_QUANTITY = 1e12
"""Largest monthly quantity taken (GB, requests): a trillion keeps every price finite."""


class Requests(BaseModel):
    """Object-storage requests per month."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    get: float | None = Field(None, ge=0, le=MAX_QUANTITY)
    put: float | None = Field(None, ge=0, le=MAX_QUANTITY)


def _quantity(description: str) -> Any:
    """An optional monthly quantity: non-negative, finite, at most MAX_QUANTITY."""
    return Field(None, ge=0, le=MAX_QUANTITY, description=description)


TransitionClass = Literal["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR",
                          "GLACIER", "DEEP_ARCHIVE", "NEARLINE", "COLDLINE", "ARCHIVE"]
"""Storage classes a lifecycle rule can move objects to (S3, then GCS)."""


class ResourceUsage(BaseModel):
    """Monthly usage of one resource."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    stored_gb: float | None = _quantity(
        "GB stored, averaged over the month")
    requests: Requests | None = Field(
        None, description="requests per month: {get: N, put: N}")
    egress_gb: float | None = _quantity(
        "GB sent out to the internet per month")
    hours_per_month: float | None = Field(
        None, ge=0, le=MAX_HOURS_PER_MONTH,
        description=f"hours it runs per month (0-{MAX_HOURS_PER_MONTH:g}; default 730)")
    processed_gb: float | None = _quantity(
        "GB processed per month (NAT, load balancer)")
    monitored_objects: float | None = _quantity(
        "objects of 128 KB or more in S3 Intelligent-Tiering or a "
        "GCS Autoclass bucket")
    transitions: dict[TransitionClass, Annotated[float, Field(ge=0, le=MAX_QUANTITY)]] \
        | None = Field(None, description="objects moved by lifecycle rules per month, "
                             "by target class")
    noncurrent_gb: float | None = _quantity(
        "GB of noncurrent object versions a versioned bucket keeps")
    ia_stored_gb: float | None = _quantity(
        "EFS: GB in Infrequent Access")
    ia_read_gb: float | None = _quantity(
        "EFS: GB read from Infrequent Access per month")
    ia_write_gb: float | None = _quantity(
        "EFS: GB tiered into Infrequent Access per month")
    read_gb: float | None = _quantity(
        "EFS elastic throughput: GB read per month")
    write_gb: float | None = _quantity(
        "EFS elastic throughput: GB written per month")
    backup_gb: float | None = _quantity(
        "FSx for Lustre, RDS, Cloud SQL: GB of backups kept")
    other_dashboards: float | None = _quantity(
        "CloudWatch: dashboards the account has besides this stack's (free allowance)")
    ingested_gb: float | None = _quantity("CloudWatch Logs: GB ingested per month")
    vcpu_seconds: float | None = _quantity("Cloud Run: vCPU-seconds serving per month")
    gib_seconds: float | None = _quantity("Cloud Run: GiB-seconds serving per month")
    requests_count: float | None = _quantity("Cloud Run: requests per month")
    access_operations: float | None = _quantity(
        "Secret Manager: secret access operations per month")


FIELDS = tuple(ResourceUsage.model_fields)


class UsageFile(RootModel[dict[str, ResourceUsage | None]]):
    """Resource name or pattern -> usage (``name:`` alone, with nothing set, is allowed:
    a generated usage file lists every resource with its fields commented out)."""


def parse_usage(data: Any, path: str) -> dict[str, dict[str, Any]]:
    """Validate usage data; returns name -> the fields that were set."""
    try:
        model = UsageFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        problem = str(first["msg"])
        if first["type"] == "extra_forbidden":
            problem = f"unknown field; allowed: {', '.join(FIELDS)}"
        raise InputFileError(path, field_path(tuple(first["loc"])), problem) from None
    return {name: use.model_dump(exclude_none=True) if use is not None else {}
            for name, use in model.root.items()}


def load_usage(path: Path) -> dict[str, dict[str, Any]]:
    """Read and validate a usage file."""
    return parse_usage(read_mapping(path), str(path))


FieldsFor = Callable[[str], frozenset[str]]
Usage = dict[str, dict[str, Any]]


def is_pattern(key: str) -> bool:
    """True for a key with shell wildcards (``lab-gpu-*``)."""
    return any(c in key for c in "*?[")


def _specificity(key: str) -> int:
    return sum(1 for c in key if c not in "*?[]")


def matches(key: str, names: Iterable[str]) -> list[str]:
    """The names a key applies to: itself, or every name its pattern matches."""
    if not is_pattern(key):
        return [key] if key in set(names) else []
    return [n for n in names if fnmatchcase(n, key)]


def usage_for(raw: Usage, path: str, resources: Iterable[Resource],
              fields_for: FieldsFor, skip_unmatched: bool = False) -> Usage:
    """Per-resource usage for one stack: patterns expanded, exact names last.

    A pattern gives each matched resource only the fields its pricing rule reads,
    and must give every field to at least one of them; with ``skip_unmatched``,
    keys that match nothing here are left for the caller (the other stack of a
    comparison) instead of refused."""
    by_name = {r.name: r for r in resources if r.custom}
    out: Usage = {}
    patterns = sorted((k for k in raw if is_pattern(k)), key=_specificity)
    for key in patterns:
        matched = matches(key, by_name)
        if not matched:
            if skip_unmatched:
                continue
            raise InputFileError(path, key, "matches no resource of the stack",
                                 hint="`ailab preview STACK` lists the resource names")
        for field, value in raw[key].items():
            takers = [n for n in matched if field in fields_for(by_name[n].type)]
            if not takers:
                kinds = ", ".join(sorted({by_name[n].type for n in matched}))
                raise InputFileError(path, f"{key}.{field}",
                                     f"applies to none of the {len(matched)} resources it "
                                     f"matches ({kinds})")
            for name in takers:
                out.setdefault(name, {})[field] = value
    exact = {k: v for k, v in raw.items() if not is_pattern(k)
             and (k in by_name or not skip_unmatched)}
    check_usage(exact, path, by_name.values(), fields_for)
    for name, fields in exact.items():
        out.setdefault(name, {}).update(fields)
    return {name: fields for name, fields in out.items() if fields}


def usage_for_pair(raw: Usage, path: str, doc_a: Inventory, doc_b: Inventory,
                   fields_for: FieldsFor) -> tuple[Usage, Usage]:
    """One usage file for two stacks: a key written with either stack's prefix
    applies to the matching resources of both; a key neither stack has is refused."""
    out = []
    for doc, other in ((doc_a, doc_b), (doc_b, doc_a)):
        mine: Usage = {}
        for key, value in raw.items():
            own = doc.stack + key.removeprefix(other.stack) if key.startswith(
                other.stack + "-") else key
            mine[own] = {**mine.get(own, {}), **value}
        out.append(usage_for(mine, path, doc.resources, fields_for, skip_unmatched=True))
    names = [r.name for doc in (doc_a, doc_b) for r in doc.resources]
    for key in raw:
        forms = {key, *(d.stack + key.removeprefix(o.stack)
                        for d, o in ((doc_a, doc_b), (doc_b, doc_a))
                        if key.startswith(o.stack + "-"))}
        if not any(matches(form, names) for form in forms):
            raise InputFileError(path, key, "no resource of that name in either stack")
    return out[0], out[1]


def usage_for_each(raw: Usage, path: str, docs: list[Inventory],
                   fields_for: FieldsFor) -> list[Usage]:
    """One usage file for several inventories of one stack (before and after an
    update): each takes the keys that match it; a key none has is refused."""
    if len(docs) == 1:
        return [usage_for(raw, path, docs[0].resources, fields_for)]
    names = [r.name for doc in docs for r in doc.resources]
    for key in raw:
        if not matches(key, names):
            raise InputFileError(path, key, "no resource of that name in the stack",
                                 hint="`ailab preview STACK` lists the resource names")
    return [usage_for(raw, path, doc.resources, fields_for, skip_unmatched=True)
            for doc in docs]


def load_usage_for(path: Path | None, docs: list[Inventory],
                   fields_for: FieldsFor) -> list[Usage]:
    """``usage_for_each`` of a usage file (empty usage when there is no file)."""
    if path is None:
        return [{} for _ in docs]
    return usage_for_each(load_usage(path), str(path), docs, fields_for)


def check_usage(usage: Usage, path: str, resources: Iterable[Resource],
                fields_for: FieldsFor) -> None:
    """Every name must be a resource of the stack and every field one its rule reads."""
    by_name = {r.name: r for r in resources if r.custom}
    for name, fields in usage.items():
        res = by_name.get(name)
        if res is None:
            near = sorted(n for n in by_name if name.split("-")[-1] in n)[:5]
            hint = f"did you mean: {', '.join(near)}" if near else "run `ailab preview STACK`"
            raise InputFileError(path, name, "no resource of that name in the stack", hint=hint)
        allowed = fields_for(res.type)
        for field in fields:
            if field not in allowed:
                valid = ", ".join(sorted(allowed)) or "none (it has no usage-dependent cost)"
                raise InputFileError(path, f"{name}.{field}",
                                     f"does not apply to {res.type}; it reads: {valid}")
