"""What the engine needs from a cloud: the ``Driver`` protocol.

A driver lists regions, scans one region's resources, fetches the metric
series the rules ask for (batched), opens the scope's ledger store, and writes
and removes mark tags. Actions are not driver methods: each (kind, action) is
one registered function in ``actions`` (the cloud modules register theirs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ailab.janitor.config import LeaseSettings
from ailab.janitor.ledger import LedgerStore, MarkRecord
from ailab.janitor.records import Finding, Resource
from ailab.janitor.rules import Context, MetricQuery, Metrics


class Driver(Protocol):
    """One cloud, as the engine drives it (implementations are thread safe)."""

    cloud: str

    def regions(self, wanted: list[str] | None) -> list[str]: ...

    def scan(self, region: str, kinds: set[str], ctx: Context,
             lab_buckets: tuple[str, list[str]]) -> list[Resource]: ...

    def metrics(self, region: str, wanted: list[tuple[str, MetricQuery]],
                now: datetime) -> Metrics: ...

    def ledger_store(self, region: str, settings: LeaseSettings) -> LedgerStore | None:
        """The scope's lease and ledger object, or None when no bucket is configured."""
        ...

    def mark(self, region: str, findings: list[Finding],
             marks: dict[str, MarkRecord]) -> None:
        """Tag each finding's resource with its mark (a failure marks the finding failed)."""
        ...

    def unmark(self, region: str, findings: list[Finding]) -> None: ...
