"""An AWS API request, validated against botocore's service model.

``botocore.validate.ParamValidator`` (what boto3 runs before every call) checks
required members, unknown members, types and minimum lengths/values; it leaves
out the model's enums and maxima, which the API enforces server side, so
``model_limits`` walks the same shapes for those. A request is
``(service, operation, params)`` in the API's own member names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

Request = tuple[str, str, dict[str, Any]]


@dataclass(frozen=True)
class RequestProblem:
    resource: str
    operation: str
    message: str


@cache
def _service(name: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(name)


def input_shape(service: str, operation: str) -> Any:
    """The botocore input shape of ``service.operation`` (KeyError-like error if unknown)."""
    return _service(service).operation_model(operation).input_shape


def validate(resource: str, request: Request) -> list[RequestProblem]:
    """Every problem botocore and the model's enums/maxima find in one request."""
    from botocore.validate import ParamValidator

    service, operation, params = request
    shape = input_shape(service, operation)
    where = f"{service}.{operation}"
    report = ParamValidator().validate(params, shape)
    found = [RequestProblem(resource, where, line.strip())
             for line in report.generate_report().splitlines() if line.strip()] \
        if report.has_errors() else []
    found += [RequestProblem(resource, where, message)
              for message in model_limits(shape, params, "")]
    return found


def model_limits(shape: Any, value: Any, path: str) -> list[str]:
    """Enum and maximum violations of ``value`` against ``shape`` (recursively)."""
    kind = shape.type_name
    found: list[str] = []
    if kind == "structure" and isinstance(value, Mapping):
        for key, item in value.items():
            member = shape.members.get(key)
            if member is not None:
                found += model_limits(member, item, f"{path}.{key}" if path else key)
    elif kind == "list" and isinstance(value, list):
        found += _too_many(shape, len(value), path)
        for i, item in enumerate(value):
            found += model_limits(shape.member, item, f"{path}[{i}]")
    elif kind == "map" and isinstance(value, Mapping):
        for key, item in value.items():
            found += model_limits(shape.value, item, f"{path}.{key}")
    elif kind == "string" and isinstance(value, str):
        enum = getattr(shape, "enum", None) or []
        if enum and value not in enum:
            found.append(f"{path}: {value!r} is not one of {', '.join(enum)}")
        found += _too_many(shape, len(value), path)
    elif kind in ("integer", "long") and isinstance(value, int):
        top = shape.metadata.get("max")
        if top is not None and value > top:
            found.append(f"{path}: {value} is above the maximum {top}")
    return found


def _too_many(shape: Any, size: int, path: str) -> list[str]:
    top = shape.metadata.get("max")
    return [f"{path}: length {size} is above the maximum {top}"] if top is not None \
        and size > top else []
