"""Every recorded input, checked against the provider SDK's own argument classes.

For a resource of type ``aws:ec2/instance:Instance`` the truth is
``pulumi_aws.ec2.InstanceArgs``: its properties carry their wire names
(``pulumi.getter(name=...)``) and types, nested objects have their own
``*Args`` classes, and deprecated properties carry the SDK's
``_pulumi_deprecated_callable`` marker. An input the class does not know, or
one it marks deprecated, is a finding, at any depth. Providers are checked
against ``pulumi_<cloud>.ProviderArgs`` (so a misspelt ``gcp:`` config key
fails too); the queued TPU, a dynamic resource, against google-cloud-tpu's
``QueuedResource`` message.
"""

from __future__ import annotations

import importlib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Resource

ENGINE_INPUTS = frozenset({"version"})
"""Provider inputs the engine adds that are resource options, not arguments."""


@dataclass(frozen=True)
class ArgProblem:
    resource: str
    path: str
    message: str


@cache
def args_class(token: str) -> type | None:
    """The SDK ``*Args`` class of a type token (``ProviderArgs`` for providers)."""
    if token in (tokens.PROVIDER_AWS, tokens.PROVIDER_GCP):
        return getattr(importlib.import_module(f"pulumi_{token.rsplit(':', 1)[1]}"),
                       "ProviderArgs", None)
    parts = token.split(":")
    if len(parts) != 3 or parts[0] not in ("aws", "gcp", "random"):
        return None
    module = parts[1].split("/")[0]
    name = f"pulumi_{parts[0]}" if module == "index" else f"pulumi_{parts[0]}.{module}"
    resource = getattr(importlib.import_module(name), parts[2], None)
    if resource is None:
        return None
    # When a nested input type already has the name <Resource>Args (Bucket's
    # ``versioning`` block is BucketVersioningArgs), codegen names the resource's
    # own class <Resource>InitArgs; look in the resource's module for either.
    home = importlib.import_module(resource.__module__)
    found = getattr(home, f"{parts[2]}InitArgs", None) or getattr(home, f"{parts[2]}Args", None)
    return found if isinstance(found, type) else None


@cache
def _properties(cls: type) -> dict[str, tuple[Any, bool]]:
    """Wire name -> (declared type, deprecated) for an input type class."""
    from pulumi import _types

    declared = _types.input_type_types(cls)
    out: dict[str, tuple[Any, bool]] = {}
    for attr in vars(cls).values():
        getter = getattr(attr, "fget", None)
        wire = getattr(getter, "_pulumi_name", None)
        if wire is not None:
            deprecated = "_pulumi_deprecated_callable" in getattr(getter, "__dict__", {})
            out[wire] = (declared.get(wire), deprecated)
    return out


def _nested(declared: Any) -> tuple[type | None, bool]:
    """The input type class inside a declared type, and whether it is a list of them."""
    from pulumi import _types

    inner = _types.unwrap_type(declared)
    origin = typing.get_origin(inner)
    if origin in (Sequence, list, tuple) or (isinstance(origin, type)
                                             and issubclass(origin, Sequence)
                                             and origin is not str):
        args = typing.get_args(inner)
        element = _types.unwrap_type(args[0]) if args else None
        return (element if isinstance(element, type) and _types.is_input_type(element)
                else None), True
    if isinstance(inner, type) and _types.is_input_type(inner):
        return inner, False
    return None, False


def check_value(cls: type, value: Mapping[str, Any], where: str, resource: str,
                skip: frozenset[str] = frozenset()) -> list[ArgProblem]:
    """Problems of ``value`` (wire names) against input type ``cls``, recursively."""
    props = _properties(cls)
    found: list[ArgProblem] = []
    for key, item in value.items():
        if key in skip:
            continue
        path = f"{where}.{key}" if where else key
        if key not in props:
            found.append(ArgProblem(resource, path, f"{cls.__name__} has no input {key!r}"))
            continue
        declared, deprecated = props[key]
        if deprecated:
            found.append(ArgProblem(resource, path, f"{cls.__name__}.{key} is deprecated"))
        nested, many = _nested(declared)
        if nested is None:
            continue
        items = item if many and isinstance(item, list) else [item]
        for i, element in enumerate(items):
            if isinstance(element, Mapping):
                found += check_value(nested, element, f"{path}[{i}]" if many else path,
                                     resource)
    return found


def check_resource(res: Resource) -> list[ArgProblem] | None:
    """Problems of one resource's inputs; None when it has no SDK class to check."""
    if res.type == tokens.DYNAMIC_RESOURCE:
        return _check_queued_tpu(res)
    cls = args_class(res.type)
    if cls is None:
        return None
    skip = ENGINE_INPUTS if res.type.startswith("pulumi:providers:") else frozenset()
    return check_value(cls, res.inputs, "", res.name, skip)


def _check_queued_tpu(res: Resource) -> list[ArgProblem] | None:
    from google.cloud import tpu_v2

    from ailab.infra.gcp.tpu_queue import KIND, queued_resource_body

    if res.inputs.get("kind") != KIND:
        return None
    try:
        tpu_v2.QueuedResource(queued_resource_body(res.inputs))
    except (ValueError, TypeError, KeyError) as exc:
        return [ArgProblem(res.name, "node", f"not a tpu_v2.QueuedResource: {exc}")]
    return []
