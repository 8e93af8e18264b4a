"""What the GPU agents a machine runs cost in metrics (``ailab.core.gpu_metrics``).

A GPU machine whose boot script installs the CloudWatch agent publishes
``measurements x (GPUs + roll-ups)`` custom metrics (27 on an 8-GPU node), each
billed per metric-month and prorated by the hours it receives data, plus about
one ``PutMetricData`` request a minute. A GCP VM with ailab's Ops Agent
configuration publishes 3 chargeable series per GPU, billed by the MiB ingested
(8 bytes a point, a point a minute). Both parts go on the machine's own line: the
metrics exist whether or not anybody looks at a dashboard.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ailab.core import gpu_metrics as gm
from ailab.costs import catalog
from ailab.costs.catalog import HOURS_PER_MONTH
from ailab.costs.service_prices import service_price
from ailab.costs.stack_pricing.context import part
from ailab.costs.stack_pricing.lines import CostPart

MINUTES_PER_HOUR = 60


def _gpus(cloud: str, instance_type: str, region: str) -> int:
    row = catalog.find_price(cloud, instance_type, region)
    return int(row.accelerator_count) if row is not None else 0


def boot_script(user_data: Any) -> str | None:
    """The boot script of an instance (plain) or launch template (base64)."""
    if not isinstance(user_data, str) or not user_data:
        return None
    if gm.aws_agent_config(user_data) is not None or "\n" in user_data:
        return user_data
    try:
        return base64.b64decode(user_data, validate=True).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def aws_agent_parts(region: str, user_data: Any, instance_type: str, hours: float,
                    count: float = 1.0) -> tuple[list[CostPart], list[str]]:
    """Custom metrics and PutMetricData requests of ``count`` machines for ``hours``."""
    config = gm.aws_agent_config(boot_script(user_data))
    if config is None:
        return [], []
    gpus = _gpus("aws", instance_type, region)
    series = gm.aws_series_per_machine(config, gpus)
    if not series:
        return [], []
    share = hours / HOURS_PER_MONTH
    metrics = part(f"CloudWatch agent GPU metrics ({series} per machine"
                   + (f" x{count:g}" if count != 1 else "") + ")", series * count * share,
                   "metric-month", service_price("aws", region, "monitoring", "custom-metric",
                                                 "month"))
    requests = part("PutMetricData requests (one a minute per machine)",
                    hours * MINUTES_PER_HOUR * count / 1000, "1000 requests",
                    service_price("aws", region, "monitoring", "api-request", "requests"))
    note = (f"{gpus} GPUs x {len(gm.AWS_MEASUREMENTS)} measurements plus the per-machine "
            "roll-ups; custom metrics are prorated by the hours they receive data; the "
            "account's 10 free metrics and 1M free requests are not applied")
    return [metrics, requests], [note]


def gcp_agent_parts(region: str, script: Any, machine_type: str, hours: float,
                    count: float = 1.0) -> tuple[list[CostPart], list[str]]:
    """Chargeable Ops Agent GPU series of ``count`` VMs for ``hours``, by MiB ingested."""
    if not gm.gcp_ops_agent_installed(script if isinstance(script, str) else None):
        return [], []
    gpus = _gpus("gcp", machine_type, region)
    if not gpus:
        return [], []
    series = gm.GCP_SERIES_PER_GPU * gpus
    mib = series * count * gm.gcp_mib_per_series_month(hours)
    ingest = part(f"Ops Agent GPU metrics ({series} series per VM"
                  + (f" x{count:g}" if count != 1 else "") + ")", mib, "MiB",
                  service_price("gcp", region, "monitoring", "metrics-ingest", "mib"))
    note = (f"{gpus} GPUs x {gm.GCP_SERIES_PER_GPU} series (utilization; memory used and "
            f"free), {gm.GCP_BYTES_PER_POINT} bytes a point every {gm.GCP_INTERVAL_S} s; the "
            "billing account's free 150 MiB a month is not applied")
    return [ingest], [note]
