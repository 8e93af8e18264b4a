"""On-prem total cost of ownership per GPU-hour, and break-even against cloud.

A year of one server costs

    fixed    = (capex - residual) / amortisation_years          straight-line
             + colocation_usd_per_kw_month * power_kw * 12      space, cooling, power capacity
             + staff_overhead_usd_per_year                      people, support, spares
             + idle energy: power_kw * idle_fraction * PUE * 8760 * usd_per_kwh
    variable = power_kw * (1 - idle_fraction) * PUE * 8760 * usd_per_kwh * utilisation

so cost(u) = F + V u per server-year, and the cost of a *used* GPU-hour is
cost(u) / (gpus * 8760 * u). It breaks even with a cloud price P per GPU-hour
where F + V u = P G 8760 u, i.e. ``u* = F / (P G 8760 - V)``; above ``u*``
on-prem is cheaper. When ``u* > 1`` on-prem never breaks even. Money figures have
no defaults: they come from the user's quote, with its source and date.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat

from ailab.core.errors import EstimateError

HOURS_PER_YEAR = 8760.0


class OnPremServer(BaseModel):
    """One server model and what it costs to own and run."""

    model_config = ConfigDict(extra="forbid")

    gpu: str = Field(max_length=100)
    gpus_per_server: int = Field(8, gt=0, le=64)
    capex_usd: FiniteFloat = Field(gt=0, le=1e9,
                                   description="purchase price per server, installed")
    amortisation_years: FiniteFloat = Field(4.0, gt=0, le=50)
    residual_fraction: FiniteFloat = Field(0.1, ge=0, lt=1,
                                           description="resale value share at the end")
    power_kw: FiniteFloat = Field(gt=0, le=1000,
                                  description="draw at full load per server, IT power")
    idle_power_fraction: FiniteFloat = Field(0.3, ge=0, le=1)
    pue: FiniteFloat = Field(1.3, ge=1.0, le=10,
                             description="power usage effectiveness of the facility")
    usd_per_kwh: FiniteFloat = Field(ge=0, le=100)
    colocation_usd_per_kw_month: FiniteFloat = Field(0.0, ge=0, le=1e6)
    staff_overhead_usd_per_year: FiniteFloat = Field(0.0, ge=0, le=1e9, description="per server")
    availability: FiniteFloat = Field(0.97, ge=0.01, le=1, description="share of hours usable")
    source: str = Field(min_length=1, max_length=500,
                        description="where the money figures come from")
    as_of: str = Field(min_length=1, max_length=100, description="date of the quote")

    @property
    def energy_usd_per_year_full(self) -> float:
        return self.power_kw * self.pue * HOURS_PER_YEAR * self.usd_per_kwh

    @property
    def fixed_usd_per_year(self) -> float:
        capital = self.capex_usd * (1.0 - self.residual_fraction) / self.amortisation_years
        colo = self.colocation_usd_per_kw_month * self.power_kw * 12.0
        idle = self.energy_usd_per_year_full * self.idle_power_fraction
        return capital + colo + self.staff_overhead_usd_per_year + idle

    @property
    def variable_usd_per_year_full(self) -> float:
        """Energy above idle at 100% utilisation."""
        return self.energy_usd_per_year_full * (1.0 - self.idle_power_fraction)

    @property
    def variable_usd_per_gpu_hour(self) -> float:
        return self.variable_usd_per_year_full / (HOURS_PER_YEAR * self.gpus_per_server)


def annual_cost(server: OnPremServer, utilisation: float) -> float:
    """One server's cost for a year at a utilisation in [0, 1]."""
    _check_util(utilisation)
    return server.fixed_usd_per_year + server.variable_usd_per_year_full * utilisation


def usd_per_gpu_hour(server: OnPremServer, utilisation: float) -> float:
    """Cost of a used GPU-hour at a utilisation in (0, 1]."""
    _check_util(utilisation)
    if utilisation == 0:
        raise EstimateError("utilisation: must be > 0 to price a used GPU-hour")
    used = server.gpus_per_server * HOURS_PER_YEAR * utilisation
    return annual_cost(server, utilisation) / used


def break_even_utilisation(server: OnPremServer, cloud_usd_per_gpu_hour: float) -> float | None:
    """Utilisation above which on-prem is cheaper than the cloud price; None if never (> 1)."""
    if cloud_usd_per_gpu_hour <= 0:
        raise EstimateError(f"cloud price per GPU-hour must be > 0, got {cloud_usd_per_gpu_hour}")
    margin = (cloud_usd_per_gpu_hour * server.gpus_per_server * HOURS_PER_YEAR
              - server.variable_usd_per_year_full)
    if margin <= 0:
        return None
    u = server.fixed_usd_per_year / margin
    return u if u <= 1.0 else None


def tco_summary(server: OnPremServer, utilisation: float,
                cloud_usd_per_gpu_hour: float | None = None) -> dict[str, float | None]:
    """The figures a report shows for one server model."""
    out: dict[str, float | None] = {
        "fixed_usd_per_year": server.fixed_usd_per_year,
        "variable_usd_per_year_at_full_load": server.variable_usd_per_year_full,
        "utilisation": utilisation,
        "usd_per_gpu_hour": usd_per_gpu_hour(server, utilisation),
    }
    if cloud_usd_per_gpu_hour is not None:
        out["cloud_usd_per_gpu_hour"] = cloud_usd_per_gpu_hour
        out["break_even_utilisation"] = break_even_utilisation(server, cloud_usd_per_gpu_hour)
    return out


def _check_util(utilisation: float) -> None:
    if not 0.0 <= utilisation <= 1.0:
        raise EstimateError(f"utilisation: must be in [0, 1], got {utilisation}")
