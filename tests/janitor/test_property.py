"""Property: over random fleets, protected, young and in-use resources survive every run,
and scans and dry runs never call a mutating API."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from ailab.janitor.aws import AwsDriver
from ailab.janitor.records import Status

from .conftest import CallCounter, Fleet, by_id, janitor_run, policy_with


@dataclass
class Spec:
    kind: str
    days: float
    protected: bool
    in_use: bool


specs = st.builds(Spec, kind=st.sampled_from(["volume", "snapshot", "address", "instance"]),
                  days=st.sampled_from([0.2, 0.9, 8.0, 40.0, 200.0]), protected=st.booleans(),
                  in_use=st.booleans())


def _build(fleet: Fleet, spec: Spec, host: str) -> str:
    tags = {"ailab:protect": "true"} if spec.protected else {"ailab:stack": "dev"}
    if spec.kind == "volume":
        return fleet.volume(days=spec.days, tags=tags,
                            attach_to=host if spec.in_use else None)
    if spec.kind == "snapshot":
        if spec.in_use:
            return fleet.ami_snapshot(days=spec.days)[1]
        return fleet.snapshot(days=spec.days, tags=tags)
    if spec.kind == "address":
        return fleet.address(tags=tags, attach_to=host if spec.in_use else None)
    state = None if spec.in_use else spec.days
    return fleet.instance("m5.large", tags=tags, days=spec.days, stopped_days=state)


@settings(max_examples=8, deadline=None)
@given(st.lists(specs, min_size=1, max_size=5))
def test_random_fleets_keep_what_must_be_kept(fleet_specs: list[Spec]) -> None:
    with mock_aws():
        fleet = Fleet()
        host = fleet.instance("m5.large", days=100, tags={"ailab:protect": "true"})
        built = [(spec, _build(fleet, spec, host)) for spec in fleet_specs]
        policy = policy_with(mark_delay_days=0, grace_hours=24)
        for name in ("unattached-volume", "old-snapshot", "stopped-instance"):
            policy.rules[name] = policy.rules[name].model_copy(update={"days": 0})

        driver = AwsDriver()
        counter = CallCounter(driver.session)
        janitor_run("scan", policy, driver=driver)
        janitor_run("dry-run", policy, driver=driver)
        assert counter.mutating() == []

        janitor_run("execute", policy)
        final = by_id(janitor_run("execute", policy))
        for spec, rid in built:
            must_keep = spec.protected or spec.in_use or spec.days * 24 < policy.grace_hours
            kind = "running" if spec.kind == "instance" and spec.in_use else spec.kind
            if must_keep:
                assert fleet.exists(kind, rid), (spec, final.get(rid))
            elif rid in final:
                # no creation time for addresses: their grace period runs from the mark
                allowed = {Status.DONE, Status.WAITING} if spec.kind == "address" else {
                    Status.DONE}
                assert final[rid].status in allowed, (spec, final[rid])
