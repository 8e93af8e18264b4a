"""A witness of "nothing is lost", checked at the moment of every destructive call.

Registered on a driver's boto3 session (``before-parameter-build``, which sees the
API parameters), it looks at moto's state *before* the call is sent:

- DeleteVolume: the volume carries a janitor mark and moto holds a ``completed``
  snapshot whose source is that volume, started at or after the mark;
- TerminateInstances: the same for every volume deleted with the instance
  (DeleteOnTermination), and none of them is protected;
- any mutating call naming a protected resource (tag ``ailab:protect=true``) or
  a volume attached to one, is a violation.

Violations are collected (raising inside botocore's event chain would be taken
for an API error by the code under test).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ec2.models import ec2_backends

from ailab.janitor.ledger import parse_iso

PROTECT = "ailab:protect"
MARK = "ailab:janitor-marked"


class Witness:
    def __init__(self, session: Any, region: str, final_snapshot: bool = True) -> None:
        self.region, self.final_snapshot = region, final_snapshot
        self.violations: list[str] = []
        self.deleted_volumes: list[str] = []
        self.session = session
        session.events.register("before-parameter-build.ec2.*", self._check)

    def close(self) -> None:
        self.session.events.unregister("before-parameter-build.ec2.*", self._check)

    @property
    def backend(self) -> Any:
        return ec2_backends[DEFAULT_ACCOUNT_ID][self.region]

    def _tags(self, rid: str) -> dict[str, str]:
        return {t["key"]: t["value"] for t in self.backend.describe_tags(
            filters={"resource-id": [rid]})}

    def _check(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        op = model.name
        if not op.startswith(("Create", "Delete", "Terminate", "Stop", "Release", "Modify")):
            return
        ids = (params.get("Resources") or params.get("InstanceIds")
               or [params[k] for k in ("VolumeId", "SnapshotId", "AllocationId", "InstanceId")
                   if k in params])
        for rid in ids:
            if op not in ("CreateSnapshot", "DescribeTags") and self._protected(rid):
                self.violations.append(f"{op} on protected {rid}")
        if op == "DeleteVolume":
            self._final(params["VolumeId"], params["VolumeId"])
            self.deleted_volumes.append(params["VolumeId"])
        if op == "TerminateInstances":
            for iid in params["InstanceIds"]:
                self._terminate(iid)

    def _protected(self, rid: str) -> bool:
        if self._tags(rid).get(PROTECT) == "true":
            return True
        if rid.startswith("vol-") and rid in self.backend.volumes:
            attached = self.backend.volumes[rid].attachment
            return bool(attached and self._tags(attached.instance.id).get(PROTECT) == "true")
        return False

    def _terminate(self, iid: str) -> None:
        inst = self.backend.get_instance(iid)
        for device in inst.block_device_mapping.values():
            if not device.delete_on_termination:
                continue
            if self._tags(device.volume_id).get(PROTECT) == "true":
                self.violations.append(f"protected {device.volume_id} deleted with {iid}")
            self._final(device.volume_id, iid)
            self.deleted_volumes.append(device.volume_id)

    def _final(self, vol: str, marked: str) -> None:
        if not self.final_snapshot:
            return
        mark = self._tags(marked).get(MARK, "")
        if mark.count("@") != 2:
            self.violations.append(f"{vol} deleted without a janitor mark on {marked}")
            return
        since = parse_iso(mark.split("@")[1])
        good = [s for s in self.backend.snapshots.values()
                if s.volume.id == vol and s.status == "completed"
                and _aware(s.start_time) >= since]
        if not good:
            self.violations.append(f"{vol} deleted without a completed snapshot of it taken "
                                   f"after its mark ({mark})")


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)
