"""SkyPilot's side: validate a task offline, or launch it for real.

Offline validation runs in a sandbox (``offline_sky``): SkyPilot's runtime dir
points at a throw-away folder holding a catalog written from the embedded price
table, AWS calls go to moto, and nothing talks to an API server. Within it:
SkyPilot's task schema (``Task.from_yaml_config``, twice: the builder's output
must round-trip), the serve spec parser, resource checks against the catalog,
and ``Storage.construct()`` for S3 mounts. ``sky`` is imported inside functions
only (3 s), and only after the sandbox is set up.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from ailab.core.errors import WorkloadError
from ailab.workloads import checks

PROJECT_CONFIG_ENV = "SKYPILOT_PROJECT_CONFIG"
"""SkyPilot's project config layer: laid over ``~/.sky/config.yaml`` by its client."""
INTERNAL_CONFIG_ENV = "SKYPILOT_CONFIG"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_FAKE_AWS = {"AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox",
             "AWS_SESSION_TOKEN": "sandbox", "AWS_EC2_METADATA_DISABLED": "true",
             "SKYPILOT_DISABLE_USAGE_COLLECTION": "1"}


@contextlib.contextmanager
def project_layer(path: Path, reload: Callable[[], Any]) -> Iterator[None]:
    """``path`` as SkyPilot's project config layer (``SKYPILOT_PROJECT_CONFIG``) while
    the block runs, the caller's setting restored after; ``reload`` re-reads SkyPilot's
    config on both edges (its client caches it)."""
    saved = os.environ.get(PROJECT_CONFIG_ENV)
    os.environ[PROJECT_CONFIG_ENV] = str(path)
    try:
        reload()
        yield
    finally:
        if saved is None:
            os.environ.pop(PROJECT_CONFIG_ENV, None)
        else:
            os.environ[PROJECT_CONFIG_ENV] = saved
        reload()


# EC2 "Running On-Demand ... instances" vCPU quotas, by instance family letter.
_QUOTA_CODES = {"p": "L-417A185B", "g": "L-DB2E81BA", "t": "L-2C3B7624", "i": "L-1945791B",
                "d": "L-6E869C2A", "*": "L-1216C47A"}


def sky_error(exc: BaseException) -> str:
    """SkyPilot's message as one line."""
    text = _ANSI.sub("", str(exc)).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return " ".join(lines[:2])[:400] or type(exc).__name__


def write_catalogs(catalog_dir: Path) -> None:
    """A SkyPilot v8 catalog (AWS + GCP VMs, common accelerators) from the price table."""
    from ailab.costs.catalog import load_prices

    prices = load_prices()
    aws = prices[prices["cloud"] == "aws"]
    rows = []
    for rec in aws.to_dict("records"):
        for zone in str(rec["zones"]).split(";") or [""]:
            rows.append({"InstanceType": rec["instance_type"],
                         "AcceleratorName": rec["accelerator"] or None,
                         "AcceleratorCount": rec["accelerator_count"] or None,
                         "vCPUs": rec["vcpus"], "MemoryGiB": rec["memory_gib"], "GpuInfo": None,
                         "Price": rec["price_usd_hr"], "SpotPrice": rec["spot_usd_hr"],
                         "Region": rec["region"], "AvailabilityZone": zone})
    _csv(catalog_dir / "aws" / "vms.csv", rows)
    _csv(catalog_dir / "aws" / "instance_quota_mapping.csv",
         [{"InstanceType": t, "QuotaCode": _QUOTA_CODES.get(t[0], _QUOTA_CODES["*"])}
          for t in sorted(set(aws["instance_type"]))])
    gcp_rows = []
    for rec in prices[prices["cloud"] == "gcp"].to_dict("records"):
        tpu = str(rec["instance_type"]).startswith("tpu-")
        for zone in str(rec["zones"]).split(";"):
            gcp_rows.append({"InstanceType": None if tpu else rec["instance_type"],
                             "vCPUs": None if tpu else rec["vcpus"],
                             "MemoryGiB": None if tpu else rec["memory_gib"],
                             "AcceleratorName": rec["instance_type"] if tpu else None,
                             "AcceleratorCount": 1 if tpu else None, "GpuInfo": None,
                             "Region": rec["region"], "AvailabilityZone": zone,
                             "Price": rec["price_usd_hr"], "SpotPrice": rec["spot_usd_hr"]})
    _csv(catalog_dir / "gcp" / "vms.csv", gcp_rows)
    accs = prices[prices["accelerator"] != ""].groupby("accelerator")["cloud"].unique()
    _csv(catalog_dir / "common" / "accelerators.csv",
         [{"AcceleratorName": name, "Clouds": str(sorted(c.upper() if c in ("aws", "gcp")
                                                        else c.title() for c in clouds))}
          for name, clouds in accs.items()])


