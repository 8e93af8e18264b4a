"""Which instance type a workload gets: the stack's allowed types and a plan.

``cheapest``: the lowest hourly price in the stack's region (spot price when
the workload runs on spot). ``fastest``: the most dense BF16 FLOP/s per
instance (accelerator peak x count), ties broken by price. Prices come from the
embedded table, peaks from the accelerator table.
"""

from __future__ import annotations

from dataclasses import dataclass

from ailab.core.errors import CatalogError, WorkloadError
from ailab.costs import catalog
from ailab.infra.spec import LabSpec

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


def allowed_types(spec: LabSpec, prefer_cluster: bool) -> list[str]:
    """Instance types the stack provisions or allows, in the stack's own order: its
    stand-alone machines and cluster (cluster first when ``prefer_cluster``), TPU
    slices, then the pool's types."""
    groups = spec.machine_groups()
    first = ("cluster",) if prefer_cluster else ("instances", "vms")
    rank = {role: i for i, role in enumerate((*first, "instances", "vms", "cluster", "tpu",
                                               "pool"))}
    ordered = sorted(groups, key=lambda g: rank.get(g.role, len(rank)))
    return list(dict.fromkeys(t for g in ordered for t in g.instance_types))


def stack_spot(spec: LabSpec) -> bool:
    """Whether the stack buys spot for any of its machines."""
    return any(g.spot for g in spec.machine_groups())


def choices(spec: LabSpec, types: list[str], spot: bool) -> list[Choice]:
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
