"""The recording engine: run a Pulumi program under mocks and keep what it declares.

The program is the same one ``pulumi up`` runs; only the engine is replaced by
``RecordingMonitor``, which answers every registration locally and keeps what
was declared: type, name, parent, inputs, the resource options auditors care
about (retain on delete, protect), the property dependencies and the identity
outputs the mocks made up (ids, ARNs, self links). This module knows nothing of
ailab's own program: ``run_program`` takes any program function. Pricing and
guardrails read the result (``ailab.core.inventory``), never a printout, and
never the mocks' naming conventions.
"""

from __future__ import annotations

import asyncio
import math
import re
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks

from ailab.core import tokens
from ailab.core.inventory import IDENTITY_OUTPUTS, Resource

ACCOUNT_ID = "123456789012"
MOCK_AMI = "ami-0ailabmock00000000"
GCP_PROJECT_NUMBER = "123456789012"
GCP_API = "https://www.googleapis.com/compute/v1"
DEPENDS_ON = "dependsOn"
"""Key of the explicit (``depends_on``) dependencies in a recorded resource's deps."""
DYNAMIC_PROVIDER_KEY = "__provider"
"""Pickled provider of a dynamic resource: code, not configuration; not recorded."""


SECRET = "[secret]"
"""How a secret input is recorded: the value ``pulumi preview --json`` shows for it."""


