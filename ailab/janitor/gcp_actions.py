"""GCP actions, one registered function per (kind, action).

Nothing is lost: a GPU VM is only ever stopped (every disk is kept, whatever its
auto-delete flag: auto-delete acts on instance deletion, which no rule asks
for, and no (gce-instance, delete) action is registered, so it would be
refused). Deleting a TPU VM deletes its boot disk only; attached data disks are
detached and kept.
"""

from __future__ import annotations

from ailab.core import tags
from ailab.janitor.actions import ActOptions, Outcome, action
from ailab.janitor.driver import Driver
from ailab.janitor.gcp import GcpDriver, instance_url
from ailab.janitor.records import Action, Finding, Status


def _gcp(driver: Driver) -> GcpDriver:
    if not isinstance(driver, GcpDriver):
        raise TypeError(f"a GCP action got a {driver.cloud} driver")
    return driver


@action("tpu-node", Action.DELETE)
def delete_tpu(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    gcp, res = _gcp(driver), finding.resource
    gcp.tpu.delete_node(name=res.attrs["full_name"], retry=gcp.retry)
    disks = res.attrs.get("data_disks") or []
    kept = f"data disks kept: {', '.join(d.rsplit('/', 1)[-1] for d in disks)}" if disks else (
        "no data disks")
    return Status.DONE, f"delete requested ({kept})"


@action("gce-instance", Action.STOP)
def stop_vm(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    gcp, res = _gcp(driver), finding.resource
    gcp.api.call("POST", f"{instance_url(gcp.project, res)}/stop")
    labels = {k: v for k, v in res.tags.items() if k != tags.GCP.janitor_mark}
    gcp.set_labels(res, labels)
    return Status.DONE, "stop requested (every disk kept), mark removed"
