"""User data goes to the platform's user folder, never into the package or the checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.support import DATA
from tests.support import SHARED as SHARED_DIR

SHARED = SHARED_DIR / "data" / "catalog"


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared SkyPilot catalog snapshot not present")
def test_refresh_writes_the_user_data_folder_and_is_used_from_then_on(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ailab.costs import catalog

    monkeypatch.setenv("AILAB_DATA_DIR", str(tmp_path / "data"))
    embedded = (DATA / "prices.csv").read_bytes()
    try:
        code, out, err = cli(["catalog", "refresh", "--from-dir", str(SHARED), "--source",
                              "refreshed-for-test", "--as-of", "2026-11-30", "--json"])
        assert code == 0, err
        written = Path(json.loads(out)["output"])
        assert written == tmp_path / "data" / "prices.csv" and written.is_file()
        assert (DATA / "prices.csv").read_bytes() == embedded, "the package was modified"
        assert catalog.prices_path() == written
        assert catalog.catalog_meta()["source"] == "refreshed-for-test"
        code, out, _ = cli(["catalog", "show", "--gpu", "H100", "--json"])
        tables = {t["table"]: t for t in json.loads(out)["price_tables"]}
        assert code == 0 and tables["gpu-catalog"]["as_of"] == "2026-11-30"
        assert {r["as_of"] for r in json.loads(out)["rows"]} == {"2026-11-30"}
    finally:
        catalog.clear_cache()
    monkeypatch.setenv("AILAB_DATA_DIR", str(tmp_path / "elsewhere"))
    assert catalog.prices_path().resolve() == (DATA / "prices.csv").resolve()


def test_an_internal_error_is_one_line_and_a_traceback_file(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ailab.costs.accelerators as accelerators

    def broken() -> None:
        raise RuntimeError("something the code did not expect\nsecond line")

    monkeypatch.setenv("AILAB_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setattr(accelerators, "specs_frame", broken)
    code, out, err = cli(["catalog", "accelerators"])
    assert code == 70 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: internal error (RuntimeError: something the code did not expect)")
    crash = next((tmp_path / "log").glob("crash-*.txt"))
    assert str(crash) in lines[0]
    text = crash.read_text()
    assert "Traceback (most recent call last)" in text and "second line" in text
    assert "'catalog', 'accelerators'" in text
