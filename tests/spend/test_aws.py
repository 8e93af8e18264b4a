"""Cost Explorer: the real boto3 client (moto behind it, and botocore's Stubber for
pages), so the request is validated against the service model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.ce.models import ce_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from ailab.spend.aws import cost_explorer_request, read_spend

START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 4)


def _day(day: str, groups: dict[str, str], estimated: bool = False) -> dict[str, Any]:
    nxt = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    return {"TimePeriod": {"Start": day, "End": nxt}, "Total": {}, "Estimated": estimated,
            "Groups": [{"Keys": [k], "Metrics": {"UnblendedCost": {"Amount": v, "Unit": "USD"}}}
                       for k, v in groups.items()]}


@pytest.fixture
def ce() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ce", region_name="us-east-1")


def test_one_month_from_moto(ce: Any) -> None:
    backend = ce_backends[DEFAULT_ACCOUNT_ID]["aws"]
    backend.cost_usage_results_queue.append({"ResultsByTime": [
        _day("2026-11-01", {"Amazon Elastic Compute Cloud - Compute": "24.50",
                            "Amazon Simple Storage Service": "0.75"}),
        _day("2026-11-02", {"Amazon Elastic Compute Cloud - Compute": "12.25"}, True)]})
    rep = read_spend(ce, "aws-gpu-lab", START, END)
    assert rep.total == pytest.approx(37.5)
    assert rep.by_service()["Amazon Elastic Compute Cloud - Compute"] == pytest.approx(36.75)
    assert rep.estimated and rep.currency == "USD"
    assert rep.by_day()[dt.date(2026, 11, 3)] == 0.0


def test_every_page_is_read_and_the_request_follows_the_model() -> None:
    client = boto3.client("ce", region_name="us-east-1")
    request = cost_explorer_request("aws-gpu-lab", START, END)
    assert request["Filter"] == {"Tags": {"Key": "ailab:stack", "Values": ["aws-gpu-lab"],
                                          "MatchOptions": ["EQUALS"]}}
    with Stubber(client) as stub:  # Stubber validates each request against the model
        stub.add_response("get_cost_and_usage", {
            "ResultsByTime": [_day("2026-11-01", {"EC2": "1.0"})], "NextPageToken": "p2"},
            request)
        stub.add_response("get_cost_and_usage", {
            "ResultsByTime": [_day("2026-11-02", {"EC2": "2.0"})]},
            {**request, "NextPageToken": "p2"})
        rep = read_spend(client, "aws-gpu-lab", START, END)
        stub.assert_no_pending_responses()
    assert rep.total == pytest.approx(3.0)
