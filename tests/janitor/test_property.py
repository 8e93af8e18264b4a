"""Property: over random fleets, random faults and forged state, nothing is lost.

Each example builds a fleet in moto (volumes, snapshots, addresses, stopped and
expired instances, some protected, some in use, some with a protected root
volume), forges state (hand-written, copied, future-dated marks; snapshots of
other volumes tagged as final snapshots), then runs ``clean --yes`` over
simulated days with faults drawn per run:

- an API error injected at random calls (any service, any operation),
- a final snapshot that ends in ``error``,
- the run killed at a random call (no clean-up: the lease stays held) and rerun
  once the lease has expired,
- a second run started in the middle of the first (it must be refused and
  change nothing).

Invariants, checked by a ``Witness`` at every destructive call and at the end:
nothing protected is touched (nor a volume attached to it), no volume is
deleted without a completed snapshot of it taken after its mark, scans and dry
runs change nothing, and fault-free reruns converge (the last run has nothing
left to do).

Profiles (registered as ``janitor-<name>`` so they never clash with other suites'):
``ci`` (default, 100 examples, about a minute on 2 cores) and ``nightly`` (1,000
examples): ``AILAB_JANITOR_PROFILE=nightly pytest tests/janitor/test_property.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from ailab.core.errors import AilabError, LeaseHeldError
from ailab.janitor.aws import AwsDriver
from ailab.janitor.records import Status

from .conftest import MUTATING_PREFIXES, REGION, Fleet, janitor_run, policy_with
from .invariants import Witness

settings.register_profile("janitor-ci", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("janitor-debug", max_examples=10, deadline=None,
                          phases=[Phase.generate],
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("janitor-nightly", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("AILAB_JANITOR_PROFILE", "ci")

MARK = "ailab:janitor-marked"
TTL_DAYS = 61 / 1440  # the default 60-minute lease, plus a minute
ACTIVE = {Status.MARK, Status.ACT, Status.DONE, Status.PENDING, Status.FAILED, Status.UNMARK}


@dataclass
class Spec:
    kind: str
    days: float
    protected: bool
    in_use: bool
    forged_mark: str | None


@dataclass
class Faults:
    errors: frozenset[int] = frozenset()
    kill_at: int | None = None
    concurrent_at: int | None = None
    snapshot_error: bool = False


class Killed(BaseException):
    """The process dies here: nothing after it runs, not even clean-up."""


@dataclass
class Harness:
    """Handlers on the example's boto3 session: the witness, the fault injector (per
    run) and a counter of mutating calls (per run)."""

    session: Any
    fleet: Fleet
    faults: Faults = field(default_factory=Faults)
    calls: int = 0
    killed: bool = False
    nested: bool = False
    mutating: list[str] = field(default_factory=list)
    concurrent: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.driver = AwsDriver(self.session)  # clients built once per example
        self.witness = Witness(self.session, REGION)
        self.session.events.register("before-call.*.*", self._inject)
        self.session.events.register("after-call.ec2.CreateSnapshot", self._snapshot)

    def close(self) -> None:
        self.session.events.unregister("before-call.*.*", self._inject)
        self.session.events.unregister("after-call.ec2.CreateSnapshot", self._snapshot)
        self.witness.close()

    def run(self, days: float, faults: Faults | None = None, mode: str = "execute") -> Any:
        self.faults, self.calls, self.killed, self.mutating = faults or Faults(), 0, False, []
        return janitor_run(mode, _policy(), days_later=days, driver=self.driver)

    def _inject(self, model: Any, **_: Any) -> None:
        if model.name.startswith(MUTATING_PREFIXES):
            self.mutating.append(model.name)
        if self.nested:
            return
        self.calls += 1
        if self.killed or self.calls == self.faults.kill_at:
            self.killed = True
            raise Killed()
        if self.calls == self.faults.concurrent_at and model.service_model.service_name == "ec2":
            self.concurrent.append(self._second_run())
        if self.calls in self.faults.errors:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}},
                              model.name)

    def _snapshot(self, parsed: dict[str, Any], **_: Any) -> None:
        if self.faults.snapshot_error and not self.nested:
            self.fleet.backend.snapshots[parsed["SnapshotId"]].status = "error"
            parsed["State"] = "error"

    def _second_run(self) -> str:
        """Another run started now (the first one holds the lease): refused, no change."""
        self.nested, before = True, len(self.mutating)
        try:
            janitor_run("execute", _policy(), driver=self.driver)
        except LeaseHeldError:
            changed = [op for op in self.mutating[before:] if op != "PutObject"]
            return "refused" if not changed else f"refused after {changed}"
        finally:
            self.nested = False
        return "ran alongside"


specs = st.builds(
    Spec, kind=st.sampled_from(["volume", "snapshot", "address", "stopped", "expired",
                                "protected-root"]),
    days=st.sampled_from([0.2, 8.0, 40.0, 200.0]), protected=st.booleans(),
    in_use=st.booleans(),
    forged_mark=st.sampled_from([None, "old", "future", "legacy"]))
faults = st.builds(
    Faults, errors=st.frozensets(st.integers(1, 60), max_size=3),
    kill_at=st.none() | st.integers(3, 60), concurrent_at=st.none() | st.integers(2, 40),
    snapshot_error=st.booleans())


def _policy() -> Any:
    policy = policy_with(mark_delay_days=1, grace_hours=24)
    for name in ("unattached-volume", "old-snapshot", "stopped-instance"):
        policy.rules[name] = policy.rules[name].model_copy(update={"days": 0})
    return policy


def _forge(fleet: Fleet, rid: str, how: str | None) -> None:
    values = {"old": "unattached-volume@2020-01-01T00:00:00Z@rforged",
              "future": "expired@2999-01-01T00:00:00Z@rforged",
              "legacy": "stopped-instance@2020-01-01"}
    if how:
        fleet.ec2.create_tags(Resources=[rid], Tags=[{"Key": MARK, "Value": values[how]}])


def _build(fleet: Fleet, spec: Spec, host: str) -> tuple[str, list[str]]:
    """The resource and the ids whose survival it implies (its protected volumes)."""
    tags = {"ailab:protect": "true"} if spec.protected else {"ailab:stack": "dev"}
    kept: list[str] = []
    if spec.kind == "volume":
        rid = fleet.volume(days=spec.days, tags=tags, attach_to=host if spec.in_use else None)
    elif spec.kind == "snapshot":
        rid = (fleet.ami_snapshot(days=spec.days)[1] if spec.in_use
               else fleet.snapshot(days=spec.days, tags=tags))
    elif spec.kind == "address":
        rid = fleet.address(tags=tags, attach_to=host if spec.in_use else None)
    else:
        if spec.kind != "stopped":
            tags = {**tags, "ailab:expires": "2020-01-01"}
        rid = fleet.instance("m5.large", tags=tags, days=spec.days,
                             stopped_days=spec.days if spec.kind == "stopped" else None)
        root = fleet.backend.get_instance(rid).block_device_mapping["/dev/sda1"].volume_id
        if spec.kind == "protected-root":
            fleet.ec2.create_tags(Resources=[root], Tags=[{"Key": "ailab:protect",
                                                           "Value": "true"}])
            kept.append(root)
        if spec.protected:
            kept.append(root)
    _forge(fleet, rid, spec.forged_mark)
    return rid, kept


def _forge_final(fleet: Fleet, target: str, host: str) -> None:
    """A snapshot of another volume, tagged as the target's final snapshot."""
    other = fleet.backend.get_instance(host).block_device_mapping["/dev/sda1"].volume_id
    fleet.ec2.create_snapshot(VolumeId=other, TagSpecifications=[{
        "ResourceType": "snapshot", "Tags": [
            {"Key": "ailab:janitor-final-snapshot-of", "Value": target},
            {"Key": "ailab:janitor-run", "Value": "rforged"}]}])


