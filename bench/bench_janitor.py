"""Janitor API-call benchmark: batched GetMetricData versus per-resource statistics.

Seeds a moto (in-process) account with N running GPU instances and N unattached
volumes, runs the janitor's read-only scan twice in the same process, once with
the batched strategy (paginated describes, 500 metric queries per GetMetricData
call) and once with the per-resource strategy (one GetMetricStatistics call per
series), counts API calls by operation through botocore's ``before-call`` event,
and prints counts, times and ratios.

moto's CloudWatch evaluates every query against every stored datapoint, so the
account holds no metric data: the call pattern and counts are what a real
account sees; moto's per-call cost is not AWS's.

Run: ``uv run --no-sync python bench/bench_janitor.py [--instances 10000] [--volumes 10000]``
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

for _key, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                     "AWS_DEFAULT_REGION": "us-east-1", "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
                     "AWS_EC2_METADATA_DISABLED": "true"}.items():
    os.environ.setdefault(_key, _value)
os.environ.pop("AWS_ENDPOINT_URL", None)

REGION = "us-east-1"


def seed(instances: int, volumes: int) -> float:
    """Create the fleet (instances through the API, 1,000 per RunInstances call; volumes
    in moto's backend) and age it past every threshold; returns seconds taken."""
    import boto3
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends

    start = time.perf_counter()
    ec2: Any = boto3.client("ec2", region_name=REGION)
    for offset in range(0, instances, 1000):
        count = min(1000, instances - offset)
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=count, MaxCount=count,
                          InstanceType="g4dn.xlarge")
    backend = ec2_backends[DEFAULT_ACCOUNT_ID][REGION]
    # Volumes go straight into moto's backend: 10,000 CreateVolume round trips through
    # moto's XML layer would take minutes and measure moto, not the janitor.
    for _ in range(volumes):
        backend.create_volume(size=100, zone_name=f"{REGION}a", volume_type="gp3")
    old = datetime.now(UTC) - timedelta(days=30)
    for reservation in backend.reservations.values():
        for inst in reservation.instances:
            inst.launch_time = old
    for vol in backend.volumes.values():
        vol.create_time = old
    return time.perf_counter() - start


def scan(strategy: str) -> tuple[Counter[str], float, Any]:
    from ailab.janitor.aws import AwsDriver
    from ailab.janitor.config import default_policy
    from ailab.janitor.engine import RunOptions, run

    driver = AwsDriver(metric_strategy=strategy)
    calls: Counter[str] = Counter()
    driver.session.events.register("before-call.*.*",
                                   lambda model, **_: calls.update([model.name]))
    start = time.perf_counter()
    report = run([driver], default_policy(), RunOptions(mode="scan", regions=[REGION]))
    return calls, time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--volumes", type=int, default=10_000)
    args = parser.parse_args()
    from moto import mock_aws

    with mock_aws():
        seconds = seed(args.instances, args.volumes)
        print(f"seeded {args.instances} g4dn.xlarge instances and {args.volumes} unattached "
              f"volumes in moto in {seconds:.1f}s")
        results = {name: scan(name) for name in ("batched", "per-resource")}
    series = 2 * args.instances  # CPU + GPU utilisation per running GPU instance
    print(f"metric series needed: {series} (CPU and GPU per instance)")
    print(f"minimum metric calls at 500 queries per GetMetricData: {math.ceil(series / 500)}")
    ops = sorted(set().union(*(calls for calls, _, _ in results.values())))
    print(f"\n{'operation':<26}{'batched':>10}{'per-resource':>14}")
    for op in ops:
        print(f"{op:<26}{results['batched'][0][op]:>10}{results['per-resource'][0][op]:>14}")
    totals = {name: sum(calls.values()) for name, (calls, _, _) in results.items()}
    print(f"{'total calls':<26}{totals['batched']:>10}{totals['per-resource']:>14}")
    times = {name: elapsed for name, (_, elapsed, _) in results.items()}
    print(f"{'scan seconds':<26}{times['batched']:>10.1f}{times['per-resource']:>14.1f}")
    findings = {name: len(report.findings) for name, (_, _, report) in results.items()}
    print(f"{'findings':<26}{findings['batched']:>10}{findings['per-resource']:>14}")
    print(f"\nper-resource / batched: {totals['per-resource'] / totals['batched']:.0f}x calls, "
          f"{times['per-resource'] / times['batched']:.1f}x time")


if __name__ == "__main__":
    main()
