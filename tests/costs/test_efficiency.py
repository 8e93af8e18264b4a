"""The efficiency model: its sourced table, each term by hand, and the P10-P90 range."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailab.costs import efficiency as eff
from ailab.costs.accelerators import FAMILIES


def test_every_assumption_is_sourced_and_ranged() -> None:
    rows = eff.assumptions()
    for name, row in rows.items():
        assert row.provenance in {"source", "fit", "assumption"}, name
        assert len(row.source) > 40, name
        assert row.low <= row.value <= row.high, name
    assert {f"base_mfu.{f}" for f in ("ampere", "hopper", "tpu", "pooled")} <= set(rows)
    # Families without a published run say so: they take the pooled base.
    p = eff.load_params()
    for family in FAMILIES:
        assert 0.1 < p.base_for(family) < 0.7
    assert p.base_for("blackwell") == p.base["pooled"]


def test_goodput_reproduces_llama3() -> None:
    """Llama 3 405B: >90 % effective training time on 16,384 H100 (arXiv 2407.21783)."""
    p = eff.load_params()
    assert eff.goodput(16384, p.failure_loss_per_gpu) == pytest.approx(0.90, abs=1e-3)
    assert eff.goodput(8, p.failure_loss_per_gpu) > 0.9999


def test_terms_by_hand() -> None:
    knee = 230.0
    # e(d) = d / (d + knee), relative to d = 8192
    assert eff.width_factor(8192, knee) == pytest.approx(1.0)
    assert eff.width_factor(512, knee) == pytest.approx((512 / 742) / (8192 / 8422))
    assert eff.seq_factor(8192, 0.07) == pytest.approx(4 ** -0.07)
    assert eff.seq_factor(float("nan"), 0.07) == 1.0
    assert eff.scale_factor(1, 0.9) == 1.0
    assert eff.scale_factor(8, 0.971) == pytest.approx(0.971 ** 3)


def test_reference_conditions_give_the_base() -> None:
    p = eff.load_params()
    shape = eff.Shape(family="hopper", d_model=8192, seq_len=2048, chips=8, units=1)
    terms = eff.breakdown(p, shape)
    assert terms["base"] == p.base["hopper"]
    assert math.prod(v for k, v in terms.items() if k != "base") == pytest.approx(1.0)
    moe = eff.Shape(family="hopper", d_model=8192, seq_len=2048, chips=8, units=1,
                    precision="fp8", moe=True, in_node_pcie=True)
    assert eff.mfu(p, moe) == pytest.approx(p.base["hopper"] * p.fp8_speedup * p.moe_factor
                                            * p.pcie_node_factor)


def test_tpu_scale_counts_slices() -> None:
    p = eff.load_params()
    two = eff.Shape(family="tpu", d_model=8192, seq_len=None, chips=6144, units=2, is_tpu=True)
    assert eff.breakdown(p, two)["scale"] == pytest.approx(p.scale_per_doubling_tpu)


def test_spread_names_the_dominant_assumption() -> None:
    p = eff.load_params()
    small = eff.Shape(family="hopper", d_model=4096, seq_len=2048, chips=8, units=1)
    s = eff.spread(p, small)
    assert s["p10_factor"] < 1.0 < s["p90_factor"]
    assert s["dominant"] == "base_mfu.hopper"
    assert "published runs" in s["dominant_label"]
    # At 16k GPUs the failure term's range (HLAT manual recovery) dominates.
    huge = eff.Shape(family="hopper", d_model=16384, seq_len=8192, chips=16384, units=2048)
    assert eff.spread(p, huge)["dominant"] == "failure_loss_per_gpu"
    # A given base: the stack's spread is no longer an assumption.
    fixed = eff.spread(p, small, base=0.4)
    assert not any(k.startswith("base_mfu") for k in fixed["swings"])


@settings(max_examples=50, deadline=None)
@given(d=st.floats(256, 32768), chips=st.integers(1, 20000), fam=st.sampled_from(FAMILIES))
def test_range_brackets_the_point(d: float, chips: int, fam: str) -> None:
    p = eff.load_params()
    shape = eff.Shape(family=fam, d_model=d, seq_len=4096, chips=chips,
                      units=max(1, chips // 8), is_tpu=fam == "tpu")
    s = eff.spread(p, shape)
    assert 0.0 < s["p10_factor"] <= 1.0 <= s["p90_factor"] < 10.0
    assert 0.0 < eff.effective(p, shape) < 1.0