def _plain(value: Any) -> Any:
    """JSON-safe copy of a deserialised input value (secrets as ``[secret]``)."""
    from pulumi.runtime import rpc

    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class RecordingMocks(pulumi_mocks.Mocks):
    """Answers resource and invoke calls with plausible cloud-shaped values."""

    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict]:
        state = dict(args.inputs)
        rid = f"{args.name}-id"
        token = args.typ
        if token.startswith("aws:"):
            service = token.split(":")[1].split("/")[0]
            state.setdefault("arn", f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{args.name}")
        if token == tokens.AWS_S3_BUCKET:
            bucket = state.get("bucket") or f"{state.get('bucketPrefix', args.name)}mock"
            state.update(bucket=bucket, arn=f"arn:aws:s3:::{bucket}")
            rid = bucket
        if token == tokens.AWS_EC2_LAUNCH_TEMPLATE:
            state.setdefault("latestVersion", 1)
        if token == tokens.AWS_EFS_FILE_SYSTEM:
            state["dnsName"] = f"{rid}.efs.{self.region}.amazonaws.com"
        if token == tokens.AWS_FSX_LUSTRE_FILE_SYSTEM:
            state.update(dnsName=f"{rid}.fsx.{self.region}.amazonaws.com", mountName="mock")
        if token in (tokens.AWS_RDS_INSTANCE, tokens.AWS_LB_LOAD_BALANCER):
            state.update(self._aws_endpoints(token, args.name, state))
        if token.startswith("gcp:"):
            rid, state = self._gcp(token, args.name, state)
        if token == tokens.RANDOM_PASSWORD:
            state["result"] = "m0ck" * max(1, int(state.get("length") or 16) // 4)
        state.setdefault("name", state.get("name") or args.name)
        return rid, state

    def _aws_endpoints(self, token: str, name: str, state: dict) -> dict:
        """Addresses AWS gives a database and a load balancer, and the secret RDS makes
        when it manages the master password (its documented shapes)."""
        if token == tokens.AWS_LB_LOAD_BALANCER:
            lb = state.get("name") or name
            prefix = "internal-" if state.get("internal") else ""
            return {"dnsName": f"{prefix}{lb}-1234567890.{self.region}.elb.amazonaws.com",
                    "arnSuffix": f"app/{lb}/0123456789abcdef"}
        ident = state.get("identifier") or name
        port = state.get("port") or 5432
        out: dict = {"address": f"{ident}.c0mock0db0id.{self.region}.rds.amazonaws.com",
                     "port": port}
        out["endpoint"] = f"{out['address']}:{port}"
        if state.get("manageMasterUserPassword"):
            out["masterUserSecrets"] = [{
                "secretArn": f"arn:aws:secretsmanager:{self.region}:{ACCOUNT_ID}:secret:"
                             f"rds!db-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-AbCdEf",
                "secretStatus": "active", "kmsKeyId": ""}]
        return out

    def _gcp(self, token: str, name: str, state: dict) -> tuple[str, dict]:
        """GCP ids, self links, e-mails and addresses the program reads back."""
        project = state.get("project") or "ailab-mock"
        where = (f"zones/{state['zone']}" if state.get("zone")
                 else f"regions/{state['region']}" if state.get("region") else "global")
        kind = token.rsplit(":", 1)[-1]
        plural = f"{kind[0].lower()}{kind[1:]}"
        plural = plural[:-1] + "ies" if plural.endswith("y") else plural + "s"
        rid = f"projects/{project}/{where}/{plural}/{name}"
        state.setdefault("selfLink", f"{GCP_API}/{rid}")
        if token == tokens.GCP_SERVICEACCOUNT_ACCOUNT:
            email = f"{state.get('accountId', name)}@{project}.iam.gserviceaccount.com"
            state.update(email=email, member=f"serviceAccount:{email}")
        if token == tokens.GCP_STORAGE_BUCKET:
            state.update(name=state.get("name") or f"{name}-mock", url=f"gs://{name}-mock")
            rid = state["name"]
        if token == tokens.GCP_SQL_DATABASE_INSTANCE:
            instance = state.get("name") or name
            state.update(privateIpAddress="10.100.0.3",
                         connectionName=f"{project}:{state.get('region')}:{instance}")
        if token == tokens.GCP_SECRETMANAGER_SECRET_VERSION:
            state.update(name=f"{state.get('secret')}/versions/1", version="1")
        if token == tokens.GCP_CLOUDRUNV2_SERVICE:
            state["uri"] = (f"https://{state.get('name') or name}-{GCP_PROJECT_NUMBER}."
                            f"{state.get('location')}.run.app")
        if token == tokens.GCP_FILESTORE_INSTANCE:
            for i, net in enumerate(state.get("networks") or []):
                net.setdefault("ipAddresses", [f"10.200.{i}.2"])
        return rid, state

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        if args.token == tokens.AWS_EC2_GET_AMI:
            return {"id": MOCK_AMI, "imageId": MOCK_AMI, "architecture": "x86_64",
                    "name": "Deep Learning OSS Nvidia Driver AMI GPU PyTorch (mock)"}, []
        if args.token == tokens.GCP_COMPUTE_GET_IMAGE:
            family = args.args.get("family", "mock")
            link = f"{GCP_API}/projects/{args.args.get('project')}/global/images/{family}-mock"
            return {"selfLink": link, "name": f"{family}-mock", "family": family,
                    "id": link}, []
        if args.token == tokens.GCP_ORGANIZATIONS_GET_PROJECT:
            return {"projectId": args.args.get("projectId"), "number": GCP_PROJECT_NUMBER,
                    "id": f"projects/{args.args.get('projectId')}"}, []
        if args.token == tokens.AWS_INDEX_GET_CALLER_IDENTITY:
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mock",
                    "userId": "mock"}, []
        return dict(args.args), []


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that also keeps every registration, with parent and options."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.records: list[Resource] = []
        self._names: dict[str, str] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != tokens.STACK:
            from pulumi.runtime import rpc

            self._names[response.urn] = request.name
            inputs = rpc.deserialize_properties(request.object)
            inputs.pop(DYNAMIC_PROVIDER_KEY, None)
            registered = self.resources.get(response.urn)
            state = dict(registered.state) if registered is not None else {}
            self.records.append(Resource(
                type=request.type, name=request.name,
                parent=self._names.get(request.parent) if request.parent else None,
                inputs=_plain(inputs), custom=bool(request.custom),
                retain_on_delete=bool(request.retainOnDelete), protect=bool(request.protect),
                deps=self._deps(request), id=(response.id or None) if request.custom else None,
                outputs={k: state[k] for k in IDENTITY_OUTPUTS
                         if isinstance(state.get(k), str) and k != "id"}))
        return response

    def _deps(self, request: Any) -> dict[str, list[str]]:
        """Property dependencies, plus the explicit ones (``depends_on``) under
        ``dependsOn``: the engine orders creation by both."""
        out: dict[str, list[str]] = {}
        by_property: set[str] = set()
        for prop, urns in request.propertyDependencies.items():
            by_property.update(urns.urns)
            names = sorted({self._names[u] for u in urns.urns if u in self._names})
            if names:
                out[prop] = names
        explicit = sorted({self._names[u] for u in request.dependencies
                           if u in self._names and u not in by_property})
        if explicit:
            out[DEPENDS_ON] = explicit
        return out


def _fresh_loop() -> tuple[asyncio.AbstractEventLoop, ThreadPoolExecutor,
                               list[asyncio.AbstractEventLoop]]:
    """A private event loop whose executor threads get loops we can close.

    Pulumi runs invokes on executor threads, and each makes an event loop of its
    own; left to the garbage collector they warn at exit. Giving each worker a
    loop up front lets the run close them all.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    thread_loops: list[asyncio.AbstractEventLoop] = []

    def give_thread_a_loop() -> None:
        thread_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(thread_loop)
        thread_loops.append(thread_loop)

    executor = ThreadPoolExecutor(max_workers=4, initializer=give_thread_a_loop)
    loop.set_default_executor(executor)
    return loop, executor, thread_loops


def run_program(program: Callable[[], None], *, stack: str, region: str,
                raw_config: dict[str, str]) -> list[Resource]:
    """Run ``program`` (which declares resources) under recording mocks, as ``pulumi
    preview`` would run it for ``stack`` with ``raw_config``."""
    # SkyPilot (and others) set sys.tracebacklimit = 0, which breaks Pulumi's own
    # stack capture; run with the interpreter default and put it back after.
    saved_limit = getattr(sys, "tracebacklimit", None)
    if saved_limit is not None:
        del sys.tracebacklimit
    loop, executor, thread_loops = _fresh_loop()
    monitor = RecordingMonitor(RecordingMocks(region))
    pulumi.runtime.set_mocks(monitor.mocks, project="ailab", stack=stack, preview=True,
                             monitor=monitor)
    pulumi.runtime.set_all_config(raw_config)
    try:
        pulumi.runtime.test(program)()
    finally:
        executor.shutdown(wait=True)
        for thread_loop in [*thread_loops, loop]:
            thread_loop.close()
        asyncio.set_event_loop(None)
        if saved_limit is not None:
            sys.tracebacklimit = saved_limit
    return monitor.records


def _natural(name: str) -> list[Any]:
    """Sort key that puts node-2 before node-10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def tree_order(resources: list[Resource]) -> list[Resource]:
    """Resources in a stable order: each component, then its children (components
    first, then by name with numbers compared as numbers), depth first.

    The engine answers registrations in whatever order outputs resolve, so the
    recorded order varies from run to run; diffs and reports need a fixed one."""
    children: dict[str | None, list[Resource]] = {}
    for res in resources:
        children.setdefault(res.parent, []).append(res)
    ordered: list[Resource] = []

    def visit(parent: str | None) -> None:
        for res in sorted(children.get(parent, []),
                          key=lambda r: (r.custom, _natural(r.name), r.type)):
            ordered.append(res)
            if not res.custom:
                visit(res.name)

    visit(None)
    seen = {id(r) for r in ordered}
    return ordered + [r for r in resources if id(r) not in seen]
