"""The tiered-storage scenario: what is stored, how it grows, how it is read.

A scenario YAML validates into :class:`StorageScenario` (``extra="forbid"``).
``access`` gives, per age band, the fraction of a cohort's objects read at least
once in each month while the cohort's age is in that band; the band applies from
``after_days`` until the next band starts. Ages are counted in 30-day months:
a rule at N days takes effect in month ``ceil(N / 30)`` of an object's life.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ailab.costs.scenario_io import load_model

DAYS_PER_MONTH = 30
KB_PER_GB = 1024.0 * 1024.0  # the clouds bill binary GB (GiB) and KB (KiB)

AWS_LIFECYCLE_FIELDS = ("ia_days", "glacier_ir_days", "deep_archive_days")
GCP_LIFECYCLE_FIELDS = ("nearline_days", "coldline_days", "archive_days")
LIFECYCLE_CLASSES = {
    "ia_days": "STANDARD_IA", "glacier_ir_days": "GLACIER_IR",
    "deep_archive_days": "DEEP_ARCHIVE", "nearline_days": "NEARLINE",
    "coldline_days": "COLDLINE", "archive_days": "ARCHIVE",
}


MAX_DAYS = 36_500
"""A century: the longest transition, expiry or band age taken."""
MAX_OBJECTS = 1e15
MAX_OBJECT_KB = 5e9
"""S3 and GCS objects are at most 5 TB."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class AgeBand(_Strict):
    after_days: int = Field(ge=0, le=MAX_DAYS)
    read_fraction: float = Field(ge=0.0, le=1.0)


class SizeBucket(_Strict):
    size_kb: float = Field(gt=0, le=MAX_OBJECT_KB)
    fraction: float = Field(gt=0.0, le=1.0)


class Lifecycle(_Strict):
    """Transition ages in days, 0 = never (as in the stack config keys)."""

    name: str | None = Field(default=None, max_length=100)
    ia_days: int = Field(default=0, ge=0, le=MAX_DAYS)
    glacier_ir_days: int = Field(default=0, ge=0, le=MAX_DAYS)
    deep_archive_days: int = Field(default=0, ge=0, le=MAX_DAYS)
    nearline_days: int = Field(default=0, ge=0, le=MAX_DAYS)
    coldline_days: int = Field(default=0, ge=0, le=MAX_DAYS)
    archive_days: int = Field(default=0, ge=0, le=MAX_DAYS)

    def steps(self, cloud: str) -> list[tuple[int, str]]:
        """(days, class) in order, skipping the classes set to 0."""
        fields = AWS_LIFECYCLE_FIELDS if cloud == "aws" else GCP_LIFECYCLE_FIELDS
        return [(getattr(self, f), LIFECYCLE_CLASSES[f]) for f in fields if getattr(self, f)]

    def label(self, cloud: str) -> str:
        if self.name:
            return self.name
        short = {"STANDARD_IA": "ia", "GLACIER_IR": "gir", "DEEP_ARCHIVE": "da",
                 "NEARLINE": "nl", "COLDLINE": "cl", "ARCHIVE": "ar"}
        parts = [f"{short[cls]}{days}" for days, cls in self.steps(cloud)]
        return "lifecycle " + ("-".join(parts) or "none")

    def check(self, cloud: str) -> None:
        """Reject schedules the provider refuses (order, S3's 30-day IA minimum)."""
        other = GCP_LIFECYCLE_FIELDS if cloud == "aws" else AWS_LIFECYCLE_FIELDS
        for name in other:
            if getattr(self, name):
                raise ValueError(f"{name} is a {'gcp' if cloud == 'aws' else 'aws'} field; "
                                 f"{cloud} lifecycles use {', '.join(_fields(cloud))}")
        days = [d for d, _ in self.steps(cloud)]
        if not days:
            raise ValueError(f"set at least one of {', '.join(_fields(cloud))} (days, 0 = never)")
        if days != sorted(set(days)):
            raise ValueError("transition days must increase from warmer to colder classes")
        if cloud == "aws" and 0 < self.ia_days < 30:
            raise ValueError("S3 moves objects to STANDARD_IA no earlier than 30 days")


