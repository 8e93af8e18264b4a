from __future__ import annotations

import numpy as np
import pytest

from ailab.core.errors import EstimateError
from ailab.costs.hybrid import best_base, cloud_monthly, hybrid_monthly, servers_for_peak
from ailab.costs.onprem import OnPremServer


def server() -> OnPremServer:
    # fixed per year: capital 96000*1/4 = 24000 (no residual) + staff 0 + colo 0 + idle 0 = 24000
    # -> 2000 a month; energy 1 kW * 1.0 * 8760 * 0.1 = 876/yr at full load, 8 GPUs
    return OnPremServer(gpu="H100", gpus_per_server=8, capex_usd=96_000, amortisation_years=4,
                        residual_fraction=0.0, power_kw=1.0, idle_power_fraction=0.0, pue=1.0,
                        usd_per_kwh=0.1, availability=1.0, source="t", as_of="2026-01-01")


def test_hybrid_by_hand() -> None:
    s = server()
    capacity = 8 * 730.0  # 5840 GPU-hours a month per server
    demand = [1000.0, 8000.0]
    out = hybrid_monthly(demand, s, 1, burst_usd_per_gpu_hour=2.0)
    var = 876.0 / (8760 * 8)  # 0.0125 USD per GPU-hour
    assert out.usd[0] == pytest.approx(2000 + 1000 * var)
    assert out.usd[1] == pytest.approx(2000 + capacity * var + (8000 - capacity) * 2.0)
    assert out.cloud_gpu_hours.tolist() == pytest.approx([0.0, 8000 - capacity])
    assert cloud_monthly(demand, 2.0).total_usd == pytest.approx(18_000)


def test_sizes_and_best_base() -> None:
    s = server()
    assert servers_for_peak([100.0, 5841.0], s) == 2
    # Steady demand of one full server: on-prem (2000 + 73) beats cloud at 2 USD (11680).
    servers, costs = best_base([5840.0] * 3, s, 2.0)
    assert servers == 1 and costs.total_usd == pytest.approx(3 * (2000 + 73.0))
    # A cloud price below on-prem's cost per hour: all cloud.
    servers, _ = best_base([5840.0] * 3, s, 0.1)
    assert servers == 0


def test_onprem_alone_must_serve_the_peak() -> None:
    with pytest.raises(EstimateError, match="cannot serve the peak"):
        hybrid_monthly([10_000.0], server(), 1, None)
    with pytest.raises(EstimateError, match="demand profile"):
        cloud_monthly(np.array([-1.0]), 1.0)
