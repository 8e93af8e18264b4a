"""CloudWatch reads, batched: ListMetrics once per metric, 500 series per GetMetricData.

A rule asks for a metric of a resource; with ``per_series`` it wants every
series whose dimensions include the asked ones. The CloudWatch agent's
``nvidia_smi`` plugin publishes one series per GPU under ``InstanceId``,
``index`` and ``name`` (plus any ``append_dimensions`` such as ``host`` or
``arch``), so the series of an instance are found, not guessed: one paginated
ListMetrics per (namespace, metric name) lists every series in the region
(500 per page), and each series becomes one query. GetMetricData then reads up
to 500 series per call (its documented limit, with at most 100,800 datapoints),
grouped by window and period.

The per-resource strategy (ListMetrics filtered by instance, then one
GetMetricStatistics per series) is kept as the peer the benchmark compares
against; the scanner uses ``batched``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ailab.janitor.rules import MetricQuery, Metrics

MAX_QUERIES = 500
MAX_DATAPOINTS = 100_800
Dims = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Series:
    """One concrete series to read, and where its values go."""

    target: tuple[str, str]
    label: str
    query: MetricQuery
    dims: Dims


def fetch(cw: Any, wanted: list[tuple[str, MetricQuery]], now: datetime,
          strategy: str = "batched") -> Metrics:
    """Values of every (resource id, metric query) pair over its window, by series label."""
    if strategy == "per-resource":
        return _per_resource(cw, wanted, now)
    found: Metrics = {(res_id, q.key): {} for res_id, q in wanted}
    index = _Listing(cw)
    todo: list[_Series] = []
    for res_id, q in wanted:
        if not q.per_series:
            todo.append(_Series((res_id, q.key), "", q, q.dimensions))
            continue
        todo += [_Series((res_id, q.key), _label(dims, q.dimensions), q, dims)
                 for dims in index.matching(q.namespace, q.name, q.dimensions)]
    groups: dict[tuple[float, int], list[_Series]] = defaultdict(list)
    for item in todo:
        groups[(item.query.window_h, item.query.period_s)].append(item)
    for (window_h, period_s), items in groups.items():
        start = now - timedelta(hours=window_h)
        points = max(1, int(window_h * 3600 // period_s) + 1)
        size = max(1, min(MAX_QUERIES, MAX_DATAPOINTS // points))
        for offset in range(0, len(items), size):
            _one_batch(cw, items[offset:offset + size], start, now, found)
    return found


class _Listing:
    """Every series of a (namespace, metric name) in the region, listed once and
    indexed by each of its dimension pairs."""

    def __init__(self, cw: Any) -> None:
        self.cw = cw
        self._index: dict[tuple[str, str], dict[tuple[str, str], list[Dims]]] = {}

    def matching(self, namespace: str, name: str, dims: Dims) -> list[Dims]:
        key = (namespace, name)
        if key not in self._index:
            self._index[key] = _by_pair(_list(self.cw, namespace, name))
        if not dims:
            return []
        wanted = set(dims)
        return [d for d in self._index[key].get(dims[0], []) if wanted <= set(d)]


def _list(cw: Any, namespace: str, name: str, dims: Dims = ()) -> list[Dims]:
    kwargs: dict[str, Any] = {"Namespace": namespace, "MetricName": name}
    if dims:
        kwargs["Dimensions"] = [{"Name": k, "Value": v} for k, v in dims]
    # Dimensions keep the order ListMetrics gave (CloudWatch ignores it; moto's exact
    # match compares lists sorted with an inconsistent order, so a re-sorted list can miss).
    return [tuple((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
            for page in cw.get_paginator("list_metrics").paginate(**kwargs)
            for metric in page.get("Metrics", [])]


def _by_pair(series: Iterable[Dims]) -> dict[tuple[str, str], list[Dims]]:
    index: dict[tuple[str, str], list[Dims]] = defaultdict(list)
    unique = {frozenset(dims): dims for dims in series}
    for dims in unique.values():
        for pair in dims:
            index[pair].append(dims)
    return index


def _label(dims: Dims, asked: Dims) -> str:
    """What tells a series apart from its siblings: the dimensions beyond the asked
    ones (``index=0,name=NVIDIA H100 80GB HBM3``); '' for the asked series itself."""
    return ",".join(f"{k}={v}" for k, v in sorted(dims) if (k, v) not in set(asked))


def _one_batch(cw: Any, items: list[_Series], start: datetime, end: datetime,
               found: Metrics) -> None:
    queries = [{
        "Id": f"q{i}",
        "MetricStat": {
            "Metric": {"Namespace": s.query.namespace, "MetricName": s.query.name,
                       "Dimensions": [{"Name": k, "Value": v} for k, v in s.dims]},
            "Period": s.query.period_s, "Stat": s.query.stat},
        "ReturnData": True,
    } for i, s in enumerate(items)]
    for s in items:
        found[s.target].setdefault(s.label, [])
    kwargs: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
    while True:
        page = cw.get_metric_data(**kwargs)
        for result in page.get("MetricDataResults", []):
            s = items[int(result["Id"][1:])]
            found[s.target][s.label].extend(float(v) for v in result.get("Values", []))
        token = page.get("NextToken")
        if not token:
            return
        kwargs["NextToken"] = token


def _per_resource(cw: Any, wanted: list[tuple[str, MetricQuery]], now: datetime) -> Metrics:
    found: Metrics = {}
    for res_id, q in wanted:
        dims_list = _list(cw, q.namespace, q.name, q.dimensions) if q.per_series else [
            q.dimensions]
        sets = found.setdefault((res_id, q.key), {})
        for dims in dims_list:
            answer = cw.get_metric_statistics(
                Namespace=q.namespace, MetricName=q.name,
                Dimensions=[{"Name": k, "Value": v} for k, v in dims],
                StartTime=now - timedelta(hours=q.window_h), EndTime=now, Period=q.period_s,
                Statistics=[q.stat])
            label = _label(dims, q.dimensions) if q.per_series else ""
            sets[label] = [float(p[q.stat]) for p in answer.get("Datapoints", [])]
    return found
