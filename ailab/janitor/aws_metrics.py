"""CloudWatch reads, batched: 500 metric queries per GetMetricData call.

The per-resource strategy (one GetMetricStatistics call per series) is kept as
the reference the benchmark compares against; the scanner uses ``batched``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from ailab.janitor.rules import MetricQuery

MAX_QUERIES = 500
Series = dict[tuple[str, str], list[float]]

def fetch(cw: Any, wanted: list[tuple[str, MetricQuery]], now: datetime,
          strategy: str = "batched") -> Series:
    """Values of every (resource id, metric query) pair over its window."""
    if strategy == "per-resource":
        return _per_resource(cw, wanted, now)
    groups: dict[tuple[float, int], list[tuple[str, MetricQuery]]] = defaultdict(list)
    for res_id, query in wanted:
        groups[(query.window_h, query.period_s)].append((res_id, query))
    series: Series = {}
    for (window_h, _period), items in groups.items():
        start = now - timedelta(hours=window_h)
        for offset in range(0, len(items), MAX_QUERIES):
            series.update(_one_batch(cw, items[offset:offset + MAX_QUERIES], start, now))
    return series


def _one_batch(cw: Any, items: list[tuple[str, MetricQuery]], start: datetime,
               end: datetime) -> Series:
    ids = {f"q{i}": (res_id, q.key) for i, (res_id, q) in enumerate(items)}
    queries = [{
        "Id": f"q{i}",
        "MetricStat": {
            "Metric": {"Namespace": q.namespace, "MetricName": q.name,
                       "Dimensions": [{"Name": k, "Value": v} for k, v in q.dimensions]},
            "Period": q.period_s, "Stat": q.stat},
        "ReturnData": True,
    } for i, (_res, q) in enumerate(items)]
    series: Series = {key: [] for key in ids.values()}
    kwargs: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
    while True:
        page = cw.get_metric_data(**kwargs)
        for result in page.get("MetricDataResults", []):
            series[ids[result["Id"]]].extend(float(v) for v in result.get("Values", []))
        token = page.get("NextToken")
        if not token:
            return series
        kwargs["NextToken"] = token


def _per_resource(cw: Any, wanted: list[tuple[str, MetricQuery]], now: datetime) -> Series:
    series: Series = {}
    for res_id, q in wanted:
        answer = cw.get_metric_statistics(
            Namespace=q.namespace, MetricName=q.name,
            Dimensions=[{"Name": k, "Value": v} for k, v in q.dimensions],
            StartTime=now - timedelta(hours=q.window_h), EndTime=now, Period=q.period_s,
            Statistics=[q.stat])
        series[(res_id, q.key)] = [float(p[q.stat]) for p in answer.get("Datapoints", [])]
    return series