@settings(settings.get_profile(f"janitor-{PROFILE}"))
@given(st.lists(specs, min_size=1, max_size=5), st.lists(faults, min_size=1, max_size=3),
       st.booleans())
def test_nothing_lost_under_faults_races_and_forgery(fleet_specs: list[Spec],
                                                     run_faults: list[Faults],
                                                     forge_final: bool) -> None:
    with mock_aws():
        fleet = Fleet(session=_session())
        host = fleet.instance("m5.large", days=100, tags={"ailab:protect": "true"})
        built = [(spec, *_build(fleet, spec, host)) for spec in fleet_specs]
        if forge_final:
            for spec, rid, _ in built:
                if spec.kind == "volume":
                    _forge_final(fleet, rid, host)
        harness = Harness(_session(), fleet)
        try:
            _scenario(harness, run_faults)
        finally:
            harness.close()
        _assert_kept(fleet, built, host)


def _scenario(harness: Harness, run_faults: list[Faults]) -> None:
    harness.run(0, mode="dry-run")  # reads everything a clean would, changes nothing
    assert harness.mutating == []
    day = 0.0
    for fault in run_faults:
        try:
            harness.run(day, fault)
        except Killed:
            day += TTL_DAYS  # rerun once the dead run's lease has expired
        except AilabError:
            pass  # lease held by a killed run, or not taken (injected error): nothing done
        assert all(c == "refused" for c in harness.concurrent), harness.concurrent
        day += 1.0
    reports = [harness.run(day + extra) for extra in (1.0, 2.0)]  # fault-free reruns
    assert reports[-1].ok, reports[-1].as_dict()
    final = harness.run(day + 3.0)
    assert [op for op in harness.mutating if op != "PutObject"] == [], final.as_dict()
    assert not [f for f in final.findings if f.status in ACTIVE], final.as_dict()
    assert harness.witness.violations == [], harness.witness.violations


_SESSIONS: list[Any] = []


def _session() -> Any:
    """One boto3 session for every example: its loader caches the service models, so a
    driver per run costs milliseconds (handlers are added and removed per example)."""
    if not _SESSIONS:
        import boto3

        _SESSIONS.append(boto3.Session())
    return _SESSIONS[0]


def _assert_kept(fleet: Fleet, built: list[tuple[Spec, str, list[str]]], host: str) -> None:
    assert fleet.exists("running", host)
    assert MARK not in fleet.tags(host)
    for spec, rid, kept in built:
        for vol in kept:
            assert fleet.exists("volume", vol), (spec, vol)
        kind = {"stopped": "instance", "expired": "instance", "protected-root": "instance"}.get(
            spec.kind, spec.kind)
        if spec.protected or (spec.in_use and spec.kind in ("volume", "snapshot", "address")):
            assert fleet.exists(kind, rid), spec
            if spec.protected:
                assert MARK not in fleet.tags(rid) or spec.forged_mark, spec
