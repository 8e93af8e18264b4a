from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ailab.core.errors import EstimateError
from ailab.costs.spot import (
    BUCKETS,
    bucket_rate,
    daly_interval,
    expected_hours,
    monthly_to_hourly,
    spot_estimate,
    young_interval,
)


def test_young_and_daly_by_hand() -> None:
    # delta = 0.1 h, M = 100 h: Young sqrt(2*0.1*100) = sqrt(20) = 4.47214
    assert young_interval(0.1, 100.0) == pytest.approx(4.472136, rel=1e-6)
    # Daly: 4.472136 * (1 + sqrt(0.0005)/3 + 0.0005/9) - 0.1 = 4.405674
    assert daly_interval(0.1, 100.0) == pytest.approx(4.405674, rel=1e-5)
    # delta >= 2M: the interval is M
    assert daly_interval(300.0, 100.0) == pytest.approx(100.0)


def test_expected_hours_by_hand() -> None:
    # W=100, M=100 (rate 0.01), delta=0.1, R=0.2, tau=5:
    # T = 100 * e^0.002 * (e^0.051 - 1) * 100/5 = 104.8553
    hand = 100 * math.exp(0.002) * (math.exp(0.051) - 1) * 100 / 5
    assert hand == pytest.approx(104.8553, rel=1e-5)
    assert expected_hours(100.0, 0.01, 0.1, 0.2, 5.0) == pytest.approx(hand, rel=1e-12)


def test_no_interruptions_means_no_overhead() -> None:
    assert expected_hours(100.0, 0.0, 0.1, 0.2) == 100.0
    # A fixed interval still pays for its checkpoints: 100 * (1 + 0.1/5) = 102
    assert expected_hours(100.0, 0.0, 0.1, 0.2, 5.0) == pytest.approx(102.0)


def test_bucket_rates() -> None:
    # 5-10% bucket, midpoint 7.5% a month: -ln(0.925)/730 per hour
    assert bucket_rate("5-10%") == pytest.approx(-math.log(0.925) / 730)
    rates = [bucket_rate(b) for b in BUCKETS]
    assert rates == sorted(rates)
    with pytest.raises(EstimateError, match="known: <5%"):
        bucket_rate("30%")
    with pytest.raises(EstimateError):
        monthly_to_hourly(1.0)


def test_spot_estimate_recommends() -> None:
    cheap = spot_estimate(100.0, 10.0, 3.0, 0.01, 0.1, 0.2)
    assert cheap.spot_cost_usd == pytest.approx(cheap.expected_hours * 3.0)
    assert cheap.savings_usd > 0 and cheap.recommendation.startswith("spot")
    assert cheap.checkpoint_interval_hours == pytest.approx(daly_interval(0.1, 100.0))
    dear = spot_estimate(100.0, 10.0, 9.9, 0.05, 0.5, 1.0)
    assert dear.savings_usd < 0 and dear.recommendation.startswith("on-demand")
    with pytest.raises(EstimateError, match="interruption rate"):
        spot_estimate(100.0, 10.0, 3.0, -1.0, 0.1, 0.2)


@given(work=st.floats(0.1, 1e4), od=st.floats(0.01, 1e3), share=st.floats(0.0, 1.0),
       ckpt=st.floats(0.0, 2.0), restart=st.floats(0.0, 2.0))
def test_spot_without_interruptions_never_costs_more(work: float, od: float, share: float,
                                                     ckpt: float, restart: float) -> None:
    est = spot_estimate(work, od, od * share, 0.0, ckpt, restart)
    assert est.spot_cost_usd <= est.on_demand_cost_usd + 1e-9


@given(rate=st.floats(1e-6, 0.5), ckpt=st.floats(1e-3, 1.0), restart=st.floats(0.0, 1.0))
def test_interruptions_only_add_time(rate: float, ckpt: float, restart: float) -> None:
    assert expected_hours(50.0, rate, ckpt, restart) >= 50.0
    assert expected_hours(50.0, rate * 2, ckpt, restart) >= expected_hours(50.0, rate, ckpt,
                                                                          restart) - 1e-9
