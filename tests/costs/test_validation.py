"""ailab's error on published training runs, with default assumptions, fitted and held out.

The acceptance set is every row of ``published_runs.csv`` with ``evaluate = yes``
(runs whose count and reported hours or training time are published). The fit
is refitted here: the table's fitted rows must be what the fit gives (nobody
tuned them by hand), and the leave-one-out error is the honest figure.
"""

from __future__ import annotations

import numpy as np
import pytest

from ailab.costs import efficiency as eff
from ailab.costs import validation as val


@pytest.fixture(scope="module")
def runs():  # type: ignore[no-untyped-def]
    return val.evaluated()


def test_table_is_complete_and_cited(runs) -> None:  # type: ignore[no-untyped-def]
    table = val.load_runs()
    assert len(runs) >= 15
    for rec in runs.to_dict("records"):
        assert rec["count"] > 0 and rec["reported_hours"] > 0 and rec["chips_per_unit"] > 0
        assert rec["tokens"] > 0 and rec["params"] > 0 and rec["family"] in val.FITTED_FAMILIES
        assert "arxiv.org" in rec["citation"] or "http" in rec["citation"], rec["name"]
        assert rec["basis"] in {"wall", "throughput"}
    skipped = table[table["evaluate"] != "yes"]
    assert skipped["exclusion"].notna().all() and (skipped["exclusion"].str.len() > 10).all()
    # MoE: the only MoE run's FLOPs use its active parameters (37B of 671B).
    ds = table.set_index("name").loc["DeepSeek-V3"]
    assert ds["moe"] and ds["flops"] < 6 * 40e9 * 14.8e12 * 1.2


def test_stored_fit_is_the_fit(runs) -> None:  # type: ignore[no-untyped-def]
    stored = eff.assumptions()
    for name, values in val.fitted_rows().items():
        assert stored[name].value == pytest.approx(values["value"], rel=1e-4), name
        assert stored[name].low == pytest.approx(values["low"], rel=1e-4), name
        assert stored[name].high == pytest.approx(values["high"], rel=1e-4), name


def test_error_with_default_assumptions(runs) -> None:  # type: ignore[no-untyped-def]
    errs = val.errors(eff.load_params(), runs)
    summary = val.summary(errs)
    assert summary["median_abs"] <= 0.15
    assert summary["max_abs"] <= 0.35, dict(zip(runs["name"], np.round(errs, 3), strict=True))


def test_held_out_error(runs) -> None:  # type: ignore[no-untyped-def]
    """Leave-one-out: each run predicted by a model fitted without it."""
    loo = val.leave_one_out(runs)
    summary = val.summary(loo)
    assert summary["median_abs"] <= 0.15
    # Reported, not hidden: three runs (LLaMA-65B, Falcon-180B, BloombergGPT) are
    # 36-39 % off when held out; lab-to-lab spread the hardware terms cannot see.
    assert summary["max_abs"] <= 0.40


def test_the_fit_recovers_a_planted_model(runs) -> None:  # type: ignore[no-untyped-def]
    """Hours made by a known model are fitted back to that model."""
    truth = eff.load_params().with_value("width_knee", 400.0)
    truth = truth.with_value("base_mfu.ampere", 0.45).with_value("base_mfu.hopper", 0.35)
    planted = runs.assign(reported_hours=val.predict_hours(truth, runs))
    fitted = val.fit(planted)
    assert fitted.width_knee == 400.0
    assert fitted.base["ampere"] == pytest.approx(0.45, rel=1e-9)
    assert fitted.base["hopper"] == pytest.approx(0.35, rel=1e-9)
    assert np.abs(val.errors(fitted, planted)).max() < 1e-9


def test_report_lists_every_run() -> None:
    report = val.report()
    assert len(report) == len(val.load_runs())
    chosen = report[report["evaluate"] == "yes"]
    assert chosen["error"].notna().all() and chosen["loo_error"].notna().all()
