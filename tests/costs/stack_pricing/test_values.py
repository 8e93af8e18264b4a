"""Values unknown until apply, secret or invalid make a resource unpriced, with the reason;
they are never priced as zero or a negative amount."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ailab.costs.pulumi_preview_json import UNKNOWN, load_preview
from ailab.costs.stack_pricing import price_inventory
from ailab.costs.stack_pricing.values import UnpricedValue, quantity, text

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(("value", "problem"), [
    (-100, "size: -100 is negative; it must be >= 0"),
    (UNKNOWN, "size is not known until `pulumi up`"),
    ("[secret]", "size is secret in the preview"),
    ("big", "size: 'big' is not a number"),
    (True, "size: True is not a number"),
    ({"gb": 3}, "size: {'gb': 3} is not a number"),
    (float("nan"), "size: nan is not a finite number"),
    ([UNKNOWN], "is not a number"),
])
def test_quantity_refuses_what_cannot_be_priced(value: Any, problem: str) -> None:
    with pytest.raises(UnpricedValue) as err:
        quantity(value, "size")
    assert problem in err.value.message


def test_quantity_and_text_accept_what_previews_give() -> None:
    assert quantity(500, "size") == 500.0 and quantity("500", "size") == 500.0
    assert quantity(None, "size", 7.0) == 7.0 and quantity(0, "size") == 0.0
    assert text("gp3", "type") == "gp3" and text(None, "type", "gp2") == "gp2"
    with pytest.raises(UnpricedValue, match="type: 3 is not a string"):
        text(3, "type")


def test_pulumi_preview_unknowns_and_junk_are_unpriced(rows: Any) -> None:
    docs = load_preview(FIXTURES / "pulumi-preview-unknowns.json")
    cost = price_inventory(docs.after)
    reasons = {ln.name: ln.reason for ln in cost.lines if ln.status == "unpriced"}
    assert reasons == {
        "negative": "size: -100 is negative; it must be >= 0",
        "unknown-size": "size is not known until `pulumi up`, so the price is not either",
        "word-size": "size: 'big' is not a number",
        "bool-size": "size: True is not a number",
        "list-type": "type: ['gp3'] is not a string",
        "secret-iops": "iops is secret in the preview, so it cannot be priced",
        "unknown-type": "instanceType is not known until `pulumi up`, so the price is not either",
        "unknown-root": "rootBlockDevice.volumeSize is not known until `pulumi up`, so the "
                        "price is not either",
    }
    for line in cost.lines:
        if line.status == "unpriced":
            assert line.monthly_usd is None and not line.parts
    # Only the one good volume is in the total: nothing negative, nothing silently zero.
    assert cost.total_monthly_usd == pytest.approx(
        10 * rows.storage_price("aws", "us-east-1", "block", "gp3"))
    assert cost.line("fine").status == "priced"