def _fields(cloud: str) -> tuple[str, ...]:
    return AWS_LIFECYCLE_FIELDS if cloud == "aws" else GCP_LIFECYCLE_FIELDS


DEFAULT_LIFECYCLES = {
    "aws": Lifecycle(ia_days=30, glacier_ir_days=90),
    "gcp": Lifecycle(nearline_days=30, coldline_days=90),
}


class StorageScenario(_Strict):
    """One bucket over a horizon: inputs of the tiering simulation."""

    name: str = Field(default="storage", max_length=200)
    cloud: Literal["aws", "gcp"]
    region: str = Field(max_length=100)
    months: int = Field(ge=1, le=600)
    objects: float = Field(ge=0, le=MAX_OBJECTS, description="objects stored at month 0")
    mean_object_kb: float | None = Field(default=None, gt=0, le=MAX_OBJECT_KB)
    size_distribution: list[SizeBucket] | None = Field(default=None, max_length=100)
    growth_per_month: float = Field(default=0.0, ge=0.0, le=10.0)
    new_objects_per_month: float = Field(default=0.0, ge=0.0, le=MAX_OBJECTS)
    access: list[AgeBand] = Field(min_length=1, max_length=100)
    expire_after_days: int = Field(default=0, ge=0, le=MAX_DAYS)
    lifecycles: list[Lifecycle] | None = Field(default=None, max_length=50)
    search_lifecycles: bool = True
    lifecycle_small_objects: bool = False
    autoclass_terminal_class: Literal["NEARLINE", "ARCHIVE"] = "NEARLINE"
    abort_multipart_days: int = Field(default=7, ge=0, le=MAX_DAYS)

    @model_validator(mode="after")
    def _consistent(self) -> StorageScenario:
        if (self.mean_object_kb is None) == (self.size_distribution is None):
            raise ValueError("give exactly one of mean_object_kb or size_distribution")
        if self.size_distribution is not None:
            total = sum(b.fraction for b in self.size_distribution)
            if not math.isclose(total, 1.0, abs_tol=1e-6):
                raise ValueError(f"size_distribution fractions sum to {total:.4f}, not 1")
        stored = max(self.objects + self.new_objects_per_month, 1.0)
        if math.log(stored) + self.months * math.log1p(self.growth_per_month) > \
                math.log(MAX_OBJECTS * 1000):
            raise ValueError(f"growth_per_month {self.growth_per_month:g} over {self.months} "
                             f"months grows the bucket past {MAX_OBJECTS * 1000:.0e} objects")
        days = [b.after_days for b in self.access]
        if days[0] != 0 or days != sorted(set(days)):
            raise ValueError("access bands must start at after_days: 0 and increase")
        for i, lifecycle in enumerate(self.lifecycles or []):
            try:
                lifecycle.check(self.cloud)
            except ValueError as exc:
                raise ValueError(f"lifecycles[{i}]: {exc}") from None
        return self

    def size_buckets(self) -> list[SizeBucket]:
        if self.size_distribution is not None:
            return list(self.size_distribution)
        assert self.mean_object_kb is not None
        return [SizeBucket(size_kb=self.mean_object_kb, fraction=1.0)]

    def configured_lifecycles(self) -> list[Lifecycle]:
        return list(self.lifecycles) if self.lifecycles else [DEFAULT_LIFECYCLES[self.cloud]]


def month_of(days: int) -> int:
    """The month of an object's life in which a rule at ``days`` takes effect."""
    return math.ceil(days / DAYS_PER_MONTH)


def load_storage_scenario(path: Path) -> StorageScenario:
    """Read and validate a storage scenario YAML (one-line InputFileError on failure)."""
    return load_model(path, StorageScenario)
