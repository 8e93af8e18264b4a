"""Rules no shipped stack exercises yet: load balancers, MIGs with autoscalers,
external addresses, forwarding rules, queued TPUs; hand-computed from price rows."""

from __future__ import annotations

from typing import Any

import pytest

from ailab.costs.stack_pricing import price_inventory

H = 730.0


def _res(type_: str, name: str, **inputs: Any) -> dict[str, Any]:
    """An inventory entry whose recorded id is ``<name>-id`` (references below quote it)."""
    return {"type": type_, "name": name, "parent": None, "inputs": inputs, "custom": True,
            "id": f"{name}-id"}


def test_alb_hours_plus_capacity_units(rows: Any) -> None:
    doc = {"stack": "t", "cloud": "aws", "region": "us-west-2", "resources": [
        _res("aws:lb/loadBalancer:LoadBalancer", "web", loadBalancerType="application"),
        _res("aws:lb/loadBalancer:LoadBalancer", "gw", loadBalancerType="gateway")]}
    without = price_inventory(doc)
    assert without.line("web").status == "usage"
    assert without.line("gw").status == "unpriced"
    cost = price_inventory(doc, {"web": {"processed_gb": 1000}})
    assert cost.line("web").monthly_usd == pytest.approx(
        H * rows.extra_price("aws", "us-west-2", "network", "alb", "hour")
        + 1000 * rows.extra_price("aws", "us-west-2", "network", "alb", "lcu"))


def test_mig_with_autoscaler(rows: Any) -> None:
    doc = {"stack": "p", "cloud": "gcp", "region": "us-central1", "resources": [
        _res("gcp:compute/instanceTemplate:InstanceTemplate", "p-tpl", machineType="g2-standard-4",
             scheduling={"provisioningModel": "SPOT"},
             disks=[{"boot": True, "diskSizeGb": 100, "diskType": "pd-balanced"}]),
        _res("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", "p-mig",
             region="us-central1", targetSize=3,
             versions=[{"instanceTemplate": "p-tpl-id", "name": "primary"}]),
        _res("gcp:compute/regionAutoscaler:RegionAutoscaler", "p-as", target="p-mig-id",
             autoscalingPolicy={"minReplicas": 1, "maxReplicas": 10})]}
    cost = price_inventory(doc)
    spot = rows.instance("gcp", "g2-standard-4", "us-central1", spot=True)
    disk = 100 * rows.storage_price("gcp", "us-central1", "block", "pd-balanced")
    line = cost.line("p-mig")
    assert line.monthly_usd == pytest.approx(3 * (spot * H + disk))
    assert line.range_monthly_usd == pytest.approx((spot * H + disk, 10 * (spot * H + disk)),
                                                   abs=1e-3)
    assert cost.line("p-tpl").status == "free" and cost.line("p-as").status == "free"


def test_gcp_address_forwarding_rule_and_queued_tpu(rows: Any) -> None:
    region = "us-central1"
    doc = {"stack": "g", "cloud": "gcp", "region": region, "resources": [
        _res("gcp:compute/address:Address", "ip", region=region),
        _res("gcp:compute/address:Address", "internal", addressType="INTERNAL"),
        _res("gcp:compute/forwardingRule:ForwardingRule", "fr", region=region),
        _res("gcp:tpu/v2QueuedResource:V2QueuedResource", "q", zone="us-central1-a",
             tpu={"nodeSpecs": [{"parent": "projects/x/locations/us-central1-a",
                                 "node": {"acceleratorType": "v5litepod-8"}}]})]}
    cost = price_inventory(doc, {"fr": {"processed_gb": 100}})
    assert cost.line("ip").monthly_usd == pytest.approx(
        H * rows.extra_price("gcp", region, "network", "external-ipv4", "hour"))
    assert cost.line("internal").status == "free"
    assert cost.line("fr").monthly_usd == pytest.approx(
        H * rows.extra_price("gcp", region, "network", "forwarding-rule", "hour")
        + 100 * rows.extra_price("gcp", region, "network", "forwarding-rule", "processed"))
    assert cost.line("q").monthly_usd == pytest.approx(
        H * rows.instance("gcp", "tpu-v5litepod-8", region))
