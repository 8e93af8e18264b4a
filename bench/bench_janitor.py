"""Janitor API-call benchmark: calls by operation against the documented minimum.

Seeds an in-process moto account with N running p5.48xlarge instances (8 GPUs
each, so 8 GPU series each) and N unattached volumes, at N = 1,000 and 10,000,
and runs the janitor's read-only scan. The janitor asks for pages as it does in
production (``MaxResults``). moto answers most describes in one page whatever
``MaxResults`` says (volumes, snapshots, images, NAT gateways) and pages
DescribeInstances by reservation (1,000 instances launched together are one
item), so a pager slices moto's full answer into pages of the requested number
of items (instances, volumes...), as AWS counts them.
CloudWatch goes to an in-memory stand-in. Both answer through botocore's
``before-call`` event, after botocore has validated each request against the
service model: moto's ListMetrics de-duplicates series in quadratic time and
its GetMetricData scans every datapoint per query, which at 80,000 GPU series
measures moto, not the janitor. The stand-in keeps the documented limits:
ListMetrics returns 500 series per page, GetMetricData refuses more than 500
queries or 100,800 datapoints per call.

Minimums by documented page sizes: DescribeInstances, DescribeVolumes,
DescribeSnapshots, DescribeImages and DescribeNatGateways 1,000 per page;
ListMetrics 500 per page; GetMetricData 500 series per call.

The per-resource peer (ListMetrics per instance, GetMetricStatistics per
series) runs at the smaller size only.

Run: ``uv run --no-sync python bench/bench_janitor.py [--sizes 1000 10000]``
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import time
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

for _key, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                     "AWS_DEFAULT_REGION": "us-east-1", "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
                     "AWS_EC2_METADATA_DISABLED": "true"}.items():
    os.environ.setdefault(_key, _value)
os.environ.pop("AWS_ENDPOINT_URL", None)

REGION = "us-east-1"
GPUS = 8
PAGE = {"DescribeInstances": 1000, "DescribeVolumes": 1000, "DescribeSnapshots": 1000,
        "DescribeImages": 1000, "DescribeNatGateways": 1000, "DescribeAddresses": None,
        "ListBuckets": 10000, "ListMetrics": 500, "GetMetricData": 500}
METRIC_OPS = ("ListMetrics", "GetMetricData", "GetMetricStatistics")


def keep_api_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """``before-parameter-build``: remember the call's API parameters for ``before-call``
    (which sees only the serialized request)."""
    context["api_params"] = dict(params)


class MotoPager:
    """Pages of ``MaxResults`` items cut from moto's one-page answer."""

    KEYS = {"DescribeVolumes": "Volumes", "DescribeSnapshots": "Snapshots",
            "DescribeImages": "Images", "DescribeNatGateways": "NatGateways",
            "DescribeInstances": "Reservations"}

    def __init__(self, raw_ec2: Any) -> None:
        self.raw, self.cache = raw_ec2, {}  # type: ignore[var-annotated]

    def __call__(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        key = self.KEYS.get(model.name)
        params = dict(context.get("api_params", {}))
        if key is None or "MaxResults" not in params:
            return None
        token = int(params.pop("NextToken", 0) or 0)
        size = params.pop("MaxResults")
        cache_key = (model.name, repr(sorted(params.items())))
        if token == 0:
            self.cache[cache_key] = self._items(model.name, key, params)
        items = self.cache[cache_key]
        answer: dict[str, Any] = {key: items[token:token + size]}
        if token + size < len(items):
            answer["NextToken"] = str(token + size)
        return AWSResponse("https://ec2", 200, {}, None), answer

    def _items(self, op: str, key: str, params: dict[str, Any]) -> list[Any]:
        """moto's whole answer; DescribeInstances counts instances, not reservations (moto
        pages by reservation), so each reservation becomes one item per instance."""
        from botocore import xform_name

        items = getattr(self.raw, xform_name(op))(**params)[key]
        if op != "DescribeInstances":
            return list(items)
        return [{**r, "Instances": [inst]} for r in items for inst in r["Instances"]]


class CloudWatchStandIn:
    """ListMetrics and GetMetricData with the documented page limits, from memory."""

    def __init__(self, instances: list[str]) -> None:
        self.series = [[{"Name": "InstanceId", "Value": iid}, {"Name": "index", "Value": str(i)},
                        {"Name": "name", "Value": "NVIDIA H100 80GB HBM3"}]
                       for iid in instances for i in range(GPUS)]

    def __call__(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        answer = getattr(self, model.name)(context["api_params"])
        return AWSResponse("https://monitoring", 200, {}, None), answer

    def ListMetrics(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        wanted = {(d["Name"], d["Value"]) for d in params.get("Dimensions", [])}
        found = [s for s in self.series if wanted <= {(d["Name"], d["Value"]) for d in s}]
        start = int(params.get("NextToken") or 0)
        page = found[start:start + 500]
        answer: dict[str, Any] = {"Metrics": [
            {"Namespace": "CWAgent", "MetricName": "nvidia_smi_utilization_gpu",
             "Dimensions": dims} for dims in page]}
        if start + 500 < len(found):
            answer["NextToken"] = str(start + 500)
        return answer

    def GetMetricData(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        queries = params["MetricDataQueries"]
        points = int((params["EndTime"] - params["StartTime"]).total_seconds() // 3600)
        if len(queries) > 500 or len(queries) * points > 100_800:
            raise ValueError(f"GetMetricData limit: {len(queries)} queries")
        return {"MetricDataResults": [{"Id": q["Id"], "Values": [1.0] * points}
                                      for q in queries]}

    def GetMetricStatistics(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        points = int((params["EndTime"] - params["StartTime"]).total_seconds() // 3600)
        return {"Datapoints": [{"Average": 1.0}] * points}


def seed(instances: int, volumes: int) -> list[str]:
    """N p5 instances through the API (1,000 per call) and N volumes in moto's backend,
    aged past every threshold; returns the instance ids."""
    import boto3
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends

    ec2: Any = boto3.client("ec2", region_name=REGION)
    ids: list[str] = []
    for offset in range(0, instances, 1000):
        count = min(1000, instances - offset)
        answer = ec2.run_instances(ImageId="ami-12c6146b", MinCount=count, MaxCount=count,
                                   InstanceType="p5.48xlarge")
        ids += [i["InstanceId"] for i in answer["Instances"]]
    backend = ec2_backends[DEFAULT_ACCOUNT_ID][REGION]
    for _ in range(volumes):
        backend.create_volume(size=100, zone_name=f"{REGION}a", volume_type="gp3")
    old = datetime.now(UTC) - timedelta(days=30)
    for reservation in backend.reservations.values():
        for inst in reservation.instances:
            inst.launch_time = old
    for vol in backend.volumes.values():
        vol.create_time = old
    return ids


def scan(strategy: str, instances: list[str]) -> tuple[Counter[str], float, Any]:
    import boto3

    from ailab.janitor.aws import AwsDriver
    from ailab.janitor.config import default_policy
    from ailab.janitor.engine import RunOptions, run

    driver = AwsDriver(metric_strategy=strategy)
    calls: Counter[str] = Counter()
    events = driver.session.events
    events.register("before-parameter-build.*.*", keep_api_params)
    events.register("before-call.*.*", lambda model, **_: calls.update([model.name]))
    events.register("before-call.ec2.*", MotoPager(boto3.client("ec2", region_name=REGION)))
    events.register("before-call.cloudwatch.*", CloudWatchStandIn(instances))
    start = time.perf_counter()
    report = run([driver], default_policy(), RunOptions(mode="scan", regions=[REGION]))
    return calls, time.perf_counter() - start, report


def minimum(op: str, n_instances: int, n_volumes: int) -> int:
    """Fewest calls by the documented page size (at least one call per listing)."""
    items = {"DescribeInstances": n_instances, "DescribeVolumes": n_instances + n_volumes,
             "ListMetrics": n_instances * GPUS,
             "GetMetricData": n_instances * (GPUS + 1)}.get(op, 0)
    size = PAGE.get(op)
    return 1 if size is None or items == 0 else max(1, math.ceil(items / size))


def table(n: int, results: dict[str, tuple[Counter[str], float, Any]]) -> None:
    names = list(results)
    print(f"\n{n:,} GPU instances (8 GPU series each) + {n:,} volumes")
    print(f"{'operation':<28}{'page':>6}{'minimum':>9}" + "".join(f"{k:>14}" for k in names))
    ops = sorted(set().union(*(c for c, _, _ in results.values())),
                 key=lambda op: (op in METRIC_OPS, op))
    for group, members in (("describe", [o for o in ops if o not in METRIC_OPS]),
                           ("metrics", [o for o in ops if o in METRIC_OPS])):
        low = 0
        for op in members:
            best = minimum(op, n, n) if op != "GetMetricStatistics" else 0
            low += best
            page = PAGE.get(op)
            print(f"{op:<28}{page or '-':>6}{best or '-':>9}"
                  + "".join(f"{results[k][0][op]:>14,}" for k in names))
        totals = [sum(results[k][0][op] for op in members) for k in names]
        print(f"{'  ' + group + ' total':<28}{'':>6}{low:>9,}" + "".join(f"{t:>14,}"
                                                                      for t in totals))
    gmd = results["batched"][0]["GetMetricData"]
    print(f"GetMetricData / minimum: {gmd / minimum('GetMetricData', n, n):.2f}x; "
          f"scan seconds: " + ", ".join(f"{k} {results[k][1]:.1f}" for k in names)
          + f"; idle findings: {len(results['batched'][2].findings):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    args = parser.parse_args()
    from moto import mock_aws

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    for n in args.sizes:
        with mock_aws():
            ids = seed(n, n)
            strategies = ["batched"] + (["per-resource"] if n <= 1000 else [])
            table(n, {name: scan(name, ids) for name in strategies})


if __name__ == "__main__":
    main()
