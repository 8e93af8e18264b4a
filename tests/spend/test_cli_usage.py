"""``ailab usage``: actual spend beside the forecast and the budget, one-line errors."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws
from moto.ce.models import ce_backends
from moto.core.models import DEFAULT_ACCOUNT_ID


@pytest.fixture
def ce_month() -> Iterator[None]:
    today = dt.datetime.now(dt.UTC).date()
    first = today.replace(day=1)
    with mock_aws():
        days = [first + dt.timedelta(days=i) for i in range(max(1, (today - first).days))]
        ce_backends[DEFAULT_ACCOUNT_ID]["aws"].cost_usage_results_queue.append(
            {"ResultsByTime": [{"TimePeriod": {"Start": d.isoformat(),
                                               "End": (d + dt.timedelta(days=1)).isoformat()},
                                "Groups": [{"Keys": ["EC2"], "Metrics": {"UnblendedCost": {
                                    "Amount": "4.0", "Unit": "USD"}}}], "Estimated": False}
                               for d in days]})
        yield


def test_json_with_budget_and_html(ce_month: None, cli: Any, tmp_path: Path) -> None:
    page = tmp_path / "usage.html"
    code, out, err = cli(["usage", "aws-gpu-lab", "--no-forecast", "--json", "--html",
                          str(page)])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["stack"] == "aws-gpu-lab" and doc["budget_monthly"] == 300.0
    assert doc["total"] == pytest.approx(4.0 * len([v for v in doc["by_day"].values() if v]))
    assert doc["status"] in ("on track", "over budget") and doc["forecast_monthly"] is None
    assert "<h1>aws-gpu-lab (aws)" in page.read_text()


def test_forecast_column_prices_the_stack(ce_month: None, cli: Any) -> None:
    code, out, _ = cli(["usage", "aws-gpu-lab", "--json"])
    assert code == 0 and json.loads(out)["forecast_monthly"] > 100


@pytest.mark.parametrize(("args", "message"), [
    (["usage", "aws-gpu-lab", "--month", "nov"], "--month: 'nov' is not a month"),
    (["usage", "gcp-gpu-lab", "--no-forecast"], "--billing-table: GCP spend comes from"),
    (["usage", "gcp-gpu-lab", "--billing-table", "x;y"], "--billing-table: 'x;y' is not"),
    (["usage", "aws-gpu-lab", "--html", "/nonexistent/x.html"], "--html: folder"),
])
def test_bad_input_is_one_line(cli: Any, args: list[str], message: str) -> None:
    code, out, err = cli(args)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {message}") and "Traceback" not in err
