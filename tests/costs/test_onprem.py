from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailab.core.errors import EstimateError
from ailab.costs.onprem import (
    OnPremServer,
    annual_cost,
    break_even_utilisation,
    tco_summary,
    usd_per_gpu_hour,
)


def server(**over: float) -> OnPremServer:
    base = dict(gpu="H100", gpus_per_server=8, capex_usd=200_000, amortisation_years=4,
                residual_fraction=0.2, power_kw=10, idle_power_fraction=0.5, pue=1.5,
                usd_per_kwh=0.1, colocation_usd_per_kw_month=100,
                staff_overhead_usd_per_year=10_000, source="test quote", as_of="2026-01-01")
    base.update(over)
    return OnPremServer.model_validate(base)


def test_annual_cost_by_hand() -> None:
    s = server()
    # capital 200000*0.8/4 = 40000; colo 100*10*12 = 12000; staff 10000;
    # energy at full load 10*1.5*8760*0.1 = 13140, idle half = 6570 -> fixed 68570
    assert s.fixed_usd_per_year == pytest.approx(68_570)
    assert s.variable_usd_per_year_full == pytest.approx(6_570)
    assert annual_cost(s, 0.5) == pytest.approx(68_570 + 3_285)
    # per used GPU-hour at 50%: 71855 / (8 * 8760 * 0.5) = 2.05066
    assert usd_per_gpu_hour(s, 0.5) == pytest.approx(71_855 / 35_040)


def test_break_even_by_hand() -> None:
    s = server()
    # u* = 68570 / (2.0 * 8 * 8760 - 6570) = 68570 / 133590 = 0.51329
    assert break_even_utilisation(s, 2.0) == pytest.approx(68_570 / 133_590)
    assert break_even_utilisation(s, 0.5) is None  # would need > 100%
    summary = tco_summary(s, 0.8, 2.0)
    assert summary["break_even_utilisation"] == pytest.approx(0.51329, rel=1e-4)


@given(price=st.floats(0.5, 20.0), capex=st.floats(5e4, 5e5), kwh=st.floats(0.0, 0.4))
def test_break_even_is_where_the_curves_cross(price: float, capex: float, kwh: float) -> None:
    s = server(capex_usd=capex, usd_per_kwh=kwh)
    u = break_even_utilisation(s, price)
    if u is None:
        assert usd_per_gpu_hour(s, 1.0) >= price - 1e-9
        return
    assert usd_per_gpu_hour(s, u) == pytest.approx(price, rel=1e-9)
    if u < 0.99:
        assert usd_per_gpu_hour(s, min(1.0, u + 0.01)) < price
    assert usd_per_gpu_hour(s, u * 0.9) > price


def test_bad_inputs() -> None:
    with pytest.raises(EstimateError, match="utilisation"):
        usd_per_gpu_hour(server(), 1.5)
    with pytest.raises(EstimateError, match="utilisation"):
        usd_per_gpu_hour(server(), 0.0)
    with pytest.raises(EstimateError, match="cloud price"):
        break_even_utilisation(server(), 0.0)
