"""Reprice the GCP rows of the price table from the Cloud Billing Catalog API.

The Catalog API (``CloudCatalogClient.list_skus``) lists every public SKU of a
service with its description, category (resource group, usage type), service
regions and tiered unit price. GCP prices a VM as parts, so a machine type's
hourly price is rebuilt the way SkyPilot's ``fetch_gcp.py`` does it:

- host: vCPUs x the series' "Instance Core" SKU + GiB x its "Instance Ram" SKU
  (``OnDemand`` usage for on-demand, ``Preemptible`` for spot);
- GPUs: count x the GPU SKU (resource group ``GPU``) of the accelerator;
- TPU slices: chips x the per-chip price (v2/v3/v4 SKUs price 4 chips, v5e,
  v5p and v6e SKUs one chip; spot SKUs say "Preemptible" in their description).

Only SKUs whose region list names the row's region count. A row whose parts
are not all found keeps its previous price, source and date. SKU objects are
read by attribute (``description``, ``category.resource_group``,
``category.usage_type``, ``service_regions``, ``pricing_info[0].pricing_expression
.tiered_rates[0].unit_price.units/nanos``), the shape of ``google.cloud.billing_v1.Sku``;
no Google library is imported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from ailab.core.errors import CatalogRefreshError
from ailab.costs.refresh import _reprice

GCE_SERVICE = "services/6F81-5844-456A"
"""Compute Engine (VMs, GPUs, TPU v5/v6)."""
TPU_SERVICE = "services/E000-3F24-B8AA"
"""Cloud TPU (TPU v2-v4)."""
GCP_SOURCE = "gcp-cloud-billing-catalog-api"

SERIES = {"a2": "A2 Instance", "a3": "A3 Instance", "a4": "A4 Instance",
          "g2": "G2 Instance", "n2": "N2 Instance"}
GPU_NAMES = {"A100": ("A100 GPU",), "A100-80GB": ("A100 80GB GPU",),
             "H100": ("H100 80GB GPU",),
             "H100-MEGA": ("H100 80GB Mega GPU", "H100 Mega 80GB GPU", "H100 80GB Plus GPU"),
             "H200": ("H200 141GB GPU",), "B200": ("Nvidia B200 (1 gpu slice)",),
             "L4": ("L4 GPU",), "T4": ("T4 GPU",), "V100": ("V100 GPU",)}
TPU_NAMES = {"v2": ("Tpu-v2", 4), "v3": ("Tpu-v3", 4), "v4": ("Tpu-v4", 4),
             "v5litepod": ("TpuV5e", 1), "v5p": ("TpuV5p", 1), "v6e": ("TpuV6e", 1)}
"""TPU generation -> (description word, chips one SKU unit prices)."""
_SKIP = ("custom", "premium", "reserved", "sole tenancy", "commitment", "dws", "calendar")


@dataclass(frozen=True)
class SkuPrice:
    """One SKU reduced to what pricing needs."""

    description: str
    resource_group: str
    usage_type: str
    regions: frozenset[str]
    usd: float


def unit_price(sku: Any) -> float | None:
    """USD per unit of a SKU's first pricing tier (None when it has no rate)."""
    infos = list(sku.pricing_info)
    if not infos:
        return None
    rates = list(infos[0].pricing_expression.tiered_rates)
    if not rates:
        return None
    money = rates[0].unit_price
    return float(money.units) + money.nanos / 1e9


def read_skus(list_skus: Callable[[str], Iterable[Any]],
              services: Iterable[str] = (GCE_SERVICE, TPU_SERVICE)) -> list[SkuPrice]:
    """The Compute SKUs (on-demand and preemptible, no commitments) of the services."""
    out = []
    for service in services:
        for sku in list_skus(service):
            category = sku.category
            desc = str(sku.description)
            if category.resource_family != "Compute" or category.usage_type not in (
                    "OnDemand", "Preemptible") or any(w in desc.lower() for w in _SKIP):
                continue
            usd = unit_price(sku)
            if usd is not None:
                out.append(SkuPrice(desc, str(category.resource_group),
                                    str(category.usage_type),
                                    frozenset(sku.service_regions), usd))
    return out


class SkuIndex:
    """SKU look-ups by region, usage type and description words."""

    def __init__(self, skus: list[SkuPrice]) -> None:
        self.by_region: dict[tuple[str, str], list[SkuPrice]] = {}
        for sku in skus:
            for region in sku.regions:
                self.by_region.setdefault((region, sku.usage_type), []).append(sku)

    def find(self, region: str, spot: bool, words: Iterable[str], group: str | None = None,
             tpu: bool = False) -> float | None:
        """The first SKU in ``region`` whose description holds one of ``words``."""
        usage = "Preemptible" if spot and not tpu else "OnDemand"
        for sku in self.by_region.get((region, usage), []):
            if group is not None and sku.resource_group != group:
                continue
            if tpu and (("Preemptible" in sku.description) != spot):
                continue
            if any(w in sku.description for w in words):
                return sku.usd
        return None

    def host(self, itype: str, region: str, vcpus: float, gib: float,
             spot: bool) -> float | None:
        series = SERIES.get(itype.split("-")[0])
        if series is None:
            return None
        core = self.find(region, spot, (f"{series} Core",), "CPU")
        ram = self.find(region, spot, (f"{series} Ram",), "RAM")
        return None if core is None or ram is None else core * vcpus + ram * gib

    def gpus(self, name: str, count: float, region: str, spot: bool) -> float | None:
        if not name:
            return 0.0
        words = GPU_NAMES.get(name)
        found = self.find(region, spot, words, "GPU") if words else None
        return None if found is None else found * count

    def tpu(self, generation: str, chips: float, region: str, spot: bool) -> float | None:
        word, chips_per_unit = TPU_NAMES.get(generation, ("", 0))
        found = self.find(region, spot, (word,), tpu=True) if word else None
        return None if found is None else found * chips / chips_per_unit


def row_price(index: SkuIndex, row: dict[str, Any], spot: bool) -> float | None:
    """A table row's hourly price from SKUs, or None when a part is missing."""
    itype, region = str(row["instance_type"]), str(row["region"])
    if itype.startswith("tpu-"):
        generation = itype.removeprefix("tpu-").rsplit("-", 1)[0]
        return index.tpu(generation, float(row["accelerator_count"]), region, spot)
    host = index.host(itype, region, float(row["vcpus"]), float(row["memory_gib"]), spot)
    gpus = index.gpus(str(row["accelerator"] or ""), float(row["accelerator_count"]), region,
                      spot)
    return None if host is None or gpus is None else host + gpus


def refresh_gcp(base: pd.DataFrame, list_skus: Callable[[str], Iterable[Any]],
                today: str | None = None) -> pd.DataFrame:
    """The base table with its GCP rows repriced from the Cloud Billing Catalog API."""
    index = SkuIndex(read_skus(list_skus))
    when = today or date.today().isoformat()
    table = base.copy()
    repriced = 0
    for idx in table.index[table["cloud"] == "gcp"]:
        row = table.loc[idx].to_dict()
        on_demand = row_price(index, row, spot=False)
        if on_demand is None or on_demand <= 0:
            continue
        _reprice(table, idx, round(on_demand, 6), row_price(index, row, spot=True),
                 GCP_SOURCE, when)
        repriced += 1
    if not repriced:
        raise CatalogRefreshError("Cloud Billing Catalog returned no prices for the table's "
                                  "GCP machine types")
    return table
