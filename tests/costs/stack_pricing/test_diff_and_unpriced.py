"""Cost diffs of configs that differ only in instance count; unpriced resources."""

from __future__ import annotations

from typing import Any

import pytest

from ailab.core.errors import EstimateError
from ailab.costs.stack_pricing import diff_costs, price_inventory
from ailab.costs.stack_pricing.schedule import scheduled_hours_per_month

H = 730.0


def test_one_more_pool_node_costs_exactly_one_spot_node(preview: Any, rows: Any) -> None:
    base = price_inventory(preview("aws-spot-pool"))
    more = price_inventory(preview("aws-spot-pool", {"ailab:poolDesired": 3}))
    diff = diff_costs(base, more)
    pool = ["g5.xlarge", "g5.2xlarge", "g6.xlarge", "g6.2xlarge", "g6e.xlarge"]
    cheapest_spot = min(rows.instance("aws", t, "us-west-2", spot=True) for t in pool)
    agent = (3 * (1 + 1) * rows.extra_price("aws", "us-west-2", "monitoring", "custom-metric",
                                            "month")
             + H * 60 / 1000 * rows.extra_price("aws", "us-west-2", "monitoring", "api-request",
                                                "requests"))
    node = (cheapest_spot * H   # the base capacity covers the 1 on-demand node
            + 200 * rows.storage_price("aws", "us-west-2", "block", "gp3")
            + agent)            # the node's GPU metrics (1 GPU: 3 per GPU + 3 roll-ups)
    assert diff.total_delta_usd == pytest.approx(node, rel=1e-12)
    assert [d.name for d in diff.changed()] == ["aws-spot-pool-pool-asg"]


def test_one_more_cluster_node_adds_its_instance_and_alarm(preview: Any, rows: Any) -> None:
    base = price_inventory(preview("aws-h100-cluster"))
    more = price_inventory(preview("aws-h100-cluster", {"ailab:clusterNodes": 3}))
    diff = diff_costs(base, more)
    agent = (27 * rows.extra_price("aws", "us-east-1", "monitoring", "custom-metric", "month")
             + H * 60 / 1000 * rows.extra_price("aws", "us-east-1", "monitoring",
                                                "api-request", "requests"))
    node = (rows.instance("aws", "p5.48xlarge", "us-east-1") * H
            + 500 * rows.storage_price("aws", "us-east-1", "block", "gp3") + agent)
    alarm = rows.extra_price("aws", "us-east-1", "monitoring", "metric-alarm", "standard")
    changed = {d.name: d for d in diff.changed()}
    # The dashboard's body names the new node too, but a dashboard costs the same.
    assert set(changed) == {"aws-h100-cluster-cluster-node-2", "aws-h100-cluster-autostop-2"}
    assert changed["aws-h100-cluster-cluster-node-2"].delta_usd == pytest.approx(node)
    assert changed["aws-h100-cluster-cluster-node-2"].change == "added"
    assert diff.total_delta_usd == pytest.approx(node + alarm)


def _doc(*resources: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    return {"stack": "t", "cloud": "aws", "region": region, "resources": list(resources)}


def _res(type_: str, name: str, **inputs: Any) -> dict[str, Any]:
    return {"type": type_, "name": name, "parent": None, "inputs": inputs, "custom": True}


def test_unknown_types_and_missing_prices_are_unpriced_not_zero() -> None:
    cost = price_inventory(_doc(
        _res("aws:sagemaker/notebookInstance:NotebookInstance", "nb", instanceType="ml.t3"),
        _res("aws:ec2/instance:Instance", "odd", instanceType="x9.mega"),
        _res("aws:fsx/lustreFileSystem:LustreFileSystem", "scratch1", storageCapacity=1200,
             deploymentType="SCRATCH_1"),
        _res("aws:ec2/vpcEndpoint:VpcEndpoint", "ep", vpcEndpointType="GatewayLoadBalancer"),
        _res("aws:ebs/volume:Volume", "vol", type="gp3", size=10)))
    status = {ln.name: ln for ln in cost.lines}
    for name in ("nb", "odd", "scratch1", "ep"):
        assert status[name].status == "unpriced" and status[name].monthly_usd is None
        assert status[name].reason
    assert "no pricing rule" in status["nb"].reason
    assert "x9.mega" in status["odd"].reason
    assert "fsx-lustre-scratch1" in status["scratch1"].reason
    assert cost.total_monthly_usd == pytest.approx(10 * 0.08)
    assert cost.count("unpriced") == 4


def test_spot_without_a_spot_market_is_unpriced(rows: Any) -> None:
    frame = rows.prices
    no_spot = frame[(frame.cloud == "aws") & frame.spot_usd_hr.isna()].iloc[0]
    cost = price_inventory(_doc(_res("aws:ec2/instance:Instance", "n",
                                     instanceType=no_spot.instance_type,
                                     instanceMarketOptions={"marketType": "spot"}),
                                region=no_spot.region))
    assert cost.line("n").status == "unpriced"
    assert "no spot price" in cost.line("n").reason


def test_block_parts_match_the_storage_model() -> None:
    from ailab.costs.storage_prices import block_monthly_usd

    cost = price_inventory(_doc(_res("aws:ebs/volume:Volume", "io", type="io2", size=500,
                                     iops=70000)))
    assert cost.total_monthly_usd == pytest.approx(
        block_monthly_usd("aws", "us-east-1", "io2", 500, iops=70000))


@pytest.mark.parametrize(("start", "stop", "hours"), [
    ("0 9 * * 1-5", "0 18 * * 1-5", 261 * 9 / 12),   # 2025 has 261 weekdays
    ("0 8 * * *", "0 20 * * *", 365 * 12 / 12),
    ("0 0 1 * *", "0 0 2 * *", 12 * 24 / 12),        # first day of each month
])
def test_schedule_hours(start: str, stop: str, hours: float) -> None:
    assert scheduled_hours_per_month(start, stop) == pytest.approx(hours)


def test_bad_schedule_is_an_error() -> None:
    with pytest.raises(EstimateError, match="not a valid cron"):
        scheduled_hours_per_month("every day", "0 18 * * *")
