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

Fields are checked (pydantic, unknown fields refused); ``check_usage`` then
refuses names the stack does not declare and fields a resource's pricing rule
does not read, so a typo never silently prices nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError

from ailab.core.errors import InputFileError
from ailab.core.inputs import read_mapping
from ailab.core.inventory import Resource
from ailab.costs.scenario_io import field_path

MAX_HOURS_PER_MONTH = 744.0
"""A 31-day month."""


class Requests(BaseModel):
    """Object-storage requests per month."""

    model_config = ConfigDict(extra="forbid")
    get: float | None = Field(None, ge=0)
    put: float | None = Field(None, ge=0)


TransitionClass = Literal["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR",
                          "GLACIER", "DEEP_ARCHIVE", "NEARLINE", "COLDLINE", "ARCHIVE"]
"""Storage classes a lifecycle rule can move objects to (S3, then GCS)."""


class ResourceUsage(BaseModel):
    """Monthly usage of one resource."""

    model_config = ConfigDict(extra="forbid")
    stored_gb: float | None = Field(None, ge=0)
    requests: Requests | None = None
    egress_gb: float | None = Field(None, ge=0)
    hours_per_month: float | None = Field(None, ge=0, le=MAX_HOURS_PER_MONTH)
    processed_gb: float | None = Field(None, ge=0)
    monitored_objects: float | None = Field(None, ge=0)
    """Objects of 128 KB or more in S3 Intelligent-Tiering or a GCS Autoclass bucket."""
    transitions: dict[TransitionClass, Annotated[float, Field(ge=0)]] | None = None
    """Objects moved by lifecycle rules per month, by target storage class."""
    noncurrent_gb: float | None = Field(None, ge=0)
    """GB of noncurrent object versions a versioned bucket keeps."""
    ia_stored_gb: float | None = Field(None, ge=0)
    """EFS: GB in Infrequent Access."""
    ia_read_gb: float | None = Field(None, ge=0)
    ia_write_gb: float | None = Field(None, ge=0)
    """EFS: GB read from / tiered into Infrequent Access per month."""
    read_gb: float | None = Field(None, ge=0)
    write_gb: float | None = Field(None, ge=0)
    """EFS elastic throughput: GB read and written per month."""
    backup_gb: float | None = Field(None, ge=0)
    """FSx for Lustre, RDS, Cloud SQL: GB of backups kept."""
    other_dashboards: float | None = Field(None, ge=0)
    """CloudWatch: dashboards the account has besides this stack's (free allowance)."""
    ingested_gb: float | None = Field(None, ge=0)
    """CloudWatch Logs: GB ingested per month."""
    vcpu_seconds: float | None = Field(None, ge=0)
    gib_seconds: float | None = Field(None, ge=0)
    requests_count: float | None = Field(None, ge=0)
    """Cloud Run: vCPU-seconds and GiB-seconds serving, and requests, per month."""
    access_operations: float | None = Field(None, ge=0)
    """Secret Manager: secret access operations per month."""


FIELDS = tuple(ResourceUsage.model_fields)


class UsageFile(RootModel[dict[str, ResourceUsage]]):
    """Resource name -> usage."""


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
    return {name: use.model_dump(exclude_none=True) for name, use in model.root.items()}


def load_usage(path: Path) -> dict[str, dict[str, Any]]:
    """Read and validate a usage file."""
    return parse_usage(read_mapping(path), str(path))


def check_usage(usage: dict[str, dict[str, Any]], path: str, resources: Iterable[Resource],
                fields_for: Callable[[str], frozenset[str]]) -> None:
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
