"""One exit code for every way a command ends (README: exit codes), errors only on
stderr, and nothing written or half-written when a command fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from ailab.core.errors import ExitCode, LeaseHeldError
from tests.conftest import Cli
from tests.support import EXAMPLES

PLAN = str(EXAMPLES / "plans" / "research-lab-a100.yaml")


def test_ok_and_usage_errors(cli: Cli) -> None:
    assert cli(["policy", "list"])[0] == ExitCode.OK
    code, out, err = cli(["policy", "list", "--bogus"])
    assert code == ExitCode.USAGE and out == "" and "No such option: --bogus" in err
    code, out, err = cli(["estimate", "train", "--params", "7e9"])
    assert code == ExitCode.USAGE and out == "" and "Missing option" in err
    code, out, err = cli(["compare", PLAN, "--json", "--format", "markdown"])
    assert code == ExitCode.USAGE and out == ""
    assert err.strip() == "error: --json and --format markdown contradict each other; give one"
    code, out, err = cli(["janitor", "clean", "--dry-run", "--yes"])
    assert code == ExitCode.USAGE and "--dry-run and --yes contradict" in err


def test_output_paths_are_checked_before_any_work(cli: Cli, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import ailab.costs.compare as compare

    def never(*_a: object, **_k: object) -> None:
        raise AssertionError("the comparison ran before the output path was checked")

    monkeypatch.setattr(compare, "compare", never)
    code, out, err = cli(["compare", PLAN, "--chart", str(tmp_path / "missing" / "c.png")])
    assert code == ExitCode.USAGE and out == ""
    assert err.startswith(f"error: --chart: folder {tmp_path / 'missing'} does not exist")
    code, _, err = cli(["compare", PLAN, "--html", str(tmp_path)])
    assert code == ExitCode.USAGE and "--html: " in err and "is a directory" in err
    assert list(tmp_path.iterdir()) == []


def test_a_failing_writer_leaves_no_partial_file(tmp_path: Path) -> None:
    from ailab.core.outputs import write_atomic_with

    target = tmp_path / "chart.png"
    target.write_bytes(b"old chart")

    def half(path: str) -> None:
        Path(path).write_bytes(b"half a ch")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic_with(target, half)
    assert target.read_bytes() == b"old chart"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_lease_held_interrupted_and_missing_extra(cli: Cli,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import ailab.janitor.engine as engine

    def held(*_a: object, **_k: object) -> None:
        raise LeaseHeldError("another janitor run holds the lease for aws/us-east-1")

    monkeypatch.setattr(engine, "run", held)
    code, out, err = cli(["janitor", "scan", "--region", "us-east-1"])
    assert code == ExitCode.BUSY == 3 and out == "" and "holds the lease" in err

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "run", interrupted)
    code, out, err = cli(["janitor", "scan", "--region", "us-east-1"])
    assert code == 130 and err.strip() == "error: interrupted"

    def no_sdk(*_a: object, **_k: object) -> None:
        raise ModuleNotFoundError("No module named 'pulumi_gcp'", name="pulumi_gcp")

    import ailab.infra.preview as preview

    monkeypatch.setattr(preview, "preview_stack", no_sdk)
    code, out, err = cli(["preview", "gcp-gpu-lab"])
    assert code == ExitCode.USAGE and out == ""
    assert err.splitlines() == [
        "error: this command needs pulumi_gcp, which comes with the `gcp` extra",
        "hint: pip install 'ailab[gcp]' (or uv tool install 'ailab[gcp]'; 'ailab[all]' "
        "installs every extra)"]


def test_janitor_without_credentials_prints_no_table_before_the_error(
        cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    code, out, err = cli(["janitor", "scan", "--region", "us-east-1"])
    assert code == ExitCode.FAILED
    assert out == "", "a table (and a $0.00 saving) was printed before the error"
    assert "error: aws us-east-1" in err and "$0.00" not in err
