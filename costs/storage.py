"""Object-storage tiering: which tiering is cheapest for a scenario, and its stack config.

Every tiering (Standard, the configured lifecycles, S3 Intelligent-Tiering or
GCS Autoclass, and optionally the best of a grid of lifecycle schedules) is
priced by the cohort simulation in ``costs.storage_sim``; this module collects
the bills, recommends the cheapest and writes the ``ailab:bucket*`` keys that
set it up.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import yaml

from ailab.costs.storage_scenario import Lifecycle, StorageScenario
from ailab.costs.storage_sim import (
    Sim,
    autoclass_profile,
    intelligent_tiering_profile,
    lifecycle_profile,
    standard_profile,
)


@dataclass
class TieringResult:
    """One tiering's bill over the horizon and the stack config that sets it up."""

    name: str
    kind: str
    monthly_usd: list[float]
    breakdown: dict[str, float]
    stack_config: dict[str, object]
    lifecycle: Lifecycle | None = None

    @property
    def total_usd(self) -> float:
        return float(sum(self.monthly_usd))

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "kind": self.kind, "total_usd": round(self.total_usd, 2),
                "monthly_usd": [round(v, 2) for v in self.monthly_usd],
                "breakdown_usd": {k: round(v, 2) for k, v in self.breakdown.items()},
                "stack_config": self.stack_config}


@dataclass
class StorageEstimate:
    """All simulated tierings, the cheapest one and the prices used."""

    scenario: StorageScenario
    tierings: list[TieringResult]
    recommended: str
    searched_lifecycles: int
    prices: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def recommended_tiering(self) -> TieringResult:
        return next(p for p in self.tierings if p.name == self.recommended)

    def config_yaml(self) -> str:
        """The recommendation as a ``config:`` block for stacks/Pulumi.<name>.yaml."""
        return yaml.safe_dump({"config": self.recommended_tiering.stack_config},
                              sort_keys=False)

    def as_dict(self) -> dict[str, object]:
        best = self.recommended_tiering
        standard = self.tierings[0].total_usd
        return {
            "scenario": self.scenario.name, "cloud": self.scenario.cloud,
            "region": self.scenario.region, "months": self.scenario.months,
            "tierings": [p.as_dict() for p in self.tierings],
            "recommended": {"name": best.name, "total_usd": round(best.total_usd, 2),
                            "saving_vs_standard_usd": round(standard - best.total_usd, 2),
                            "stack_config": best.stack_config,
                            "config_yaml": self.config_yaml()},
            "searched_lifecycles": self.searched_lifecycles,
            "prices": self.prices,
        }


_GRID = {
    "aws": {"ia_days": (0, 30, 60, 90), "glacier_ir_days": (0, 30, 60, 90, 180, 365),
            "deep_archive_days": (0, 90, 180, 365, 730)},
    "gcp": {"nearline_days": (0, 30, 60, 90), "coldline_days": (0, 30, 60, 90, 180, 365),
            "archive_days": (0, 90, 180, 365, 730)},
}


def candidate_lifecycles(cloud: str) -> list[Lifecycle]:
    """Every valid schedule over a grid of common transition ages (the search space)."""
    names = list(_GRID[cloud])
    out = []
    for combo in itertools.product(*_GRID[cloud].values()):
        lc = Lifecycle.model_validate(dict(zip(names, combo, strict=True)))
        try:
            lc.check(cloud)
        except ValueError:
            continue
        out.append(lc)
    return out


def stack_config(sc: StorageScenario, kind: str, lc: Lifecycle | None = None) -> dict[str, object]:
    """The ``ailab:bucket*`` stack config keys that set a tiering up."""
    cfg: dict[str, object] = {"ailab:bucketTiering": kind if kind != "standard" else "none"}
    if lc is not None:
        keys = (("ailab:bucketIaDays", lc.ia_days), ("ailab:bucketGlacierIrDays",
                lc.glacier_ir_days), ("ailab:bucketDeepArchiveDays", lc.deep_archive_days))
        if sc.cloud == "gcp":
            keys = (("ailab:bucketNearlineDays", lc.nearline_days), ("ailab:bucketColdlineDays",
                    lc.coldline_days), ("ailab:bucketArchiveDays", lc.archive_days))
        cfg.update(dict(keys))
    if sc.cloud == "aws":
        cfg["ailab:abortMultipartDays"] = sc.abort_multipart_days
    return cfg


def simulate_tiering(sim: Sim, kind: str, lc: Lifecycle | None = None) -> TieringResult:
    """Price one tiering over the horizon."""
    profiles = []
    for b in sim.buckets:
        if kind == "lifecycle":
            assert lc is not None
            profiles.append(lifecycle_profile(sim, b, lc))
        elif kind == "intelligent-tiering":
            profiles.append(intelligent_tiering_profile(sim, b))
        elif kind == "autoclass":
            profiles.append(autoclass_profile(sim, b))
        else:
            profiles.append(standard_profile(sim, b))
    monthly, breakdown = sim.monthly(profiles)
    names = {"standard": "standard", "intelligent-tiering": "intelligent-tiering",
             "autoclass": f"autoclass ({sim.sc.autoclass_terminal_class.lower()} terminal)"}
    name = lc.label(sim.sc.cloud) if lc is not None else names[kind]
    return TieringResult(name, kind, [float(v) for v in monthly], breakdown,
                        stack_config(sim.sc, kind, lc), lc)


def estimate_storage(sc: StorageScenario) -> StorageEstimate:
    """Simulate every tiering for a scenario and recommend the cheapest."""
    sim = Sim(sc)
    managed = "intelligent-tiering" if sc.cloud == "aws" else "autoclass"
    tierings = [simulate_tiering(sim, "standard")]
    tierings += [simulate_tiering(sim, "lifecycle", lc) for lc in sc.configured_lifecycles()]
    tierings.append(simulate_tiering(sim, managed))
    searched = 0
    if sc.search_lifecycles:
        grid = candidate_lifecycles(sc.cloud)
        searched = len(grid)
        best = min((simulate_tiering(sim, "lifecycle", lc) for lc in grid),
                   key=lambda r: r.total_usd)
        known = {p.lifecycle for p in tierings if p.lifecycle is not None}
        rivals = [p for p in tierings if p.kind in ("lifecycle", "standard")]
        if best.lifecycle not in known and all(
                best.total_usd < p.total_usd - 1e-9 for p in rivals):
            best.name = f"{best.name} (best of {searched} searched)"
            tierings.append(best)
    cheapest = min(range(len(tierings)), key=lambda i: (round(tierings[i].total_usd, 6), i))
    return StorageEstimate(sc, tierings, tierings[cheapest].name, searched, dict(sim.p.used))


def storage_chart(est: StorageEstimate, path: str) -> None:
    """Cumulative cost per tiering by month, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5))
    for pol in est.tierings:
        style = "-" if pol.name == est.recommended else "--"
        months = range(1, len(pol.monthly_usd) + 1)
        ax.plot(months, np.cumsum(pol.monthly_usd), style, label=f"{pol.name}")
    ax.set_xlabel("month")
    ax.set_ylabel("cumulative cost (USD)")
    ax.set_title(f"{est.scenario.name}: {est.scenario.cloud} {est.scenario.region}, "
                 f"recommended: {est.recommended}")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
