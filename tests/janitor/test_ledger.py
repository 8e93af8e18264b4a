"""One run at a time: the lease and mark ledger on moto's S3 (conditional writes).

moto implements S3's ``If-None-Match: *`` and ``If-Match`` on PutObject, so the
compare-and-swap below is S3's, not ours.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ailab.core.errors import ExitCode, JanitorError, LeaseHeldError
from ailab.janitor.aws import AwsDriver
from ailab.janitor.aws_ledger import S3LedgerStore
from ailab.janitor.config import LeaseSettings
from ailab.janitor.ledger import Lease, LeaseLost
from ailab.janitor.records import Status
from tests.conftest import Cli

from .conftest import LEASE_BUCKET, REGION, CallCounter, Fleet, by_id, janitor_run, policy_with

TTL = timedelta(minutes=60)
KEY = f"ailab-janitor/123456789012/{REGION}.json"


def _store() -> S3LedgerStore:
    store = AwsDriver().ledger_store(REGION, LeaseSettings(s3_bucket=LEASE_BUCKET))
    assert store is not None
    return store


def test_second_run_is_refused_while_the_first_holds_the_lease(fleet: Fleet) -> None:
    vol = fleet.volume(days=30)
    now = datetime.now(UTC)
    first = Lease.acquire(_store(), "rfirst", now, TTL)
    driver = AwsDriver()
    counter = CallCounter(driver.session)
    with pytest.raises(LeaseHeldError, match=r"rfirst.*nothing was done") as err:
        janitor_run("execute", policy_with(mark_delay_days=0), driver=driver)
    assert err.value.exit_code == ExitCode.BUSY == 3
    assert counter.mutating() == []  # not even a mark
    assert "ailab:janitor-marked" not in fleet.tags(vol)
    first.release(now)
    assert by_id(janitor_run("execute", policy_with(mark_delay_days=0)))[vol].status is (
        Status.MARK)


def test_expired_lease_is_taken_over_and_the_old_holder_stops(fleet: Fleet) -> None:
    now = datetime.now(UTC)
    dead = Lease.acquire(_store(), "rdead", now, TTL)
    later = now + TTL + timedelta(minutes=1)
    alive = Lease.acquire(_store(), "ralive", later, TTL)
    with pytest.raises(LeaseLost):
        dead.save(later)  # the old run learns at its next write, before acting
    alive.release(later)
    ledger = json.loads(fleet.s3.get_object(Bucket=LEASE_BUCKET, Key=KEY)["Body"].read())
    assert ledger["holder"] is None
    assert [r["run"] for r in ledger["runs"]] == ["rdead", "ralive"]


class _StaleRead(S3LedgerStore):
    """A store whose first read was taken before another run wrote (the race window)."""

    def __init__(self, store: S3LedgerStore, stale: Any) -> None:
        super().__init__(store.s3, store.bucket, store.key, store.scope)
        self.stale = [stale]

    def read(self) -> Any:
        return self.stale.pop() if self.stale else super().read()


def test_two_runs_racing_for_a_lease_only_one_wins(fleet: Fleet) -> None:
    now = datetime.now(UTC)
    before = _store().read()  # both runs see no ledger yet
    Lease.acquire(_store(), "ra", now, TTL)
    with pytest.raises(LeaseHeldError, match="ra"):
        Lease.acquire(_StaleRead(_store(), before), "rb", now, TTL)
    # and on a ledger that exists but is free: If-Match on the stale ETag fails
    Lease.acquire(_store(), "ra", now, TTL).release(now)
    free = _store().read()
    Lease.acquire(_store(), "rc", now, TTL)
    with pytest.raises(LeaseHeldError, match="rc"):
        Lease.acquire(_StaleRead(_store(), free), "rd", now, TTL)


def test_no_bucket_means_no_clean(fleet: Fleet) -> None:
    policy = policy_with()
    policy.lease = LeaseSettings()
    vol = fleet.volume(days=30, tags={"ailab:janitor-marked": "x@2026-01-01T00:00:00Z@r1"})
    with pytest.raises(JanitorError, match="lease.s3_bucket is not set"):
        janitor_run("execute", policy)
    scanned = by_id(janitor_run("scan", policy))[vol]  # read-only runs need no lease
    assert scanned.status is Status.MARK and "cannot be checked" in scanned.notice


def test_unreadable_ledger_is_one_error_not_a_guess(fleet: Fleet) -> None:
    fleet.s3.put_object(Bucket=LEASE_BUCKET, Key=KEY, Body=b"{not json")
    with pytest.raises(JanitorError, match="ledger .* is unreadable"):
        janitor_run("execute", policy_with())


def test_cli_exit_code_3_and_one_line(fleet: Fleet, cli: Cli, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    config = tmp_path / "janitor.yaml"
    config.write_text(f"lease: {{s3_bucket: {LEASE_BUCKET}}}\n")
    Lease.acquire(_store(), "rother", datetime.now(UTC), TTL)
    code, out, err = cli(["janitor", "clean", "--yes", "--config", str(config)])
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: another janitor run (rother)")
