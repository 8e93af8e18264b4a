"""Output files: checked before work, written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailab.core.errors import OutputPathError
from ailab.core.outputs import check_output_path, write_atomic


def test_missing_folder_and_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError, match="does not exist") as err:
        check_output_path(tmp_path / "nope" / "chart.png", "chart")
    assert err.value.field == "chart"
    with pytest.raises(OutputPathError, match="is a directory"):
        check_output_path(tmp_path, "html")
    assert check_output_path(tmp_path / "a.png", "chart") == tmp_path / "a.png"


def test_write_atomic_replaces_whole_and_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"

    with pytest.raises(TypeError):
        write_atomic(target, object())  # type: ignore[arg-type]
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
