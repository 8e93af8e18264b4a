"""The AWS first-boot script run for real under bash: its absolute paths rooted
in a temp dir, fake ``mount``/``curl``/``dpkg``/``apt-get``/... on PATH.
Mounts retry until the file system answers, and a mount that never comes up
stops nothing after it; the machines also wait for the EFS mount targets."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ailab.core import tokens
from ailab.infra.aws.boot import USER_DATA_LIMIT, boot_script
from ailab.infra.aws.spec import AutoStopSpec
from tests.infra.aws.test_autostop import user_data

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")
EFS = "fs-0abc.efs.us-east-1.amazonaws.com"
ROOTED = ("/var/log/ailab-boot.log", "/etc/fstab", "/opt/aws/amazon-cloudwatch-agent",
          "/home/shared", "/fsx", "/etc/ailab", "/usr/local/bin/ailab-idle-watchdog",
          "/etc/systemd/system", "/tmp/amazon-cloudwatch-agent.deb", "/usr/share/keyrings",
          "/etc/apt/sources.list.d")


def run_boot(tmp_path: Path, script: str, mount_failures: int) -> tuple[int, str, Path]:
    """Run ``script`` with fakes; ``mount`` fails ``mount_failures`` times first."""
    for path in ROOTED:
        script = script.replace(path, f"{tmp_path}{path}")
    for folder in ("var/log", "etc/systemd/system", "usr/local/bin", "usr/share/keyrings",
                   "etc/apt/sources.list.d", "tmp", "bin"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    (tmp_path / "etc/fstab").write_text("# fstab\n")
    log = tmp_path / "calls.log"
    ctl = f"{tmp_path}/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
    fakes = {
        "mount": f'echo "mount $*" >> {log}\nn=$(grep -c "^mount " {log})\n'
                 f'[ "$n" -gt {mount_failures} ]',
        "mountpoint": "exit 1",
        "curl": f'echo "curl $*" >> {log}',
        "dpkg": f'echo "dpkg $*" >> {log}\nmkdir -p $(dirname {ctl})\n'
                f'printf \'#!/bin/bash\\necho "ctl $*" >> {log}\\n\' > {ctl}\nchmod +x {ctl}',
        "apt-get": f'echo "apt-get $*" >> {log}',
        "sleep": f'echo "sleep $*" >> {log}',
        "logger": f'echo "logger $*" >> {log}',
        "systemctl": f'echo "systemctl $*" >> {log}',
        "gpg": "cat >/dev/null", "lsb_release": "echo noble", "uname": "echo 6.8.0-aws",
        "mount.nfs4": "exit 0",
    }
    for name, body in fakes.items():
        path = tmp_path / "bin" / name
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)
    path = tmp_path / "boot.sh"
    path.write_text(script)
    env = {"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin"}
    done = subprocess.run([str(BASH), str(path)], env=env, timeout=60, capture_output=True,
                          text=True)
    return done.returncode, log.read_text(), tmp_path


def test_mounts_retry_until_the_mount_target_answers(tmp_path: Path) -> None:
    code, calls, root = run_boot(tmp_path, boot_script("us-east-1", EFS, None, None), 3)
    assert code == 0
    assert calls.splitlines().count(f"mount {root}/home/shared") == 4
    fstab = (root / "etc/fstab").read_text()
    assert f"{EFS}:/ {root}/home/shared nfs4 " in fstab and ",_netdev,nofail 0 0" in fstab
    assert "ctl -a fetch-config -m ec2 -s -c file:" in calls
    assert "logger -t ailab-boot first boot done" in calls


def test_a_mount_that_never_comes_up_stops_nothing_after_it(tmp_path: Path) -> None:
    script = boot_script("us-east-1", EFS, "fs-1.fsx.us-east-1.amazonaws.com", "abcd",
                         AutoStopSpec(60, 10, 20))
    code, calls, root = run_boot(tmp_path, script, 10_000)
    assert code == 0
    assert "could not mount" in calls
    assert "systemctl enable --now ailab-idle-watchdog.service" in calls
    assert "logger -t ailab-boot first boot done" in calls
    assert (root / "etc/ailab/idle-watchdog.conf").read_text() == (
        "MINUTES=60\nGPU_PERCENT=10\nCPU_PERCENT=20\n")


def test_the_agent_comes_from_the_regions_bucket(tmp_path: Path) -> None:
    _, calls, _ = run_boot(tmp_path, boot_script("eu-west-1", None, None, None), 0)
    assert ("https://amazoncloudwatch-agent-eu-west-1.s3.eu-west-1.amazonaws.com/ubuntu/amd64/"
            "latest/amazon-cloudwatch-agent.deb") in calls


def test_the_script_never_aborts_on_errors() -> None:
    script = boot_script("us-east-1", EFS, "fs-1.fsx", "m", AutoStopSpec(60, 10, 20))
    assert "set -e" not in script.replace("set -euo", "").split("\n", 4)[3]
    assert "set -uo pipefail" in script and "mount -a" not in script
    assert len(script.encode()) < USER_DATA_LIMIT


@pytest.mark.parametrize(("stack", "overrides"), [
    ("aws-gpu-lab", None), ("aws-h100-cluster", None),
    ("aws-spot-pool", {"ailab:efs": True})])
def test_machines_boot_after_the_efs_mount_targets(preview: Any, stack: str,
                                                   overrides: dict[str, Any] | None) -> None:
    inv = preview(stack, overrides)
    targets = {t.name for t in inv.by_type(tokens.AWS_EFS_MOUNT_TARGET)}
    assert len(targets) == 2
    machines = inv.by_type(tokens.AWS_EC2_INSTANCE, tokens.AWS_AUTOSCALING_GROUP)
    assert machines
    for machine in machines:
        assert targets <= set(machine.deps.get("dependsOn", [])), machine.name


@pytest.mark.parametrize("stack", ["aws-gpu-lab", "aws-h100-cluster", "aws-spot-pool"])
def test_user_data_is_valid_shell_under_the_ec2_limit(preview: Any, stack: str,
                                                      tmp_path: Path) -> None:
    inv = preview(stack)
    for res in inv.by_type(tokens.AWS_EC2_INSTANCE, tokens.AWS_EC2_LAUNCH_TEMPLATE):
        script = user_data(inv, res)
        assert len(script.encode()) < USER_DATA_LIMIT
        path = tmp_path / f"{res.name}.sh"
        path.write_text(script)
        assert subprocess.run([str(BASH), "-n", str(path)]).returncode == 0
