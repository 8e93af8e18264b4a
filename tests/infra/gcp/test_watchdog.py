"""The idle watchdog and start-up script: valid shell, thresholds read from
metadata, and the shutdown decision, run for real under bash with fake
``curl``/``nvidia-smi``/``shutdown``/``sleep`` on PATH (nothing leaves the machine)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ailab.infra.gcp.autostop import MINUTES_KEY, PERCENT_KEY, WATCHDOG_SCRIPT, watchdog_metadata
from ailab.infra.gcp.machine import startup_script
from ailab.infra.gcp.spec import WatchdogSpec

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")


def _bash_syntax_ok(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "script.sh"
    path.write_text(script)
    return subprocess.run([str(BASH), "-n", str(path)], capture_output=True, text=True)


@pytest.mark.parametrize(("filestore", "bucket", "watchdog"), [
    (None, None, True), ("10.1.2.3", None, True), (None, "lab-bucket", False),
    ("10.1.2.3", "lab-bucket", True)])
def test_scripts_are_valid_shell(tmp_path: Path, filestore: str | None, bucket: str | None,
                                 watchdog: bool) -> None:
    for script in (WATCHDOG_SCRIPT, startup_script(filestore, bucket, watchdog)):
        result = _bash_syntax_ok(script, tmp_path)
        assert result.returncode == 0, result.stderr
        assert script.startswith("#!/bin/bash\n")


def test_syntax_check_catches_broken_shell(tmp_path: Path) -> None:
    assert _bash_syntax_ok(WATCHDOG_SCRIPT.replace("done\n", ""), tmp_path).returncode != 0


def test_startup_script_embeds_the_watchdog_verbatim() -> None:
    script = startup_script(None, None, True)
    body = script.split("<<'AILAB_WATCHDOG'\n", 1)[1].split("\nAILAB_WATCHDOG\n", 1)[0]
    assert body + "\n" == WATCHDOG_SCRIPT
    assert "ailab-idle-watchdog" not in startup_script(None, None, False)


def test_thresholds_are_metadata_keys() -> None:
    assert watchdog_metadata(WatchdogSpec(45, 7)) == {MINUTES_KEY: "45", PERCENT_KEY: "7"}
    assert watchdog_metadata(None)[MINUTES_KEY] == "0"
    assert f"md {MINUTES_KEY}" in WATCHDOG_SCRIPT and f"md {PERCENT_KEY}" in WATCHDOG_SCRIPT


def _fakes(bin_dir: Path, log: Path, utilisation: list[int], metadata: dict[str, str]) -> None:
    """Fake commands: curl answers metadata by key, nvidia-smi prints per-GPU
    utilisation, shutdown records itself, sleep counts and ends the loop after 20."""
    bin_dir.mkdir()
    answers = "\n".join(f'  */{k}) echo "{v}" ;;' for k, v in metadata.items())
    scripts = {
        "curl": f'#!/bin/bash\nurl="${{@: -1}}"\necho "curl $url" >> {log}\n'
                f'case "$url" in\n{answers}\n  *) exit 22 ;;\nesac\n',
        "nvidia-smi": "#!/bin/bash\nprintf '%s\\n' " + " ".join(f"' {u}'" for u in utilisation)
                      + "\n",
        "shutdown": f'#!/bin/bash\necho "shutdown $*" >> {log}\n',
        "logger": f'#!/bin/bash\necho "logger $*" >> {log}\n',
        "sleep": f'#!/bin/bash\necho "sleep $1" >> {log}\n'
                 f'[ "$(grep -c ^sleep {log})" -ge 20 ] && kill -TERM $PPID\nexit 0\n',
    }
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text)
        path.chmod(0o755)


def run_watchdog(tmp_path: Path, utilisation: list[int], metadata: dict[str, str]) -> list[str]:
    log = tmp_path / "calls.log"
    log.touch()
    _fakes(tmp_path / "bin", log, utilisation, metadata)
    script = tmp_path / "watchdog.sh"
    script.write_text(WATCHDOG_SCRIPT)
    env = {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}",
           "AILAB_METADATA_URL": "http://metadata.invalid/attrs"}
    subprocess.run([str(BASH), str(script)], env=env, timeout=30, capture_output=True)
    return log.read_text().splitlines()


def test_idle_gpus_shut_the_vm_down_after_the_window(tmp_path: Path) -> None:
    calls = run_watchdog(tmp_path, [3, 1], {MINUTES_KEY: "3", PERCENT_KEY: "10"})
    assert "shutdown -h now" in calls
    before = calls[:calls.index("shutdown -h now")]
    assert sum(c.startswith("sleep 60") for c in before) == 2  # 3 one-minute idle samples
    assert f"curl http://metadata.invalid/attrs/{MINUTES_KEY}" in calls
    assert f"curl http://metadata.invalid/attrs/{PERCENT_KEY}" in calls


def test_one_busy_gpu_keeps_the_vm_up(tmp_path: Path) -> None:
    calls = run_watchdog(tmp_path, [2, 85], {MINUTES_KEY: "3", PERCENT_KEY: "10"})
    assert not any(c.startswith("shutdown") for c in calls)
    assert sum(c.startswith("sleep") for c in calls) == 20


def test_threshold_comes_from_metadata(tmp_path: Path) -> None:
    calls = run_watchdog(tmp_path, [8, 8], {MINUTES_KEY: "2", PERCENT_KEY: "5"})
    assert not any(c.startswith("shutdown") for c in calls)  # 8% is busy at a 5% threshold
    (tmp_path / "again").mkdir()
    calls = run_watchdog(tmp_path / "again", [8, 8], {MINUTES_KEY: "2", PERCENT_KEY: "9"})
    assert "shutdown -h now" in calls


def test_zero_minutes_or_missing_metadata_turns_it_off(tmp_path: Path) -> None:
    assert not any(c.startswith("shutdown") for c in run_watchdog(
        tmp_path, [0], {MINUTES_KEY: "0", PERCENT_KEY: "10"}))
    (tmp_path / "missing").mkdir()
    calls = run_watchdog(tmp_path / "missing", [0], {})
    assert not any(c.startswith("shutdown") for c in calls)
