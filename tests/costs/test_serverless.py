"""Serverless pricing on hand-computed cases, the break-even demand and the recommendation.

Prices are the ones in costs/data/serverless_prices.csv (service_prices notes:
Lambda $0.20 per million requests and $0.0000166667 per GB-s, SageMaker
Serverless $0.00002 per GB-s, Cloud Run L4 $0.0001867 per GPU-s + $0.000018
per vCPU-s + $0.000002 per GiB-s); every expected figure below is worked by hand.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from ailab.core.errors import EstimateError
from ailab.costs.catalog import price
from ailab.costs.serve_estimate import estimate_serve
from ailab.costs.serve_scenario import ServeScenario
from ailab.costs.serverless import ModelFacts, cold_starts, quote
from ailab.costs.serverless_pricing import (
    Demand,
    Inputs,
    price_cloud_run_gpu,
    price_lambda,
    price_sagemaker,
    price_serverless,
    trailing_mean,
)

LAMBDA_REQ, LAMBDA_GBS, SM_GBS = 0.0000002, 0.0000166667, 0.00002
CR_RATE = 0.0001867 + 4 * 0.000018 + 16 * 0.000002  # L4 + 4 vCPU + 16 GiB, per second


def facts(**kw: Any) -> ModelFacts:
    base: dict[str, Any] = {"request_s": 0.1, "memory_gib": 1.0, "model_load_s": 0.0,
                            "gpu_requests_per_s": None, "payload_kb": 0.0,
                            "max_instances": None, "keep_warm_s": None}
    base.update(kw)
    return ModelFacts(**base)


def inputs(rps: list[float], step_s: float = 3600, region: str = "us-east-1",
           gpu: str = "", gpu_rps: float | None = None, **kw: Any) -> Inputs:
    return Inputs(region, facts(**kw), Demand(np.array(rps, dtype=float), step_s), gpu,
                  gpu_rps, "no L4 figure", 10)


def test_price_rows_carry_status_and_source() -> None:
    q = quote("sagemaker-serverless", "us-east-1", "gb_second")
    assert (q.number, q.status) == (SM_GBS, "partial") and q.source and q.as_of
    assert quote("lambda", "us-east-1", "max_concurrency").number == 1000  # the "*" row


def test_lambda_flat_hour_by_hand() -> None:
    res = price_lambda(inputs([10.0]))
    # 36,000 requests x (0.2 per million + 0.1 s x 1 GB x 0.0000166667)
    assert res.requests == 36000
    assert res.cost_usd == pytest.approx(36000 * LAMBDA_REQ + 3600 * LAMBDA_GBS)
    assert res.billed_seconds == pytest.approx(3600) and res.tier == "1 GiB"
    assert res.cold_starts == pytest.approx(0, abs=1e-9) and res.overload_minutes == 0
    assert "start_s" in res.uncertain and "request" not in res.uncertain


def test_lambda_rounds_memory_to_a_megabyte_and_duration_to_a_millisecond() -> None:
    res = price_lambda(inputs([1.0], request_s=0.0032, memory_gib=0.3))
    tier = math.ceil(0.3 * 1024) / 1024  # 308 MB
    assert res.tier == f"{tier:g} GiB"
    assert res.cost_usd == pytest.approx(3600 * (LAMBDA_REQ + 0.004 * tier * LAMBDA_GBS))


def test_lambda_throttles_above_the_concurrency_limit() -> None:
    res = price_lambda(inputs([2000.0], request_s=1.0))  # 2,000 in flight > 1,000
    assert res.throttled_requests == pytest.approx(3600 * 1000)
    assert res.cost_usd == pytest.approx(3600 * 1000 * (LAMBDA_REQ + 1.0 * LAMBDA_GBS))
    assert res.overload_minutes == 60


def test_model_too_big_or_too_slow_is_not_priced() -> None:
    out = price_serverless("aws", None, inputs([1.0], memory_gib=12, request_s=90))
    reasons = {r.platform: r.reason for r in out}
    assert not any(r.priced for r in out)
    assert "needs 12 GiB; lambda allows at most 10 GiB" in reasons["lambda"]
    assert "at most 6 GiB" in reasons["sagemaker-serverless"]
    gpu = price_serverless("aws", None, inputs([1.0], gpu="L4", request_s=None,
                                               memory_gib=None))
    assert all("CPU only, and the model runs on L4" in r.reason for r in gpu)


def test_sagemaker_tier_and_data_by_hand() -> None:
    res = price_sagemaker(inputs([5.0], request_s=0.2, memory_gib=1.5, payload_kb=100))
    requests = 5 * 3600
    assert res.tier == "2 GiB"
    assert res.cost_usd == pytest.approx(requests * 0.2 * 2 * SM_GBS
                                         + requests * 100 / 1e6 * 0.016)


def test_scale_from_zero_follows_poisson_gaps() -> None:
    rps = np.array([0.001, 0.001])
    scale_out, zero = cold_starts(rps, np.array([1.0, 1.0]), 3600, 300)
    # 3.6 arrivals an hour, each alone for 300 s with probability exp(-0.3)
    assert zero == pytest.approx([3.6 * math.exp(-0.3)] * 2)
    assert list(scale_out) == [0, 0]
    res = price_lambda(inputs([0.001], model_load_s=2.0))
    cold = 0.3 + 2.0  # runtime init (unconfirmed) + the model load
    assert res.cold_start_s == pytest.approx(cold)
    assert res.overload_minutes == pytest.approx(3.6 * math.exp(-0.3) * cold / 60)


def test_scale_out_counts_new_instances_beyond_the_warm_ones() -> None:
    scale_out, _ = cold_starts(np.array([1.0, 5.0, 5.0, 2.0, 5.0]),
                               np.array([1.0, 5.0, 5.0, 2.0, 5.0]), 60, 120)
    # warm = max of the previous two steps: 1, 1, 5, 5, 5
    assert list(scale_out) == [0, 4, 0, 0, 0]


def test_cloud_run_gpu_instances_by_hand() -> None:
    res = price_cloud_run_gpu(inputs([1.0], region="us-central1", gpu_rps=0.89))
    # ceil(1 / (0.89 x 0.6)) = 2 instances all hour
    assert res.billed_seconds == pytest.approx(2 * 3600)
    assert res.cost_usd == pytest.approx(2 * 3600 * CR_RATE)
    assert res.cold_start_s == 5


def test_cloud_run_lone_instance_is_up_while_arrivals_keep_it_warm() -> None:
    res = price_cloud_run_gpu(inputs([0.0005, 0.0005], step_s=3600, region="us-central1",
                                     gpu_rps=1.0))
    alive = 1 - math.exp(-0.0005 * 900)  # an arrival within the 900 s keep-warm time
    assert res.billed_seconds == pytest.approx(2 * 3600 * alive)
    assert list(trailing_mean(np.array([1.0, 3.0, 5.0]), 2)) == [1.0, 2.0, 4.0]


def test_cloud_run_needs_an_l4_figure_and_a_priced_region() -> None:
    out = price_serverless("gcp", None, inputs([1.0], region="us-central1"))
    assert not out[0].priced and out[0].reason == "no L4 figure"
    far = price_serverless("gcp", None, inputs([1.0], region="europe-west4", gpu_rps=1.0))
    assert "no price for europe-west4" in far[0].reason
    other = price_serverless("aws", ["cloud-run-gpu"], inputs([1.0]))
    assert other[0].reason == "offered on gcp; the scenario is on aws"
    with pytest.raises(EstimateError) as err:
        price_serverless("aws", ["fargate"], inputs([1.0]))
    assert err.value.field == "serverless.platforms"


def _cpu_scenario(**kw: Any) -> ServeScenario:
    base: dict[str, Any] = {
        "cloud": "aws", "region": "us-east-1", "instance_type": "m7i.2xlarge",
        "replica": {"requests_per_s": 1e6},
        "demand": {"step_minutes": 60, "requests_per_s": [1.0]},
        "autoscaling": {"min_replicas": 1, "max_replicas": 4, "scale_up_delay_s": 0,
                        "scale_down_delay_s": 0, "cold_start_s": 0},
        "serverless": {"platforms": ["lambda"], "request_s": 0.1, "memory_gib": 1}}
    base.update(kw)
    return ServeScenario.model_validate(base)


def test_break_even_on_a_flat_hour_by_hand() -> None:
    sc = _cpu_scenario()
    est = estimate_serve(sc, np.array([1.0]))
    replica = price("aws", "m7i.2xlarge", "us-east-1").price_usd_hr
    per_rps_hour = 3600 * (LAMBDA_REQ + 0.1 * LAMBDA_GBS)
    (be,) = est.break_even
    # one replica serves any of these loads; Lambda is linear in the demand
    assert be.scale == pytest.approx(replica / per_rps_hour, rel=1e-6)
    assert be.serverless_cheaper_below and "below" in be.summary
    assert est.recommendation is not None and est.recommendation.name == "serverless:lambda"


def test_recommendation_respects_the_overload_bound() -> None:
    sc = _cpu_scenario(serverless={"platforms": ["lambda"], "request_s": 0.1,
                                   "memory_gib": 1, "model_load_s": 600},
                       demand={"step_minutes": 60, "requests_per_s": [0.001]},
                       slo={"max_overload_minutes": 1})
    est = estimate_serve(sc, np.array([0.001]))
    assert est.serverless[0].overload_minutes > 1
    assert est.recommendation is not None and est.recommendation.name == "fixed-peak"
