"""Pieces every document shares: the envelope, priced lines, prices with sources."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    """A documented object that may gain fields in later versions (additions keep the
    version; consumers should ignore fields they do not know)."""

    model_config = ConfigDict(extra="allow")


class PriceTable(Open):
    """A price table a command read, with its date (``costs.freshness``)."""

    table: str
    name: str
    as_of: str
    age_days: int
    stale: bool = Field(description="Older than 30 days: the command warned on stderr.")
    refresh: str = Field(description="How to refresh it.")


class Envelope(Open):
    """Every ``--json`` document starts with these four fields (and ``price_tables``
    when prices were read)."""

    schema_: str = Field(alias="schema", description="Document name: the schema file's stem.")
    schema_version: int = Field(description="Bumped on incompatible changes only.")
    generated_at: datetime = Field(description="When the command ran (UTC, ISO 8601).")
    currency: Literal["USD"] = Field(description="Currency of every money field.")
    price_tables: list[PriceTable] | None = Field(
        None, description="Every price table the command used, with its date and age.")


class Quote(Open):
    """A price with where it came from."""

    source: str
    as_of: str


class CostPart(Quote):
    label: str
    quantity: float | None
    unit: str
    unit_price_usd: float
    price_unit: str
    monthly_usd: float | None


class CostLine(Open):
    """What one resource costs per month (``status``: priced, usage, free, unpriced)."""

    status: Literal["priced", "usage", "free", "unpriced"]
    monthly_usd: float | None
    hourly_usd: float | None
    component: str | None
    hours_per_month: float | None
    hours_basis: str | None
    range_monthly_usd: list[float] | None
    parts: list[CostPart]
    notes: list[str]
    reason: str | None


class Resource(Open):
    """One declared resource of a stack (``ailab preview``)."""

    type: str = Field(description="Pulumi type token, e.g. aws:ec2/instance:Instance.")
    name: str
    parent: str | None
    inputs: dict[str, Any]
    custom: bool = Field(description="False for component resources (groupings).")
    retain_on_delete: bool | None
    protect: bool | None
    dependencies: dict[str, Any]
    id: str | None
    outputs: dict[str, Any]
    cost: CostLine | None = Field(None, description="With --cost.")
    op: str | None = Field(None, description="With --from-pulumi-preview: the update's step.")
