"""On-prem total cost of ownership per GPU-hour, and break-even against a cloud price.

Every default is a row of ``costs/data/onprem_defaults.csv`` with its source
(or the statement that none was found); a plan file overrides any of them.

A server carries its share of the cluster: ``capital = capex + (network +
storage and installation) x GPUs``. A year of one server costs

    capital  = (capital - residual / (1 + r) ** n) x r / (1 - (1 + r) ** -n)    annuity, rate r,
                                                                               life n years
    fixed    = capital + colocation x kW x 12 + staff + idle energy
    energy   = kW x PUE x 8760 x USD/kWh            at full load; idle share always drawn
    variable = energy x (1 - idle share) x utilisation

so cost(u) = F + V u per server-year (``u`` is the share of all hours the GPUs
work; it cannot exceed the availability). It breaks even with a cloud price P
per GPU-hour where F + V u = P G 8760 u, i.e. ``u* = F / (P G 8760 - V)``. The
break-even is always reported: a utilisation, or the reason there is none (the
cloud price is below on-prem's energy cost per GPU-hour, or ``u*`` is above the
availability).

Capital recovery: ``annuity`` (default) charges the annuity every month, so a
horizon shorter than the life assumes the servers keep their value afterwards
(used on, or sold at the annuity's book value) and the output says so;
``purchase`` charges the whole capital in the first month and recovers nothing
within the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ailab.core.errors import EstimateError

HOURS_PER_YEAR = 8760.0
DEFAULTS_CSV = Path(__file__).parent / "data" / "onprem_defaults.csv"


@lru_cache(maxsize=2)
def defaults_table(path: Path = DEFAULTS_CSV) -> pd.DataFrame:
    """Every on-prem default with its range, unit and source."""
    return pd.read_csv(path, dtype={"source": str, "unit": str})


def default(name: str) -> float:
    """One default's value (``capex_usd.H100`` style names are per accelerator)."""
    table = defaults_table()
    row = table[table["parameter"] == name]
    if row.empty:
        raise KeyError(name)
    return float(row.iloc[0]["value"])


def _default(name: str) -> float:
    return default(name)


class OnPremServer(BaseModel):
    """One server model and what it costs to own and run (defaults: onprem_defaults.csv)."""

    model_config = ConfigDict(extra="forbid")

    gpu: str
    gpus_per_server: int = Field(8, gt=0)
    capex_usd: float | None = Field(None, gt=0, description="server price, installed; "
                                    "default only for 8xH100")
    network_usd_per_gpu: float = Field(default_factory=lambda: _default("network_usd_per_gpu"),
                                       ge=0)
    storage_install_usd_per_gpu: float = Field(
        default_factory=lambda: _default("storage_install_usd_per_gpu"), ge=0)
    cost_of_capital: float = Field(default_factory=lambda: _default("cost_of_capital"),
                                   ge=0, le=1)
    amortisation_years: float = Field(default_factory=lambda: _default("amortisation_years"),
                                      gt=0)
    residual_fraction: float = Field(default_factory=lambda: _default("residual_fraction"),
                                     ge=0, lt=1)
    power_kw: float | None = Field(None, gt=0, description="full-load IT power per server")
    idle_power_fraction: float = Field(default_factory=lambda: _default("idle_power_fraction"),
                                       ge=0, le=1)
    pue: float = Field(default_factory=lambda: _default("pue"), ge=1.0)
    usd_per_kwh: float = Field(default_factory=lambda: _default("usd_per_kwh"), ge=0)
    colocation_usd_per_kw_month: float = Field(
        default_factory=lambda: _default("colocation_usd_per_kw_month"), ge=0)
    staff_usd_per_server_year: float = Field(
        default_factory=lambda: _default("staff_usd_per_server_year"), ge=0)
    availability: float = Field(default_factory=lambda: _default("availability"), gt=0, le=1)
    capital_recovery: Literal["annuity", "purchase"] = "annuity"
    source: str = Field("onprem_defaults.csv", min_length=1,
                        description="where the money figures come from")
    as_of: str = Field("2026-11", min_length=1)

    @model_validator(mode="after")
    def _per_gpu_defaults(self) -> OnPremServer:
        from ailab.core.errors import AilabError
        from ailab.costs.accelerators import canonical_name

        try:
            self.gpu = canonical_name(self.gpu)
        except AilabError as exc:
            raise ValueError(exc.problem) from None
        for name in ("capex_usd", "power_kw"):
            if getattr(self, name) is not None:
                continue
            try:
                value = default(f"{name}.{self.gpu}")
            except KeyError:
                raise ValueError(f"{name} has no default for {self.gpu}; give your quote") \
                    from None
            if self.gpus_per_server != 8:
                raise ValueError(f"{name} defaults are for 8-GPU servers; give your quote")
            setattr(self, name, value)
        return self

    @property
    def capital_usd(self) -> float:
        """Server plus its share of the cluster network, storage and installation."""
        assert self.capex_usd is not None
        per_gpu = self.network_usd_per_gpu + self.storage_install_usd_per_gpu
        return self.capex_usd + per_gpu * self.gpus_per_server

    @property
    def capital_usd_per_year(self) -> float:
        """Annuity that repays the capital net of the discounted residual value."""
        r, n = self.cost_of_capital, self.amortisation_years
        residual = self.capital_usd * self.residual_fraction / (1.0 + r) ** n
        net = self.capital_usd - residual
        paid_down = -math.expm1(-n * math.log1p(r))  # 1 - (1 + r) ** -n, exact for tiny r
        return net / n if r * n < 1e-9 else net * r / paid_down

    @property
    def energy_usd_per_year_full(self) -> float:
        assert self.power_kw is not None
        return self.power_kw * self.pue * HOURS_PER_YEAR * self.usd_per_kwh

    @property
    def opex_fixed_usd_per_year(self) -> float:
        """Colocation, staff and idle power: paid whether the GPUs work or not."""
        assert self.power_kw is not None
        colo = self.colocation_usd_per_kw_month * self.power_kw * 12.0
        idle = self.energy_usd_per_year_full * self.idle_power_fraction
        return colo + self.staff_usd_per_server_year + idle

    @property
    def fixed_usd_per_year(self) -> float:
        return self.capital_usd_per_year + self.opex_fixed_usd_per_year

    @property
    def variable_usd_per_year_full(self) -> float:
        """Energy above idle at 100% utilisation."""
        return self.energy_usd_per_year_full * (1.0 - self.idle_power_fraction)

    @property
    def variable_usd_per_gpu_hour(self) -> float:
        return self.variable_usd_per_year_full / (HOURS_PER_YEAR * self.gpus_per_server)

    def capital_note(self, horizon_months: int | None = None) -> str:
        """How capital is charged, in words (the output must not hide it)."""
        if self.capital_recovery == "purchase":
            return (f"capital bought outright in month 1 (${self.capital_usd:,.0f} per server "
                    f"with network and storage); no resale within the horizon")
        note = (f"capital as an annuity over {self.amortisation_years:g} years at "
                f"{self.cost_of_capital:.0%} (${self.capital_usd_per_year:,.0f} per server-year)")
        if horizon_months is not None and horizon_months < 12 * self.amortisation_years:
            note += (f"; the {horizon_months}-month horizon assumes the servers keep their value "
                     "afterwards (used on, or sold at book value)")
        return note


