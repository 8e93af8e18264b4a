"""The Google APIs a lab uses, enabled before anything that calls them.

A fresh project has only a few APIs on; the first ``pulumi up`` of a lab fails
on the first resource whose API is off (``SERVICE_DISABLED``). ``ProjectServices``
enables each API the stack needs (``gcp.projects.Service``), and every other
resource of the lab depends on it: the lab passes the component in
``depends_on`` and each component hands that on to its children through
``child_options`` (Pulumi does not give a component's ``depends_on`` to its
children). Invokes that call an API (image and project look-ups) wait on it
through ``invoke_options``. APIs are left on when the stack is destroyed
(``disable_on_destroy=False``): other stacks in the project may use them.

Which API serves which resource type is in ``facts.API_OF_TYPE``;
``required_apis`` answers for a spec, and the offline provider check
(``infra.provider_check``) answers for a recorded inventory; tests keep them in
step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from ailab.infra.gcp import facts
from ailab.infra.gcp.spec_types import GcpLabSpec


def required_apis(spec: GcpLabSpec, dashboard: bool = False,
                  tracking: bool = False) -> tuple[str, ...]:
    """Every API the lab's resources, look-ups and nodes call, sorted."""
    apis = set(facts.BASE_APIS)
    if dashboard:
        apis.add(facts.MONITORING_API)
    if tracking:
        apis |= set(facts.TRACKING_APIS)
    if spec.vms or spec.pool or spec.cluster or spec.tpu:
        apis |= set(facts.NODE_APIS)
    if spec.tpu:
        apis.add(facts.TPU_API)
    if spec.filestore:
        apis.add(facts.FILESTORE_API)
    if spec.budget:
        apis.add(facts.BUDGET_API)
        if spec.budget.emails:
            apis.add(facts.MONITORING_API)
    if facts.IAP_SSH_RANGE in spec.network.ssh_sources:
        apis.add(facts.IAP_API)
    return tuple(sorted(apis))


def child_options(parent: pulumi.Resource, opts: pulumi.ResourceOptions | None,
                  **extra: Any) -> pulumi.ResourceOptions:
    """Options of a component's child: parented to it and ordered after what the
    component depends on (the project's APIs)."""
    return pulumi.ResourceOptions(parent=parent, depends_on=opts.depends_on if opts else None,
                                  **extra)


def invoke_options(parent: pulumi.Resource, opts: pulumi.ResourceOptions | None
                   ) -> pulumi.InvokeOutputOptions:
    """Options of an invoke made by a component: after the APIs it depends on."""
    return pulumi.InvokeOutputOptions(parent=parent,
                                      depends_on=opts.depends_on if opts else None)


@dataclass
class ProjectServicesArgs:
    """Inputs of the API enablement."""

    project: str
    apis: tuple[str, ...]


class ProjectServices(pulumi.ComponentResource):
    """One ``gcp.projects.Service`` per API, left enabled on destroy."""

    def __init__(self, name: str, args: ProjectServicesArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ailab:gcp:ProjectServices", name, None, opts)
        self.services = [gcp.projects.Service(
            f"{name}-{api.split('.')[0]}", project=args.project, service=api,
            disable_on_destroy=False, disable_dependent_services=False,
            opts=pulumi.ResourceOptions(parent=self)) for api in args.apis]
        self.register_outputs({"services": [s.service for s in self.services]})
