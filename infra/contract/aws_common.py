"""Shared pieces of the AWS request translators: the registry, the context, and
how recorded inputs become API values (tags, booleans, physical names)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Inventory, Resource
from ailab.infra.contract.botocore_check import Request


@dataclass(frozen=True)
class Context:
    """What a translator may need beyond the resource: where, and who."""

    inventory: Inventory
    region: str
    account_id: str = "123456789012"


Translator = Callable[[Resource, Context], list[Request]]
TRANSLATORS: dict[str, Translator] = {}
"""Type token -> the API requests the provider makes to create such a resource."""


def clean(params: Mapping[str, Any]) -> dict[str, Any]:
    """Drop members left unset (None, empty dict or list): the provider omits them."""
    return {k: v for k, v in params.items() if v is not None and v != {} and v != []}


def as_bool(value: Any) -> bool:
    """A boolean input; the provider takes "true"/"false" strings for some (launch
    templates). Anything else is a mistake the API would refuse."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"not a boolean: {value!r}")


def tag_list(tags: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """``{k: v}`` tags as the ``[{Key, Value}]`` list most AWS APIs take."""
    return [{"Key": str(k), "Value": str(v)} for k, v in (tags or {}).items()]


def resource_id(res: Resource) -> str:
    """The resource's id as the preview recorded it (a mock id before apply;
    ``with_real_ids`` gives it its AWS shape)."""
    return res.id or f"{res.name}-id"


def autoname(res: Resource, limit: int = 255) -> str:
    """Pulumi's auto-name: the logical name plus a 7-character random suffix."""
    suffix = hashlib.sha256(res.name.encode()).hexdigest()[:7]
    return f"{res.name}-{suffix}"[-limit:]


ID_PREFIXES = {
    tokens.AWS_EC2_VPC: "vpc-", tokens.AWS_EC2_SUBNET: "subnet-",
    tokens.AWS_EC2_SECURITY_GROUP: "sg-", tokens.AWS_EC2_INTERNET_GATEWAY: "igw-",
    tokens.AWS_EC2_ROUTE_TABLE: "rtb-", tokens.AWS_EC2_ROUTE_TABLE_ASSOCIATION: "rtbassoc-",
    tokens.AWS_EC2_EIP: "eipalloc-", tokens.AWS_EC2_NAT_GATEWAY: "nat-",
    tokens.AWS_EC2_VPC_ENDPOINT: "vpce-", tokens.AWS_EC2_INSTANCE: "i-",
    tokens.AWS_EC2_LAUNCH_TEMPLATE: "lt-", tokens.AWS_EBS_VOLUME: "vol-",
    tokens.AWS_EFS_FILE_SYSTEM: "fs-", tokens.AWS_EFS_MOUNT_TARGET: "fsmt-",
    tokens.AWS_FSX_LUSTRE_FILE_SYSTEM: "fs-", tokens.AWS_FSX_DATA_REPOSITORY_ASSOCIATION: "dra-",
}
"""AWS id shapes (prefix + 17 hex digits: vpc-0a1b2c3d4e5f60718) by type."""
NAMED_BY_ID = (tokens.AWS_IAM_ROLE, tokens.AWS_EC2_PLACEMENT_GROUP)
"""Types whose id is their (auto-generated) name."""


def real_ids(inv: Inventory) -> dict[str, str]:
    """Mock id -> an id of the shape AWS gives that type, for every AWS resource.

    The preview's ids are placeholders (``<name>-id``); the API checks lengths and
    formats, so requests carry ids of the real shape instead."""
    found: dict[str, str] = {}
    for res in inv.custom():
        if res.id is None:
            continue
        if res.type in ID_PREFIXES:
            digest = hashlib.sha256(res.name.encode()).hexdigest()[:17]
            found[res.id] = ID_PREFIXES[res.type] + digest
        elif res.type in NAMED_BY_ID:
            found[res.id] = autoname(res, 64)
    return found


def with_real_ids(value: Any, ids: Mapping[str, str]) -> Any:
    """``value`` with every mock id replaced (recursively)."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, Mapping):
        return {k: with_real_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [with_real_ids(v, ids) for v in value]
    return value
