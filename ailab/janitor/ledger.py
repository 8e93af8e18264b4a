"""The run lease and the mark ledger: one small JSON object per scope.

A scope is an AWS account and region, or a GCP project and region. Its object
(in S3 or Cloud Storage, see ``aws_ledger`` and ``gcp_api``) holds:

- the lease: which run holds the scope and until when. A run takes it before it
  changes anything and gives it back at the end; a second run finds it held and
  stops with ``LeaseHeldError`` (exit code 3). A run that dies leaves the lease
  to expire (``ttl``), after which the next run takes it over.
- the recent runs (id and start time), and
- the mark ledger: every mark this janitor made, by resource id (rule, time,
  run). A mark tag on a resource counts only if the ledger holds the same mark,
  so a hand-written, copied or edited tag is not evidence (see ``marks``).

Every write is a compare-and-swap on the object's version (S3 ``If-Match`` /
``If-None-Match``, Cloud Storage ``ifGenerationMatch``), so two runs can never
both believe they hold the lease, and a run whose lease was taken over learns
it at its next write (``LeaseLost``) and stops acting.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from ailab.core.errors import ExitCode, JanitorError, LeaseHeldError

KEEP_RUNS = 500
"""Recent runs remembered in the ledger (for reports; marks carry their own run)."""
FORMAT = 1


def new_run_id() -> str:
    """A short random run id: lowercase letters and digits, valid in GCP labels."""
    return "r" + secrets.token_hex(5)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True)
class MarkRecord:
    """A mark as this janitor made it: the rule, when (whole seconds, UTC), which run."""

    rule: str
    at: datetime
    run: str


@dataclass
class Ledger:
    """The decoded object: lease holder, recent runs, marks by resource id."""

    scope: str
    holder: str | None = None
    expires: datetime | None = None
    runs: list[tuple[str, datetime]] = field(default_factory=list)
    marks: dict[str, MarkRecord] = field(default_factory=dict)

    def held_by_other(self, run_id: str, now: datetime) -> bool:
        return (self.holder is not None and self.holder != run_id
                and self.expires is not None and self.expires > now)

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT, "scope": self.scope, "holder": self.holder,
            "expires": iso(self.expires) if self.expires else None,
            "runs": [{"run": run, "started": iso(at)} for run, at in self.runs[-KEEP_RUNS:]],
            "marks": {rid: {"rule": m.rule, "at": iso(m.at), "run": m.run}
                      for rid, m in sorted(self.marks.items())},
        }
        return json.dumps(data, indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes, scope: str, where: str) -> Ledger:
        """Decode, or one JanitorError naming the object (never guess at a broken ledger)."""
        try:
            data: dict[str, Any] = json.loads(raw)
            expires = data.get("expires")
            return cls(
                scope=scope, holder=data.get("holder"),
                expires=parse_iso(expires) if expires else None,
                runs=[(r["run"], parse_iso(r["started"])) for r in data.get("runs", [])],
                marks={rid: MarkRecord(m["rule"], parse_iso(m["at"]), m["run"])
                       for rid, m in data.get("marks", {}).items()})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise JanitorError(f"janitor ledger {where} is unreadable ({type(exc).__name__})",
                               hint="delete the object to reset it: every mark then "
                                    "restarts its clock") from None


class LeaseError(JanitorError):
    """The lease could not be taken for a reason other than another run (an API error):
    nothing was done, and the run reports a failure (exit 1)."""

    exit_code = ExitCode.FAILED


class StoreConflict(Exception):
    """The object changed since it was read (another run wrote it)."""


class LeaseLost(Exception):
    """This run's lease was taken over (it expired while the run was working)."""


class LedgerStore(Protocol):
    """Where one scope's ledger lives; ``version`` is an ETag or a generation."""

    scope: str
    where: str

    def read(self) -> tuple[Ledger | None, str | None]: ...

    def write(self, ledger: Ledger, version: str | None) -> str: ...


class Lease:
    """A held lease and the ledger that came with it; every save is a compare-and-swap."""

    def __init__(self, store: LedgerStore, ledger: Ledger, version: str, run_id: str,
                 ttl: timedelta) -> None:
        self.store, self.ledger, self.version = store, ledger, version
        self.run_id, self.ttl = run_id, ttl
        self._started = self._saved = time.monotonic()

    @classmethod
    def acquire(cls, store: LedgerStore, run_id: str, now: datetime,
                ttl: timedelta) -> Lease:
        """Take the scope's lease, or raise LeaseHeldError naming the holder."""
        ledger, version = store.read()
        if ledger is None:
            ledger = Ledger(scope=store.scope)
        if ledger.held_by_other(run_id, now):
            raise _held(store, ledger)
        ledger.holder, ledger.expires = run_id, now + ttl
        ledger.runs.append((run_id, now))
        try:
            new_version = store.write(ledger, version)
        except StoreConflict:
            # another run wrote between our read and write: it holds the lease now
            fresh, _ = store.read()
            raise _held(store, fresh or ledger) from None
        return cls(store, ledger, new_version, run_id, ttl)

    def save(self, now: datetime) -> None:
        """Write the ledger and extend the lease; LeaseLost if someone else wrote.

        ``now`` is the run's clock at its start; the time spent since is added."""
        elapsed = timedelta(seconds=time.monotonic() - self._started)
        self.ledger.expires = now + elapsed + self.ttl
        try:
            self.version = self.store.write(self.ledger, self.version)
        except StoreConflict:
            raise LeaseLost(f"lease on {self.store.scope} was taken over; this run "
                            "stopped acting there") from None
        self._saved = time.monotonic()

    def keep_alive(self, now: datetime) -> None:
        """Extend the lease before a destructive call once a third of it has passed
        (a long run keeps it; a run whose lease was taken over stops here)."""
        if time.monotonic() - self._saved > self.ttl.total_seconds() / 3:
            self.save(now)

    def release(self, now: datetime) -> None:
        """Give the lease back (the marks stay); a lost lease is left to its new holder."""
        self.ledger.holder, self.ledger.expires = None, None
        with contextlib.suppress(StoreConflict):
            self.version = self.store.write(self.ledger, self.version)


def _held(store: LedgerStore, ledger: Ledger) -> LeaseHeldError:
    until = iso(ledger.expires) if ledger.expires else "unknown"
    return LeaseHeldError(f"another janitor run ({ledger.holder}) holds the lease on "
                          f"{store.scope} until {until}; nothing was done (run again once "
                          "it has finished)")


def read_ledger(store: LedgerStore | None) -> Ledger | None:
    """The scope's ledger for a read-only run (no lease taken); None without a store."""
    if store is None:
        return None
    ledger, _ = store.read()
    return ledger or Ledger(scope=store.scope)
