"""Links between resources that several rules follow, through the inventory's indexes.

A bucket's settings live in separate resources (public access block, encryption,
versioning, lifecycle, policy) that point at it with their ``bucket`` input; an
instance points at its launch template. ``Inventory.referencing`` answers "who
points at this bucket" from a reverse index built once, so a rule walking every
bucket does constant work per bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.guardrails import types as t
from ailab.guardrails.rule import Finding

Problem = Callable[[Resource], "str | None"]


def bucket_settings(inv: Inventory, bucket: Resource, config_types: tuple[str, ...],
                    inline: str | None = None) -> list[Resource]:
    """The configuration resources of ``config_types`` linked to an S3 bucket, plus the
    bucket's own legacy inline block ``inline`` as a resource of its own."""
    linked = inv.referencing(bucket, "bucket", *config_types)
    if inline and bucket.get(inline):
        linked = [*linked, Resource(bucket.type, bucket.name, inputs={inline: bucket.get(inline)})]
    return linked


def bucket_findings(inv: Inventory, config_types: tuple[str, ...], inline: str | None,
                    ok: Problem, missing: str) -> Iterator[Finding]:
    """For every S3 bucket: each linked config resource (or inline block) must satisfy
    ``ok`` (which returns the problem, or None); no linked resource is ``missing``."""
    for bucket in inv.by_type(*t.S3_BUCKETS):
        linked = bucket_settings(inv, bucket, config_types, inline)
        if not linked:
            yield bucket, missing
            continue
        for cfg_res in linked:
            problem = ok(cfg_res)
            if problem:
                yield bucket, f"{problem} ({cfg_res.name})"


def launch_template_of(inv: Inventory, res: Resource,
                       prop: str = "launchTemplate") -> Resource | None:
    """The launch template an instance or Auto Scaling group launches from, if any."""
    return inv.ref(res, prop, tokens.AWS_EC2_LAUNCH_TEMPLATE)


def asg_launch_template(inv: Inventory, group: Resource) -> Resource | None:
    """An Auto Scaling group's template: ``launchTemplate`` or the mixed-instances one."""
    return (launch_template_of(inv, group)
            or launch_template_of(inv, group, "mixedInstancesPolicy"))
