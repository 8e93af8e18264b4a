"""Which instance type a workload gets: the stack's allowed types and a plan.

``cheapest``: the lowest hourly price in the stack's region (spot price when
the workload runs on spot). ``fastest``: the most dense BF16 FLOP/s per
instance (accelerator peak x count), ties broken by price. Prices come from the
embedded table, peaks from the accelerator table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ailab.core import tpu as tpu_facts
from ailab.core.errors import CatalogError, WorkloadError
from ailab.costs import catalog

PLANS = ("cheapest", "fastest")


@dataclass(frozen=True)
class Choice:
    """One candidate instance type, priced in the stack's region."""

    cloud: str
    instance_type: str
    region: str
    accelerator: str
    accelerator_count: int
    hourly_usd: float
    peak_flops: float
    spot: bool
    source: str
    as_of: str

    @property
    def accelerators(self) -> str | None:
        """SkyPilot's ``NAME:COUNT`` spelling, None for CPU-only types."""
        if not self.accelerator or self.accelerator_count <= 0:
            return None
        return f"{self.accelerator}:{self.accelerator_count}"


def allowed_types(spec: Any, prefer_cluster: bool) -> list[str]:
    """Instance types the stack provisions or allows, in the stack's own order."""
    types: list[str] = []
    aws = getattr(spec, "aws", None)
    gcp = getattr(spec, "gcp", None)
    if aws is not None:
        cluster = getattr(aws, "cluster", None)
        instances = getattr(aws, "instances", None)
        pool = getattr(aws, "pool", None)
        ordered = [cluster, instances] if prefer_cluster else [instances, cluster]
        types += [o.instance_type for o in ordered if o is not None]
        types += list(getattr(pool, "instance_types", ()) or ())
    if gcp is not None:
        cluster, vms, pool = (getattr(gcp, k, None) for k in ("cluster", "vms", "pool"))
        tpu = getattr(gcp, "tpu", None)
        ordered = [cluster, vms] if prefer_cluster else [vms, cluster]
        types += [o.machine_type for o in ordered if o is not None]
        if tpu is not None:
            types.append(tpu_facts.catalog_name(tpu.tpu_type))
        if pool is not None:
            types.append(pool.machine_type)
    return list(dict.fromkeys(types))


def stack_spot(spec: Any) -> bool:
    """Whether the stack buys spot for its machines."""
    for part in (getattr(spec, "aws", None), getattr(spec, "gcp", None)):
        for key in ("instances", "cluster", "vms", "tpu"):
            obj = getattr(part, key, None) if part is not None else None
            if obj is not None and getattr(obj, "spot", False):
                return True
        if part is not None and getattr(part, "pool", None) is not None and spec.cloud == "aws":
            return True
    return False


def choices(spec: Any, types: list[str], spot: bool) -> list[Choice]:
    """Price every allowed type in the stack's region (types not offered there are skipped)."""
    from ailab.costs.accelerators import catalog_name_map, get_accelerator

    names = catalog_name_map()
    out = []
    for itype in types:
        row = catalog.find_price(spec.cloud, itype, spec.region)
        if row is None:
            continue
        peak = 0.0
        if row.accelerator:
            try:
                acc = get_accelerator(names.get(row.accelerator, row.accelerator))
                peak = acc.peak_flops * row.accelerator_count
            except CatalogError:
                peak = 0.0
        use_spot = spot and row.has_spot
        hourly = row.spot_usd_hr if use_spot and row.spot_usd_hr is not None else row.price_usd_hr
        out.append(Choice(spec.cloud, itype, spec.region, row.accelerator,
                          int(row.accelerator_count), hourly, peak, use_spot, row.source,
                          row.as_of))
    return out


def pick(options: list[Choice], plan: str) -> Choice:
    """The plan's choice among priced options."""
    if plan not in PLANS:
        raise WorkloadError(f"{plan!r} is not a plan; valid: {', '.join(PLANS)}", field="plan")
    if not options:
        raise WorkloadError("the stack allows no instance type priced in its region", field="plan",
                            hint="set ailab:instanceType, poolInstanceTypes or "
                                 "clusterInstanceType in the stack")
    if plan == "cheapest":
        return min(options, key=lambda c: (c.hourly_usd, -c.peak_flops))
    return max(options, key=lambda c: (c.peak_flops, -c.hourly_usd))
