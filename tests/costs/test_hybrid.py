from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailab.core.errors import EstimateError
from ailab.costs.hybrid import (
    JobDemand,
    best_base,
    cloud_monthly,
    hybrid_monthly,
    servers_for_all,
)
from ailab.costs.onprem import OnPremServer


def server(**over: object) -> OnPremServer:
    # fixed per year: capital 96000 / 4 = 24000 (no residual, no interest, no network or
    # storage share) -> 2000 a month; energy 1 kW * 1.0 * 8760 * 0.1 = 876/yr at full load
    base: dict[str, object] = dict(
        gpu="H100", gpus_per_server=8, capex_usd=96_000, network_usd_per_gpu=0,
        storage_install_usd_per_gpu=0, cost_of_capital=0.0, amortisation_years=4,
        residual_fraction=0.0, power_kw=1.0, idle_power_fraction=0.0, pue=1.0,
        usd_per_kwh=0.1, colocation_usd_per_kw_month=0, staff_usd_per_server_year=0,
        availability=1.0, source="t", as_of="2026-01-01")
    base.update(over)
    return OnPremServer.model_validate(base)


VAR = 876.0 / (8760 * 8)  # 0.0125 USD per GPU-hour of energy


def test_base_load_by_hand() -> None:
    s = server()
    capacity = 8 * 730.0  # 5840 GPU-hours a month per server
    out = hybrid_monthly([1000.0, 8000.0], [], 2, s, 1, burst_usd_per_gpu_hour=2.0)
    assert out.usd[0] == pytest.approx(2000 + 1000 * VAR)
    assert out.usd[1] == pytest.approx(2000 + capacity * VAR + (8000 - capacity) * 2.0)
    assert out.cloud_gpu_hours.tolist() == pytest.approx([0.0, 8000 - capacity])
    assert cloud_monthly([1000.0, 8000.0], [], 2, 2.0).total_usd == pytest.approx(18_000)


def test_a_job_too_big_for_the_base_bursts_whole() -> None:
    """The issue: one 256-GPU job was split between one server and 31 cloud nodes."""
    s = server()
    job = JobDemand("pretrain", gpus=256, gpu_hours=256 * 730.0, start_month=1)
    out = hybrid_monthly(None, [job], 2, s, 1, burst_usd_per_gpu_hour=2.0)
    (placed,) = out.placements
    assert placed.site == "cloud" and "needs 256 GPUs at once, on-prem has 8" in placed.reason
    assert out.onprem_gpu_hours.sum() == 0.0
    assert out.cloud_gpu_hours.sum() == pytest.approx(256 * 730.0)
    assert out.usd.tolist() == pytest.approx([2000 + 256 * 730 * 2.0, 2000])


def test_a_job_that_fits_runs_on_prem_longer_at_lower_availability() -> None:
    s = server(availability=0.5)
    job = JobDemand("ft", gpus=8, gpu_hours=8 * 730.0, start_month=1)
    out = hybrid_monthly(None, [job], 3, s, 1, burst_usd_per_gpu_hour=2.0)
    assert out.placements[0].site == "on-prem" and out.placements[0].months == (1, 2)
    assert out.onprem_gpu_hours.tolist() == pytest.approx([2920.0, 2920.0, 0.0])


def test_sizes_and_best_base() -> None:
    s = server()
    assert servers_for_all([100.0, 5841.0], [], 2, s) == 2
    assert servers_for_all(None, [JobDemand("j", 20, 100.0)], 1, s) == 3
    # Steady demand of one full server: on-prem (2000 + 73) beats cloud at 2 USD (11680).
    servers, costs = best_base([5840.0] * 3, [], 3, s, 2.0)
    assert servers == 1 and costs.total_usd == pytest.approx(3 * (2000 + 73.0))
    # A cloud price below on-prem's cost per hour: all cloud.
    servers, _ = best_base([5840.0] * 3, [], 3, s, 0.1)
    assert servers == 0


def test_bought_outright_charges_month_one() -> None:
    out = hybrid_monthly([0.0, 0.0], [], 2, server(capital_recovery="purchase"), 1, 2.0)
    assert out.usd.tolist() == pytest.approx([96_000.0, 0.0])


def test_onprem_alone_must_serve_everything() -> None:
    with pytest.raises(EstimateError, match="cannot serve the demand"):
        hybrid_monthly([10_000.0], [], 1, server(), 1, None)
    with pytest.raises(EstimateError, match="profile"):
        cloud_monthly(np.array([-1.0]), [], 1, 1.0)
    with pytest.raises(EstimateError, match="past the"):
        cloud_monthly(None, [JobDemand("long", 8, 8 * 730.0 * 5)], 2, 1.0)


@settings(max_examples=60, deadline=None)
@given(jobs=st.lists(st.tuples(st.sampled_from([1, 8, 16, 64, 256]), st.floats(10, 40_000),
                               st.integers(1, 3)), max_size=6),
       servers=st.integers(0, 40), load=st.lists(st.floats(0, 30_000), min_size=6, max_size=6),
       availability=st.floats(0.5, 1.0))
def test_a_job_never_spans_two_sites(jobs: list[tuple[int, float, int]], servers: int,
                                     load: list[float], availability: float) -> None:
    s = server(availability=availability)
    demands = [JobDemand(f"j{i}", g, h, m) for i, (g, h, m) in enumerate(jobs)]
    try:
        out = hybrid_monthly(load, demands, 6, s, servers, 3.0)
    except EstimateError:
        return  # a job past the horizon: refused, not split
    assert len(out.placements) == len(demands)
    onprem_jobs = sum(p.gpu_hours for p in out.placements if p.site == "on-prem")
    cloud_jobs = sum(p.gpu_hours for p in out.placements if p.site == "cloud")
    total = sum(load) + onprem_jobs + cloud_jobs
    assert out.onprem_gpu_hours.sum() + out.cloud_gpu_hours.sum() == pytest.approx(total)
    assert out.onprem_gpu_hours.sum() >= onprem_jobs - 1e-6
    assert out.cloud_gpu_hours.sum() >= cloud_jobs - 1e-6
    for p in out.placements:
        assert p.site in {"on-prem", "cloud"}
        if p.site == "on-prem":
            assert p.gpus <= servers * s.gpus_per_server
    # Concurrency: on-prem jobs never hold more GPUs than the fleet in any month.
    held = np.zeros(6)
    for p in out.placements:
        if p.site == "on-prem":
            held[[m - 1 for m in p.months]] += p.gpus
    assert (held <= servers * s.gpus_per_server).all()
