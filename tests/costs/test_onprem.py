from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ailab.core.errors import EstimateError
from ailab.costs.onprem import (
    OnPremServer,
    annual_cost,
    break_even,
    break_even_utilisation,
    default,
    defaults_table,
    tco_summary,
    usd_per_gpu_hour,
)


def server(**over: object) -> OnPremServer:
    base: dict[str, object] = dict(
        gpu="H100", gpus_per_server=8, capex_usd=200_000, network_usd_per_gpu=1_000,
        storage_install_usd_per_gpu=1_500, cost_of_capital=0.0, amortisation_years=4,
        residual_fraction=0.2, power_kw=10, idle_power_fraction=0.5, pue=1.5, usd_per_kwh=0.1,
        colocation_usd_per_kw_month=100, staff_usd_per_server_year=10_000, availability=1.0,
        source="test quote", as_of="2026-01-01")
    base.update(over)
    return OnPremServer.model_validate(base)


def test_every_default_is_sourced() -> None:
    table = defaults_table()
    assert not table["parameter"].duplicated().any()
    for rec in table.to_dict("records"):
        assert len(rec["source"]) > 40, rec["parameter"]
        assert rec["low"] <= rec["value"] <= rec["high"], rec["parameter"]
    # Uptime Institute 2024: average PUE 1.56; Cheah: $310k per 8xH100 node.
    assert default("pue") == 1.56 and default("capex_usd.H100") == 310_000
    defaulted = OnPremServer(gpu="h100")
    assert defaulted.gpu == "H100" and defaulted.pue == 1.56 and defaulted.power_kw == 10.2
    assert defaulted.cost_of_capital == default("cost_of_capital")
    with pytest.raises(ValidationError, match="capex_usd has no default for L4"):
        OnPremServer(gpu="L4")


def test_annual_cost_by_hand() -> None:
    s = server()
    # capital 200000 + (1000 + 1500) * 8 = 220000; no interest: (220000 - 0.2 * 220000) / 4
    assert s.capital_usd == 220_000
    assert s.capital_usd_per_year == pytest.approx(44_000)
    # colo 100*10*12 = 12000; staff 10000; energy at full load 10*1.5*8760*0.1 = 13140,
    # idle half = 6570 -> fixed 44000 + 28570 = 72570
    assert s.fixed_usd_per_year == pytest.approx(72_570)
    assert s.variable_usd_per_year_full == pytest.approx(6_570)
    assert annual_cost(s, 0.5) == pytest.approx(72_570 + 3_285)
    assert usd_per_gpu_hour(s, 0.5) == pytest.approx(75_855 / 35_040)


def test_cost_of_capital_is_an_annuity() -> None:
    """10 % over 4 years: capital recovery factor 0.1 / (1 - 1.1**-4) = 0.315471."""
    s = server(cost_of_capital=0.10, residual_fraction=0.0)
    assert s.capital_usd_per_year == pytest.approx(220_000 * 0.315471, rel=1e-5)
    with_residual = server(cost_of_capital=0.10, residual_fraction=0.2)
    net = 220_000 - 0.2 * 220_000 / 1.1**4
    assert with_residual.capital_usd_per_year == pytest.approx(net * 0.315471, rel=1e-5)


def test_break_even_by_hand_and_reasons() -> None:
    s = server()
    # u* = 72570 / (2.0 * 8 * 8760 - 6570) = 72570 / 133590 = 0.54323
    assert break_even_utilisation(s, 2.0) == pytest.approx(72_570 / 133_590)
    assert "cheaper above 54%" in break_even(s, 2.0).reason
    low = break_even(s, 0.5)  # u* = 72570 / (35040 - 6570) > 1
    assert low.utilisation is None and "above its 100% availability" in low.reason
    energy = break_even(s, 0.05)  # below 6570 / 70080 = 0.094 per GPU-hour of energy
    assert energy.utilisation is None and "below on-prem energy alone" in energy.reason
    summary = tco_summary(s, 0.8, 2.0)
    assert summary["break_even_utilisation"] == pytest.approx(0.54323, rel=1e-4)
    assert summary["break_even_reason"]


def test_short_horizon_says_how_capital_is_charged() -> None:
    assert "keep their value" in server().capital_note(12)
    assert "keep their value" not in server().capital_note(48)
    assert "bought outright" in server(capital_recovery="purchase").capital_note(12)


@given(price=st.floats(0.5, 20.0), capex=st.floats(5e4, 5e5), kwh=st.floats(0.0, 0.4),
       rate=st.floats(0.0, 0.2))
def test_break_even_is_where_the_curves_cross(price: float, capex: float, kwh: float,
                                              rate: float) -> None:
    s = server(capex_usd=capex, usd_per_kwh=kwh, cost_of_capital=rate)
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
        usd_per_gpu_hour(server(availability=0.9), 0.95)
    with pytest.raises(EstimateError, match="utilisation"):
        usd_per_gpu_hour(server(), 0.0)
    with pytest.raises(EstimateError, match="cloud_usd_per_gpu_hour"):
        break_even(server(), 0.0)