def annual_cost(server: OnPremServer, utilisation: float) -> float:
    """One server's cost for a year at a utilisation in [0, availability]."""
    _check_util(server, utilisation)
    return server.fixed_usd_per_year + server.variable_usd_per_year_full * utilisation


def usd_per_gpu_hour(server: OnPremServer, utilisation: float) -> float:
    """Cost of a used GPU-hour at a utilisation in (0, availability]."""
    _check_util(server, utilisation)
    if utilisation == 0:
        raise EstimateError("must be > 0 to price a used GPU-hour", field="utilisation")
    used = server.gpus_per_server * HOURS_PER_YEAR * utilisation
    return annual_cost(server, utilisation) / used


@dataclass(frozen=True)
class BreakEven:
    """The utilisation above which on-prem is cheaper, or why there is none."""

    utilisation: float | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"utilisation": self.utilisation, "reason": self.reason}


def break_even(server: OnPremServer, cloud_usd_per_gpu_hour: float) -> BreakEven:
    """Always an answer: the break-even utilisation, or the reason it is undefined."""
    if cloud_usd_per_gpu_hour <= 0:
        raise EstimateError(f"must be > 0, got {cloud_usd_per_gpu_hour}",
                            field="cloud_usd_per_gpu_hour")
    margin = (cloud_usd_per_gpu_hour * server.gpus_per_server * HOURS_PER_YEAR
              - server.variable_usd_per_year_full)
    if margin <= 0:
        energy = server.variable_usd_per_gpu_hour
        return BreakEven(None, f"the cloud price ${cloud_usd_per_gpu_hour:.2f} per GPU-hour is "
                               f"below on-prem energy alone (${energy:.2f})")
    u = server.fixed_usd_per_year / margin
    if u > server.availability:
        return BreakEven(None, f"on-prem would need {u:.0%} utilisation, above its "
                               f"{server.availability:.0%} availability")
    return BreakEven(u, f"on-prem is cheaper above {u:.0%} utilisation")


def break_even_utilisation(server: OnPremServer, cloud_usd_per_gpu_hour: float) -> float | None:
    """The break-even utilisation alone (None: see :func:`break_even` for why)."""
    return break_even(server, cloud_usd_per_gpu_hour).utilisation


def tco_summary(server: OnPremServer, utilisation: float,
                cloud_usd_per_gpu_hour: float | None = None) -> dict[str, object]:
    """The figures a report shows for one server model."""
    out: dict[str, object] = {
        "capital_usd": server.capital_usd,
        "capital_usd_per_year": server.capital_usd_per_year,
        "fixed_usd_per_year": server.fixed_usd_per_year,
        "variable_usd_per_year_at_full_load": server.variable_usd_per_year_full,
        "utilisation": utilisation,
        "usd_per_gpu_hour": usd_per_gpu_hour(server, utilisation),
    }
    if cloud_usd_per_gpu_hour is not None:
        even = break_even(server, cloud_usd_per_gpu_hour)
        out["cloud_usd_per_gpu_hour"] = cloud_usd_per_gpu_hour
        out["break_even_utilisation"] = even.utilisation
        out["break_even_reason"] = even.reason
    return out


def _check_util(server: OnPremServer, utilisation: float) -> None:
    if not 0.0 <= utilisation <= server.availability + 1e-12:
        raise EstimateError(f"must be in [0, availability {server.availability:g}], "
                            f"got {utilisation}", field="utilisation")
