"""Documents inside resource inputs, read for their meaning: IAM policy statements
and the boot scripts (EC2 user data, GCE start-up scripts) that mount file systems.

A boot script is read line by line for mounts in both spellings machines use:
an ``/etc/fstab`` entry (``SOURCE TARGET TYPE OPTIONS``, often echoed into the
file) and a command (``mount -t TYPE -o OPTIONS SOURCE TARGET``, ``gcsfuse
[flags] BUCKET TARGET``). Each becomes a ``Mount`` with its options parsed, so a
rule asks "is this EFS mount using TLS" instead of searching for a string.
"""

from __future__ import annotations

import base64
import binascii
import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ailab.core import tokens
from ailab.core.inventory import Resource
from ailab.guardrails import types as t
from ailab.guardrails.rule import is_unknown, mapping

FS_TYPES = ("nfs", "nfs4", "efs", "lustre", "gcsfuse", "fuse.gcsfuse")
"""File system types a mount line is recognised by (fstab and ``mount -t``)."""
_GCSFUSE_VALUED = {"--file-mode": "file_mode", "--dir-mode": "dir_mode", "--uid": "uid",
                   "--gid": "gid", "-o": None}
MAX_SCRIPT = 1_000_000
"""Longest boot script read (characters); EC2 caps user data at 16 KB anyway."""


# IAM ---------------------------------------------------------------------------------

def statements(document: Any) -> list[Mapping[str, Any]]:
    """The statements of an IAM policy document (JSON text or a mapping)."""
    if isinstance(document, str):
        try:
            document = json.loads(document[:MAX_SCRIPT])
        except (json.JSONDecodeError, RecursionError):
            return []
    stmts = mapping(document).get("Statement") or []
    return [s for s in ([stmts] if isinstance(stmts, Mapping) else stmts)
            if isinstance(s, Mapping)] if isinstance(stmts, (list, Mapping)) else []


def as_list(value: Any) -> list[str]:
    """One string or a list of them, as a list of strings."""
    return [str(v) for v in (value if isinstance(value, list) else [value]) if v is not None]


def principals(stmt: Mapping[str, Any]) -> list[str]:
    """Every principal a statement names (``"*"`` stays ``"*"``)."""
    raw = stmt.get("Principal")
    if isinstance(raw, Mapping):
        return [p for values in raw.values() for p in as_list(values)]
    return as_list(raw)


# Boot scripts --------------------------------------------------------------------------

def boot_script(res: Resource) -> str | None:
    """The boot script a machine runs (decoded), "" when it has none, None when unknown."""
    if res.type in (tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE):
        raw = res.get("userData")
        encoded = res.type == tokens.AWS_EC2_LAUNCH_TEMPLATE
        if raw is None and res.get("userDataBase64") is not None:
            raw, encoded = res.get("userDataBase64"), True
        return _text(raw, encoded)
    if res.type == tokens.DYNAMIC_RESOURCE:
        scripts = [_text(mapping(n["metadata"]).get("startup-script"), False)
                   for n in t.queued_tpu_nodes(res)]
        return None if None in scripts else "\n".join(s or "" for s in scripts)
    metadata = res.get("metadata")
    if is_unknown(metadata) or is_unknown(res.get("metadataStartupScript")):
        return None
    return _text(mapping(metadata).get("startup-script") or res.get("metadataStartupScript"),
                 False)


def _text(raw: Any, encoded: bool) -> str | None:
    if raw is None:
        return ""
    if is_unknown(raw) or not isinstance(raw, str):
        return None if is_unknown(raw) else ""
    if not encoded:
        return raw[:MAX_SCRIPT]
    try:
        return base64.b64decode(raw[:MAX_SCRIPT], validate=False).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return raw[:MAX_SCRIPT]


@dataclass(frozen=True)
class Mount:
    """One file system mount found in a boot script."""

    source: str
    target: str
    fstype: str
    options: Mapping[str, str] = field(default_factory=dict)
    """Option name -> value ("" for flags): ``{"tls": "", "file_mode": "664"}``."""

    def has(self, option: str) -> bool:
        return option in self.options

    def mode(self, name: str, default: int) -> int:
        """An octal permission option (``file_mode``), or ``default`` when unset or bad."""
        try:
            return int(self.options[name], 8)
        except (KeyError, ValueError):
            return default


_MOUNT_WORDS = ("mount", "gcsfuse", *FS_TYPES)


def mounts(script: str) -> tuple[Mount, ...]:
    """Every mount a boot script makes, from fstab entries and mount/gcsfuse commands.

    Cluster nodes share one script, so the parse is cached by its text, and only
    lines that name a mount or file system type are split into shell words."""
    return _mounts(script) if len(script) <= MAX_SCRIPT else _mounts(script[:MAX_SCRIPT])


@lru_cache(maxsize=256)
def _mounts(script: str) -> tuple[Mount, ...]:
    found: list[Mount] = []
    for line in script.splitlines():
        if not any(word in line for word in _MOUNT_WORDS):
            continue
        words = _words(line)
        if not words:
            continue
        if "gcsfuse" in words and _fstab_at(words) is None:
            found += _gcsfuse_command(words)
        elif "mount" in words and "-t" in words:
            found += _mount_command(words)
        else:
            at = _fstab_at(words)
            if at is not None:
                found.append(Mount(words[at], words[at + 1], words[at + 2],
                                   _options(words[at + 3] if len(words) > at + 3 else "")))
    return tuple(found)


def _words(line: str) -> list[str]:
    """Shell words of a line, quoted fstab entries split into their fields."""
    text = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
    try:
        parts = shlex.split(text, comments=False)
    except ValueError:
        parts = text.split()
    return [w for part in parts for w in part.split()]


def _fstab_at(words: list[str]) -> int | None:
    for i in range(len(words) - 2):
        if words[i + 2] in FS_TYPES and words[i + 1].startswith("/"):
            return i
    return None


def _options(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        if name:
            out[name.strip()] = value.strip()
    return out


def _mount_command(words: list[str]) -> list[Mount]:
    start = words.index("mount")
    fstype, options, positional = "", {}, []
    rest = words[start + 1:]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "-t" and i + 1 < len(rest):
            fstype, i = rest[i + 1], i + 2
        elif word == "-o" and i + 1 < len(rest):
            options.update(_options(rest[i + 1]))
            i += 2
        elif word.startswith("-"):
            i += 1
        elif word in ("||", "&&", ";", "|"):
            break
        else:
            positional.append(word)
            i += 1
    if len(positional) < 2 or not positional[1].startswith("/"):
        return []
    return [Mount(positional[0], positional[1], fstype, options)]


def _gcsfuse_command(words: list[str]) -> list[Mount]:
    start = words.index("gcsfuse")
    options: dict[str, str] = {}
    positional: list[str] = []
    rest = words[start + 1:]
    i = 0
    while i < len(rest):
        word = rest[i]
        name, eq, value = word.partition("=")
        if name in _GCSFUSE_VALUED and not eq and i + 1 < len(rest):
            value, i = rest[i + 1], i + 2
        else:
            i += 1
        if name == "-o":
            options.update(_options(value))
        elif name in _GCSFUSE_VALUED:
            options[str(_GCSFUSE_VALUED[name])] = value
        elif word.startswith("-"):
            options[word.lstrip("-").replace("-", "_")] = value
        elif word in ("||", "&&", ";", "|"):
            break
        else:
            positional.append(word)
    if len(positional) < 2 or not positional[1].startswith("/"):
        return []
    return [Mount(positional[0], positional[1], "gcsfuse", options)]
