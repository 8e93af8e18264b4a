"""``ailab bench report``: speed-up and cost per epoch from results x catalog prices.

Each result is priced on an instance type: the one recorded in the results file
(the launcher sets ``AILAB_INSTANCE_TYPE``), else the cheapest single-accelerator
type of its accelerator in the region, else (CPU runs) a CPU baseline row such
as ``m7i.2xlarge``. A multi-accelerator type is charged pro rata for the
accelerators the run used. Speed-up is relative to the slowest result per model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ailab.core.errors import CatalogError
from ailab.costs import catalog
from ailab.workloads.bench.results import BenchResults

DEFAULT_CPU_INSTANCE = "m7i.2xlarge"


@dataclass(frozen=True)
class ReportRow:
    file: str
    hardware: str
    backend: str
    model: str
    time_per_epoch_s: float
    speedup: float
    tokens_per_s: float | None
    mfu: float | None
    instance_type: str
    hourly_usd: float
    cost_per_epoch_usd: float
    price_source: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def instance_for(res: BenchResults, cloud: str, region: str, cpu_instance: str
                 ) -> tuple[catalog.PriceRow, float]:
    """(price row, share of the instance used) for a result."""
    hw = res.hardware
    if hw.instance_type:
        row = catalog.find_price(cloud, hw.instance_type, region)
        if row is None:
            raise CatalogError(f"{hw.instance_type}: no {cloud} price in {region}; pass --region")
        share = min(1.0, hw.count / row.accelerator_count) if row.accelerator_count else 1.0
        return row, share
    if hw.accelerator is None:
        row = catalog.find_price(cloud, cpu_instance, region)
        if row is None:
            raise CatalogError(f"{cpu_instance} has no {cloud} price in {region}",
                               field="cpu_instance")
        return row, 1.0
    from ailab.costs.accelerators import catalog_name_map

    names = {v: k for k, v in catalog_name_map().items()}
    frame = catalog.load_prices()
    rows = frame[(frame["cloud"] == cloud) & (frame["region"] == region)
                 & (frame["accelerator"] == names.get(hw.accelerator, hw.accelerator))]
    if rows.empty:
        raise CatalogError(f"{hw.accelerator}: no {cloud} instance type in {region} has it; "
                           "pass --region or --cloud")
    rows = rows.assign(per_acc=rows["price_usd_hr"] / rows["accelerator_count"])
    best = rows.sort_values(["per_acc", "accelerator_count"]).iloc[0]
    row = catalog.find_price(cloud, str(best["instance_type"]), region)
    assert row is not None
    return row, min(1.0, hw.count / row.accelerator_count)


def build_report(results: list[tuple[Path, BenchResults]], cloud: str = "aws",
                 region: str = "us-east-1", cpu_instance: str = DEFAULT_CPU_INSTANCE
                 ) -> list[ReportRow]:
    rows: list[ReportRow] = []
    for model in ("cnn", "gpt"):
        slowest = max(getattr(r, model).time_per_epoch_s for _, r in results)
        for path, res in results:
            m = getattr(res, model)
            price, share = instance_for(res, cloud, region, cpu_instance)
            hourly = price.price_usd_hr * share
            rows.append(ReportRow(
                file=path.name, hardware=res.hardware.name, backend=res.software.backend,
                model=model, time_per_epoch_s=m.time_per_epoch_s,
                speedup=slowest / m.time_per_epoch_s, tokens_per_s=m.tokens_per_s, mfu=m.mfu,
                instance_type=price.instance_type, hourly_usd=hourly,
                cost_per_epoch_usd=hourly * m.time_per_epoch_s / 3600.0,
                price_source=f"{price.source} {price.as_of} ({price.region}, on-demand)"))
    return rows


def draw_chart(rows: list[ReportRow], path: Path) -> None:
    """Two panels per model: speed-up and cost per epoch, one bar per result."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = sorted({r.model for r in rows})
    fig, axes = plt.subplots(len(models), 2, figsize=(11, 3.2 * len(models)), squeeze=False)
    for i, model in enumerate(models):
        sel = [r for r in rows if r.model == model]
        labels = [f"{r.hardware[:22]}\n{r.backend} / {r.instance_type}" for r in sel]
        axes[i][0].barh(labels, [r.speedup for r in sel], color="tab:blue")
        axes[i][0].set_xlabel(f"{model.upper()} speed-up vs slowest (x)")
        axes[i][1].barh(labels, [r.cost_per_epoch_usd for r in sel], color="tab:orange")
        axes[i][1].set_xlabel(f"{model.upper()} cost per epoch (USD, on-demand)")
        axes[i][1].set_yticklabels([])
    fig.suptitle("ailab bench: speed-up and cost per epoch")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
