"""Paths the tests share: the repository, its examples and stacks, and ../shared."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
STACKS = ROOT / "stacks"
DATA = ROOT / "costs" / "data"
SHARED = ROOT.parent / "shared"
"""Read-only material beside the checkout (price snapshots); absent in a bare clone."""
