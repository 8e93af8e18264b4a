"""The idle watchdog (both clouds) and the GCP start-up script: valid shell,
thresholds from metadata (GCP) or the boot script's file (AWS), state published,
and the shutdown decision, run for real under bash with fake ``curl``,
``nvidia-smi``, ``shutdown``, ``logger`` and ``sleep`` on PATH and a fake
``/proc/stat`` (nothing leaves the machine)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ailab.infra.gcp.autostop import GUEST_ATTRIBUTES_KEY, watchdog_metadata
from ailab.infra.gcp.machine import startup_script
from ailab.infra.gcp.spec import WatchdogSpec
from ailab.infra.watchdog import MINUTES_KEY, PERCENT_KEY, watchdog_script

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")
MD = "http://metadata.invalid/instance"


def _bash_syntax_ok(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "script.sh"
    path.write_text(script)
    return subprocess.run([str(BASH), "-n", str(path)], capture_output=True, text=True)


@pytest.mark.parametrize(("filestore", "bucket", "watchdog"), [
    (None, None, True), ("10.1.2.3", None, True), (None, "lab-bucket", False),
    ("10.1.2.3", "lab-bucket", True)])
def test_scripts_are_valid_shell(tmp_path: Path, filestore: str | None, bucket: str | None,
                                 watchdog: bool) -> None:
    for script in (watchdog_script("gcp"), watchdog_script("aws"),
                   startup_script(filestore, bucket, watchdog)):
        result = _bash_syntax_ok(script, tmp_path)
        assert result.returncode == 0, result.stderr
        assert script.startswith("#!/bin/bash\n")


def test_syntax_check_catches_broken_shell(tmp_path: Path) -> None:
    assert _bash_syntax_ok(watchdog_script("gcp").replace("done\n", ""), tmp_path).returncode


def test_startup_script_embeds_the_watchdog_verbatim() -> None:
    script = startup_script(None, None, True)
    body = script.split("<<'AILAB_WATCHDOG'\n", 1)[1].split("\nAILAB_WATCHDOG\n", 1)[0]
    assert body + "\n" == watchdog_script("gcp")
    assert "ailab-idle-watchdog" not in startup_script(None, None, False)


def test_thresholds_are_metadata_keys_and_guest_attributes_are_on() -> None:
    assert watchdog_metadata(WatchdogSpec(45, 7)) == {
        MINUTES_KEY: "45", PERCENT_KEY: "7", GUEST_ATTRIBUTES_KEY: "TRUE"}
    assert watchdog_metadata(None)[MINUTES_KEY] == "0"
    assert f"md {MINUTES_KEY}" in watchdog_script("gcp")


class Machine:
    """A fake machine: commands on PATH log to ``calls``; ``run`` runs the watchdog."""

    def __init__(self, root: Path, gpus: list[int] | None, cpu_busy: int = 0) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.log = root / "calls.log"
        self.log.touch()
        self.state = root / "state"
        self.conf = root / "idle.conf"
        self.stat = root / "stat"
        self._fakes(gpus, cpu_busy)

    def _fakes(self, gpus: list[int] | None, cpu_busy: int) -> None:
        bin_dir = self.root / "bin"
        bin_dir.mkdir()
        log = self.log
        smi = ("#!/bin/bash\nexit 9\n" if gpus is None else
               "#!/bin/bash\nprintf '%s\\n' " + " ".join(f"' {u}'" for u in gpus) + "\n")
        # each `sleep` advances /proc/stat by 100 ticks, cpu_busy of them busy
        scripts = {
            "curl": f'#!/bin/bash\nurl="${{@: -1}}"\necho "curl $* " >> {log}\n'
                    'case "$url" in\n'
                    f'  */attributes/{MINUTES_KEY}) cat {self.root}/md-minutes ;;\n'
                    f'  */attributes/{PERCENT_KEY}) cat {self.root}/md-percent ;;\n'
                    '  */guest-attributes/*) exit 0 ;;\n  *) exit 22 ;;\nesac\n',
            "nvidia-smi": smi,
            "shutdown": f'#!/bin/bash\necho "shutdown $*" >> {log}\n',
            "logger": f'#!/bin/bash\necho "logger $*" >> {log}\n',
            "sleep": f'#!/bin/bash\necho "sleep $1" >> {log}\n'
                     f'n=$(grep -c ^sleep {log})\n'
                     f'echo "cpu $((n * {cpu_busy})) 0 0 $((n * (100 - {cpu_busy}))) 0 0 0 0 0 0"'
                     f' > {self.stat}\n'
                     f'[ "$n" -ge 20 ] && kill -TERM $PPID\nexit 0\n',
        }
        for name, text in scripts.items():
            path = bin_dir / name
            path.write_text(text)
            path.chmod(0o755)
        self.stat.write_text("cpu 0 0 0 0 0 0 0 0 0 0\n")

    def metadata(self, minutes: str | None, percent: str | None) -> Machine:
        for key, value in (("md-minutes", minutes), ("md-percent", percent)):
            (self.root / key).write_text(value or "")
        return self

    def run(self, cloud: str) -> list[str]:
        script = self.root / "watchdog.sh"
        script.write_text(watchdog_script(cloud))
        env = {"PATH": f"{self.root / 'bin'}:{os.environ['PATH']}", "AILAB_METADATA_URL": MD,
               "AILAB_STATE_FILE": str(self.state), "AILAB_WATCHDOG_CONF": str(self.conf),
               "AILAB_PROC_STAT": str(self.stat)}
        subprocess.run([str(BASH), str(script)], env=env, timeout=60, capture_output=True)
        return self.log.read_text().splitlines()


def shut(calls: list[str]) -> bool:
    return "shutdown -h now" in calls


def test_idle_gpus_shut_the_vm_down_after_the_window(tmp_path: Path) -> None:
    calls = Machine(tmp_path, [3, 1]).metadata("3", "10").run("gcp")
    assert shut(calls)
    before = calls[:calls.index("shutdown -h now")]
    assert sum(c.startswith("sleep 60") for c in before) == 2  # 3 one-minute idle samples
    assert any(f"{MD}/attributes/{MINUTES_KEY}" in c for c in calls)


def test_one_busy_gpu_keeps_the_vm_up(tmp_path: Path) -> None:
    calls = Machine(tmp_path, [2, 85]).metadata("3", "10").run("gcp")
    assert not shut(calls)
    assert sum(c.startswith("sleep") for c in calls) == 20


def test_no_gpu_readings_are_busy_not_idle(tmp_path: Path) -> None:
    machine = Machine(tmp_path, None).metadata("1", "10")
    assert not shut(machine.run("gcp"))
    assert machine.state.read_text().startswith("state=busy")


def test_threshold_comes_from_metadata(tmp_path: Path) -> None:
    assert not shut(Machine(tmp_path / "a", [8, 8]).metadata("2", "5").run("gcp"))
    assert shut(Machine(tmp_path / "b", [8, 8]).metadata("2", "9").run("gcp"))


def test_zero_minutes_or_missing_metadata_turns_it_off(tmp_path: Path) -> None:
    assert not shut(Machine(tmp_path / "a", [0]).metadata("0", "10").run("gcp"))
    machine = Machine(tmp_path / "b", [0]).metadata(None, None)
    assert not shut(machine.run("gcp"))
    assert machine.state.read_text().startswith("state=off")


def test_gcp_state_goes_to_guest_attributes(tmp_path: Path) -> None:
    machine = Machine(tmp_path, [1, 2]).metadata("30", "10")
    calls = machine.run("gcp")
    puts = [c for c in calls if c.startswith("curl") and "-X PUT" in c]
    for key in ("idle-state", "idle-minutes", "last-sample"):
        assert any(f"{MD}/guest-attributes/ailab/{key}" in c for c in puts), key
    assert any("--data idle " in c for c in puts)
    state = machine.state.read_text()
    assert state.startswith("state=idle idle_minutes=20 ") and "gpu_max=2% (<10%)" in state


def _aws(tmp_path: Path, gpus: list[int], cpu_busy: int, conf: str) -> tuple[Machine, list[str]]:
    machine = Machine(tmp_path, gpus, cpu_busy)
    machine.conf.write_text(conf)
    return machine, machine.run("aws")


def test_aws_reads_its_thresholds_from_the_boot_scripts_file(tmp_path: Path) -> None:
    _, calls = _aws(tmp_path, [1, 1], 0, "MINUTES=3\nGPU_PERCENT=10\nCPU_PERCENT=0\n")
    assert shut(calls) and not any(c.startswith("curl") for c in calls)


def test_aws_cpu_condition_keeps_a_cpu_busy_machine_up(tmp_path: Path) -> None:
    machine, calls = _aws(tmp_path / "busy", [0, 0], 40,
                          "MINUTES=3\nGPU_PERCENT=10\nCPU_PERCENT=20\n")
    assert not shut(calls) and "cpu=40% (<20%)" in machine.state.read_text()
    _, calls = _aws(tmp_path / "quiet", [0, 0], 5, "MINUTES=3\nGPU_PERCENT=10\nCPU_PERCENT=20\n")
    assert shut(calls)


def test_aws_cpu_alone_never_stops_a_gpu_machine(tmp_path: Path) -> None:
    _, calls = _aws(tmp_path, [97, 95], 1, "MINUTES=2\nGPU_PERCENT=10\nCPU_PERCENT=20\n")
    assert not shut(calls)


def test_aws_without_its_file_does_nothing(tmp_path: Path) -> None:
    machine = Machine(tmp_path, [0])
    assert not shut(machine.run("aws"))
    assert machine.state.read_text().startswith("state=off")


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gpus=st.lists(st.integers(0, 100), min_size=1, max_size=8),
       broken=st.booleans(), threshold=st.integers(1, 100))
def test_it_stops_only_when_every_gpu_is_below_the_threshold(
        tmp_path_factory: pytest.TempPathFactory, gpus: list[int], broken: bool,
        threshold: int) -> None:
    root = tmp_path_factory.mktemp("machine")
    calls = Machine(root, None if broken else gpus).metadata("2", str(threshold)).run("gcp")
    assert shut(calls) == (not broken and max(gpus) < threshold)