def write_images(region: str) -> str:
    """SkyPilot's AWS image tags mapped, in ``region``, to an AMI moto knows (SkyPilot
    resolves its default image while computing a node's launch settings). Inside
    ``offline_sky`` only; returns the AMI id."""
    import boto3
    from sky.skylet import constants

    image = boto3.client("ec2", region_name=region).describe_images(
        Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    _csv(Path(os.environ["SKY_RUNTIME_DIR"]) / ".sky" / "catalogs"
         / constants.CATALOG_SCHEMA_VERSION / "aws" / "images.csv",
         [{"Tag": tag, "Region": region, "OS": "ubuntu", "OSVersion": "22.04",
           "ImageId": image, "CreationDate": "20240101"} for tag in _IMAGE_TAGS])
    return str(image)


_IMAGE_TAGS = ("skypilot:custom-gpu-ubuntu-cuda13", "skypilot:custom-gpu-ubuntu",
               "skypilot:custom-cpu-ubuntu", "skypilot:gpu-ubuntu-2204",
               "skypilot:cpu-ubuntu-2204")


def _csv(path: Path, rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)


@contextlib.contextmanager
def offline_sky(runtime_dir: Path | None = None) -> Iterator[Path]:
    """SkyPilot with a throw-away runtime dir, a local catalog, and AWS behind moto."""
    current = os.environ.get("SKY_RUNTIME_DIR")
    if runtime_dir is None and "sky" in sys.modules and current:
        runtime_dir = Path(current)  # nested in an enclosing sandbox: share it
        own = False
    else:
        own = runtime_dir is None
    root = Path(tempfile.mkdtemp(prefix="ailab-sky-")) if runtime_dir is None else runtime_dir
    if "sky" in sys.modules:
        from sky.catalog import common  # type: ignore[import-untyped]

        catalog_dir = Path(common._ABSOLUTE_VERSIONED_CATALOG_DIR)
        if not catalog_dir.is_relative_to(root):
            raise WorkloadError("SkyPilot was imported before the offline sandbox was set up; "
                                "its state would be the user's", hint="set SKY_RUNTIME_DIR "
                                "before importing sky")
    aws_dir = root / ".aws"
    aws_dir.mkdir(parents=True, exist_ok=True)
    (aws_dir / "credentials").write_text("[default]\naws_access_key_id = sandbox\n"
                                         "aws_secret_access_key = sandbox\n")
    (aws_dir / "config").write_text("[default]\nregion = us-east-1\n")
    project = root / "project-config.yaml"  # not the user's ./.sky.yaml
    if not project.exists():
        project.write_text("{}\n")
    sandbox_env = _FAKE_AWS | {"SKY_RUNTIME_DIR": str(root), "HOME": str(root),
                               "AWS_CONFIG_FILE": str(aws_dir / "config"),
                               "AWS_SHARED_CREDENTIALS_FILE": str(aws_dir / "credentials"),
                               PROJECT_CONFIG_ENV: str(project)}
    saved = {k: os.environ.get(k) for k in (*sandbox_env, INTERNAL_CONFIG_ENV)}
    os.environ.pop(INTERNAL_CONFIG_ENV, None)
    os.environ.update(sandbox_env)
    from sky.utils import annotations  # type: ignore[import-untyped]

    # In-process we are SkyPilot's client, not its API server: without this it
    # encodes its progress spinners as <sky-payload> lines for a server stream.
    on_server = annotations.is_on_api_server
    annotations.is_on_api_server = False
    try:
        from sky.skylet import constants  # type: ignore[import-untyped]

        write_catalogs(root / ".sky" / "catalogs" / constants.CATALOG_SCHEMA_VERSION)
        from moto import mock_aws

        with mock_aws():
            yield root
    finally:
        annotations.is_on_api_server = on_server
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if own:
            shutil.rmtree(root, ignore_errors=True)


def to_task(config: dict[str, Any]) -> Any:
    """SkyPilot's own parse of a task config; its errors become one WorkloadError line."""
    import sky  # type: ignore[import-untyped]

    checks.check_config(config)
    try:
        return sky.Task.from_yaml_config(copy.deepcopy(config))  # it consumes its input
    except Exception as exc:  # noqa: BLE001 - SkyPilot raises many types
        raise WorkloadError(f"SkyPilot rejected the task: {sky_error(exc)}") from None


def check_service(service: dict[str, Any]) -> Any:
    from sky.serve.service_spec import SkyServiceSpec  # type: ignore[import-untyped]

    checks.check_service(service)
    try:
        return SkyServiceSpec.from_yaml_config(copy.deepcopy(service))
    except Exception as exc:  # noqa: BLE001
        raise WorkloadError(f"SkyPilot rejected the service spec: {sky_error(exc)}") from None


def validate(config: dict[str, Any], storage: bool = True) -> str:
    """Schema, round-trip, service, resources and storage checks; the task YAML."""
    task = to_task(config)
    round_trip = _public(task.to_yaml_config())
    to_task(round_trip)
    if "service" in config:
        check_service(config["service"])
    for res in task.resources:
        _ = res.cloud, res.instance_type  # resolved against the catalog at parse time
    if storage:
        check_storage(task)
    return dump_yaml(round_trip)


class _BlockDumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def dump_yaml(config: dict[str, Any]) -> str:
    """Task YAML as people write it (multi-line scripts as literal blocks)."""
    return yaml.dump(config, Dumper=_BlockDumper, sort_keys=False)


def _public(value: Any) -> Any:
    """Drop SkyPilot's internal keys (``_requires_fuse``...) and empty sections."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items()
                if not str(k).startswith("_") and v not in ({}, None)}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def check_storage(task: Any) -> None:
    """``Storage.construct()`` for every S3 mount (under moto inside ``offline_sky``)."""
    from sky import check as sky_check  # type: ignore[import-untyped]

    mounts = [s for s in task.storage_mounts.values()
              if any(str(t).endswith("S3") for t in (s.stores or {}))
              or not s.stores]
    if not mounts:
        return
    sky_check.check(quiet=True, clouds=["aws"])
    for st in mounts:
        try:
            st.construct()
        except Exception as exc:  # noqa: BLE001
            raise WorkloadError(f"file_mounts: storage {st.name!r}: {sky_error(exc)}") from None


def launch(config: dict[str, Any], kind: str, name: str) -> Any:
    """Hand the task to SkyPilot's SDK: a cluster, a managed job or a service."""
    import sky  # type: ignore[import-untyped]

    task = to_task(config)
    request: Any
    try:
        if kind == "cluster":
            request = sky.launch(task, cluster_name=name)
        elif kind == "job":
            request = sky.jobs.launch(task, name=name)
        else:
            request = sky.serve.up(task, service_name=name)
        return sky.stream_and_get(request)
    except Exception as exc:  # noqa: BLE001
        raise WorkloadError(f"SkyPilot launch failed: {sky_error(exc)}") from None
