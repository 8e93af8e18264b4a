"""Reading the input values a price depends on, refusing what cannot be priced.

A real ``pulumi preview --json`` leaves values unknown until ``pulumi up``
(the engine's unknown sentinel) and hides secrets (``[secret]``); a program or
a hand-edited file can hold junk (``size: -100``, ``size: "big"``). A price
computed from either would be a silent zero or a negative figure, so every
value a rule prices goes through these readers: they raise ``UnpricedValue``
naming the input, and the engine turns that into an ``unpriced`` line with the
reason. Values the rule does not price are never looked at.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ailab.core.errors import AilabError
from ailab.costs.pulumi_preview_json import SECRET, UNKNOWN


class UnpricedValue(AilabError):
    """A value the price depends on is unknown before apply, secret or invalid."""


def check_known(value: Any, field: str) -> Any:
    """``value`` itself, unless it is a value known only after apply, or a secret.

    Only the value itself is checked: a block holding an unknown field is read on,
    so the error names the field (``rootBlockDevice.volumeSize``), not the block."""
    if value == UNKNOWN:
        raise UnpricedValue(f"{field} is not known until `pulumi up`, so the price is not "
                            "either")
    if value == SECRET:
        raise UnpricedValue(f"{field} is secret in the preview, so it cannot be priced")
    return value


def quantity(value: Any, field: str, default: float = 0.0) -> float:
    """A size, count, IOPS or throughput: a finite number >= 0 (strings of numbers too,
    as real previews sometimes give them); missing means ``default``."""
    if value is None or value == "":
        return default
    check_known(value, field)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UnpricedValue(f"{field}: {_show(value)} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise UnpricedValue(f"{field}: {_show(value)} is not a number") from None
    if not math.isfinite(number):
        raise UnpricedValue(f"{field}: {_show(value)} is not a finite number")
    if number < 0:
        raise UnpricedValue(f"{field}: {_show(value)} is negative; it must be >= 0")
    return number


def text(value: Any, field: str, default: str = "") -> str:
    """A type name, class or mode: a string (missing means ``default``)."""
    if value is None or value == "":
        return default
    check_known(value, field)
    if not isinstance(value, str):
        raise UnpricedValue(f"{field}: {_show(value)} is not a string")
    return value


def mapping(value: Any, field: str) -> Mapping[str, Any]:
    """A nested block (``rootBlockDevice``); missing means empty."""
    if value is None:
        return {}
    check_known(value, field)
    if not isinstance(value, Mapping):
        raise UnpricedValue(f"{field}: {_show(value)} is not an object")
    return value


def items(value: Any, field: str) -> list[Any]:
    """A list block (``blockDeviceMappings``); missing means empty; one object is a list
    of one (the GCP provider accepts both for some fields)."""
    if value is None:
        return []
    check_known(value, field)
    if isinstance(value, Mapping):
        return [value]
    if not isinstance(value, list):
        raise UnpricedValue(f"{field}: {_show(value)} is not a list")
    return value


def flag(value: Any) -> bool:
    """A boolean input (``true`` or ``"true"``); unknown counts as not set."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _show(value: Any) -> str:
    text_ = repr(value)
    return text_ if len(text_) <= 40 else text_[:37] + "..."
