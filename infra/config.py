"""The one place stack config is read.

``read_pulumi_config`` collects the raw values the Pulumi engine hands the
program (strings; arrays as JSON text). ``parse_config`` turns them into typed
values against ``infra.keys``, rejecting unknown keys, and ``infra.spec``
validates the result into the typed spec every component takes.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from ailab.core.errors import MISSING, ConfigError
from ailab.infra.keys import ALL_KEYS, PROVIDER_KEYS, ConfigKey

NAMESPACE = "ailab"


def read_pulumi_config() -> dict[str, str]:
    """Raw ``ailab:`` and provider keys from the running Pulumi program."""
    from pulumi.runtime import config as runtime_config

    merged: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    wanted = {k: v for k, v in merged.items()
              if k.startswith(f"{NAMESPACE}:") or k in PROVIDER_KEYS}
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in wanted.items()}


def stack_file_values(config: dict[str, Any]) -> dict[str, str]:
    """Render a stack file's ``config:`` mapping the way the Pulumi CLI passes it."""
    out: dict[str, str] = {}
    for key, value in config.items():
        if isinstance(value, dict) and "secure" in value:
            out[key] = "[secret]"
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (list, dict)):
            out[key] = json.dumps(value)
        else:
            out[key] = "" if value is None else str(value)
    return out


def parse_config(raw: dict[str, str]) -> dict[str, Any]:
    """Typed values for every known key (defaults filled in); unknown keys fail."""
    values: dict[str, Any] = {}
    for full_key, text in raw.items():
        if full_key in PROVIDER_KEYS:
            values[full_key] = text
            continue
        name = full_key.split(":", 1)[1] if ":" in full_key else full_key
        key = ALL_KEYS.get(name)
        if key is None:
            raise _unknown_key(full_key, name)
        values[name] = _parse_value(key, text)
    for name, key in ALL_KEYS.items():
        if name not in values:
            if key.required:
                raise ConfigError(f"{NAMESPACE}:{name}", MISSING, "this key is required",
                                  hint=f"set it: pulumi config set {NAMESPACE}:{name} <value>")
            values[name] = key.default
    return values


def _unknown_key(full_key: str, name: str) -> ConfigError:
    close = difflib.get_close_matches(name, list(ALL_KEYS), n=1)
    suggestion = f"did you mean {NAMESPACE}:{close[0]}?" if close else (
        "valid keys are listed in Pulumi.yaml")
    return ConfigError(full_key, "<set>", f"unknown key; {suggestion}")


def _parse_value(key: ConfigKey, text: str) -> Any:
    full = f"{NAMESPACE}:{key.name}"
    if key.type == "string":
        return text
    if key.type == "integer":
        return _parse_int(full, text, key.limit)
    if key.type == "boolean":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise ConfigError(full, text, "expected true or false")
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):  # bad JSON, a 5,000-digit number, deep nesting
        raise ConfigError(full, text, "expected a list, e.g. [a, b]") from None
    if not isinstance(items, list):
        raise ConfigError(full, items, "expected a list, e.g. [a, b]")
    if key.max_items is not None and len(items) > key.max_items:
        raise ConfigError(full, f"{len(items)} items", f"at most {key.max_items} items are "
                          "allowed (the documented maximum, see Pulumi.yaml)")
    if key.items == "integer":
        return [_parse_int(full, str(item), key.limit) for item in items]
    if any(isinstance(item, (dict, list)) for item in items):
        raise ConfigError(full, items, "expected a list of plain values, e.g. [a, b]")
    return [str(item) for item in items]


def _parse_int(full: str, text: str, maximum: int) -> int:
    """A whole number no larger (in size) than ``maximum``; ``1e30``, ``2.5`` and
    4,000-digit numbers are refused with the key named."""
    try:
        value = int(text.strip()) if len(text) <= 32 else None
    except ValueError:
        value = None
    if value is None:
        raise ConfigError(full, text, "expected a whole number")
    if abs(value) > maximum:
        raise ConfigError(full, value, f"must be at most {maximum:,} (the documented maximum, "
                          "see Pulumi.yaml)")
    return value
