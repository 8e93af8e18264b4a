from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from ailab.core.errors import EstimateError, InputFileError
from ailab.costs import efficiency as eff
from ailab.costs.catalog import load_prices
from ailab.costs.compare import compare, demand_profile, load_plan, spot_overhead
from tests.support import EXAMPLES

Cli = Callable[[list[str]], tuple[int, str, str]]

PLANS = EXAMPLES / "plans"


def small_plan(**over: object) -> dict[str, object]:
    plan: dict[str, object] = {
        "name": "t", "gpu": "H100", "horizon_months": 3,
        "demand": {"profile_gpu_hours": [5840.0, 5840.0, 5840.0]},
        "cloud": [{"cloud": "aws", "region": "us-east-1", "instance_type": "p5.48xlarge"}],
        "spot": {"policy": "on-demand"},
    }
    plan.update(over)
    return plan


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("name", ["llm-pretraining-h100.yaml", "research-lab-a100.yaml"])
def test_examples_rank_all_three_kinds(name: str) -> None:
    result = compare(load_plan(PLANS / name))
    totals = [p["total_usd"] for p in result["plans"]]
    assert totals == sorted(totals)
    kinds = {p["kind"] for p in result["plans"]}
    assert kinds >= {"cloud", "onprem"}
    if "hybrid" not in kinds:  # said, not silently dropped: no on-prem base pays off
        onprem_plan = next(p for p in result["plans"] if p["kind"] == "onprem")
        assert onprem_plan["details"]["hybrid_without_base"]
    if name.startswith("llm"):
        assert "hybrid" in kinds
    for plan in result["plans"]:
        assert len(plan["monthly_usd"]) == result["horizon_months"]
        assert sum(plan["monthly_usd"]) == pytest.approx(plan["total_usd"])


def _p5_us_east_1() -> float:
    prices = load_prices()
    row = prices[(prices["instance_type"] == "p5.48xlarge") & (prices["region"] == "us-east-1")]
    return float(row["price_usd_hr"].iloc[0])


def test_cloud_plan_by_hand(tmp_path: Path) -> None:
    result = compare(load_plan(write(tmp_path, small_plan())))
    (only,) = result["plans"]
    # p5.48xlarge us-east-1 on-demand price for 8 GPUs, per GPU-hour
    assert only["monthly_usd"] == pytest.approx([5840 * _p5_us_east_1() / 8] * 3)
    assert only["details"]["source"] and only["details"]["as_of"]
    assert only["details"]["fabric"] == "EFA" and only["details"]["gpus_per_node"] == 8


def test_jobs_become_gpu_hours(tmp_path: Path) -> None:
    job = {"name": "j", "params": 1e9, "tokens": 1e11, "gpus": 8, "start_month": 2, "mfu": 0.5}
    plan = load_plan(write(tmp_path, small_plan(demand={"jobs": [job]})))
    # A given MFU is the job's at its scale: 6e20 FLOPs / (989e12 * 0.5 * goodput(8)) / 3600
    good = 1 / (1 + eff.load_params().failure_loss_per_gpu * 8)
    hours = 6e20 / 989e12 / 0.5 / good / 3600
    assert demand_profile(plan).tolist() == pytest.approx([0.0, hours, 0.0])


def test_hybrid_never_splits_a_job_and_says_so(tmp_path: Path) -> None:
    """The issue: a 256-GPU job split between one on-prem server and 31 cloud nodes."""
    result = compare(load_plan(PLANS / "llm-pretraining-h100.yaml"))
    assert "whole" in result["hybrid_rule"]
    hybrids = [p for p in result["plans"] if p["kind"] == "hybrid"]
    assert hybrids
    for plan in hybrids:
        (job,) = plan["jobs"]
        onprem_gpus = plan["details"]["base_servers"] * 8
        assert job["site"] == ("on-prem" if job["gpus"] <= onprem_gpus else "cloud")
        assert job["reason"]
    # The Lambda option has no multi-node fabric: it cannot run the 256-GPU job.
    assert any("gpu_8x_h100_sxm5" in r["name"] and "fabric" in r["reason"]
               for r in result["rejected"])
    assert all("gpu_8x_h100_sxm5" not in p["name"] for p in result["plans"])
    onprem = next(p for p in result["plans"] if p["kind"] == "onprem")
    assert onprem["details"]["break_even_reason"] and "annuity" in onprem["details"]["capital"]


def test_spot_overhead_is_at_least_one(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path, small_plan(spot={"policy": "both"})))
    assert spot_overhead(plan.spot) > 1.0
    kinds = {p["details"]["spot"] for p in compare(plan)["plans"]}
    assert kinds == {True, False}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"gpu": "Z100"}, "gpu"),
     ({"horizon_months": 0}, "horizon_months"),
     ({"surprise": 1}, "surprise"),
     ({"demand": {}}, "demand"),
     ({"demand": {"profile_gpu_hours": [1.0]}}, "demand.profile_gpu_hours"),
     ({"cloud": [{"cloud": "azure", "region": "x"}]}, "cloud.0.cloud"),
     ({"cloud": [{"cloud": "aws", "region": "mars-1"}]}, "cloud.0"),
     ({"spot": {"interruption_bucket": "50%"}}, "spot"),
     ({"hybrid": {"burst": "spot"}}, "hybrid"),
     ({"onprem": {"server": {"gpu": "H100", "pue": 0.5}}}, "onprem.server.pue"),
     ({"onprem": {"server": {"gpu": "L4"}}}, "onprem.server")],
)
def test_bad_plan_files(tmp_path: Path, change: dict[str, object], field: str) -> None:
    with pytest.raises(InputFileError) as exc:
        load_plan(write(tmp_path, small_plan(**change)))
    assert exc.value.file_field == field
    assert "\n" not in exc.value.message


def test_unreadable_plan_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(InputFileError, match="not valid YAML"):
        load_plan(bad)
    bad.write_text("- a list\n")
    with pytest.raises(InputFileError, match="mapping"):
        load_plan(bad)
    with pytest.raises(InputFileError):
        load_plan(tmp_path / "missing.yaml")


def test_job_past_horizon(tmp_path: Path) -> None:
    job = {"name": "big", "params": 7e9, "tokens": 1e13, "gpus": 8, "start_month": 3}
    plan = load_plan(write(tmp_path, small_plan(demand={"jobs": [job]})))
    with pytest.raises(EstimateError, match="big needs .* past the 3-month horizon"):
        compare(plan)


def test_compare_cli_json_chart_html(tmp_path: Path, cli: Cli) -> None:
    png, page = tmp_path / "c.png", tmp_path / "r.html"
    code, out, _ = cli(["compare", str(PLANS / "research-lab-a100.yaml"), "--json",
                        "--chart", str(png), "--html", str(page)])
    assert code == 0
    data = json.loads(out)
    assert data["plans"][0]["rank"] == 1
    assert png.read_bytes().startswith(b"\x89PNG")
    text = page.read_text()
    assert "data:image/png;base64," in text and data["plans"][0]["name"] in text


def test_compare_cli_table_and_error(tmp_path: Path, cli: Cli) -> None:
    code, out, _ = cli(["compare", str(PLANS / "llm-pretraining-h100.yaml")])
    assert code == 0 and "hybrid" in out and "on-prem" in out
    code, out, err = cli(["compare", str(write(tmp_path, small_plan(gpu="Z100")))])
    assert code == 2 and out == "" and err.startswith("error: ") and ": gpu: " in err
