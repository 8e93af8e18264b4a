"""The first-boot script (EC2 user data) every AWS lab machine runs.

In order: the CloudWatch agent with GPU metrics (``cloudwatch_agent``), the
shared file systems (EFS at /home/shared, FSx for Lustre at /fsx), and, when
the stack asks for a CPU condition, the idle watchdog (``infra.watchdog``).

Nothing here may stop the steps after it: the script runs without ``set -e``,
each step reports its own failure (``note``: the journal and
/var/log/ailab-boot.log). Mounts are written to /etc/fstab with ``_netdev`` and
``nofail`` (a later boot mounts them, and a missing file system never hangs a
boot) and mounted with retries: an EFS name resolves only once the mount
target in the machine's zone is up, which can take a minute or two after the
file system exists, and the Lustre client may need installing first. The
stack also orders every machine after the mount targets (``FileSystems``).
"""

from __future__ import annotations

import shlex

import pulumi

from ailab.infra.aws import cloudwatch_agent
from ailab.infra.aws.spec import AutoStopSpec
from ailab.infra.watchdog import CONF_PATH, install_lines

HOME_MOUNT = "/home/shared"
FSX_MOUNT = "/fsx"
USER_DATA_LIMIT = 16 * 1024
"""EC2 refuses user data above 16 KB (before base64)."""
EFS_OPTIONS = ("nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,"
               "_netdev,nofail")
"""The mount options the EFS user guide recommends for NFS clients, plus nofail."""

_HEAD = r"""#!/bin/bash
# ailab first-boot script (EC2 user data). Each step reports its own failure and
# never stops the next one; details in /var/log/ailab-boot.log and the journal.
set -uo pipefail
exec >>/var/log/ailab-boot.log 2>&1

note() {
  echo "ailab-boot: $*"
  logger -t ailab-boot "$*" 2>/dev/null || true
}

retry() {
  local tries=$1 delay=$2 i
  shift 2
  for ((i = 1; i <= tries; i++)); do
    "$@" && return 0
    note "attempt $i/$tries failed: $*"
    sleep "$delay"
  done
  return 1
}

add_fstab() {
  grep -qs " $2 " /etc/fstab || echo "$1 $2 $3 $4 0 0" >> /etc/fstab
}

mount_shared() {
  mkdir -p "$1"
  mountpoint -q "$1" && return 0
  retry 30 10 mount "$1" \
    || note "could not mount $1; it stays in /etc/fstab (nofail) and the next boot retries"
}
"""


def _efs_lines(dns: str) -> list[str]:
    return [
        "command -v mount.nfs4 >/dev/null || retry 5 15 apt-get install -y -q nfs-common",
        f"add_fstab {shlex.quote(dns + ':/')} {HOME_MOUNT} nfs4 {EFS_OPTIONS}",
        f"mount_shared {HOME_MOUNT}",
    ]


def _lustre_lines(dns: str, mount_name: str) -> list[str]:
    return [
        "install_lustre_client() {",
        "  command -v mount.lustre >/dev/null && return 0",
        "  curl -fsSL https://fsx-lustre-client-repo-public-keys.s3.amazonaws.com/"
        "fsx-ubuntu-public-key.asc | gpg --dearmor -o /usr/share/keyrings/fsx-ubuntu.gpg "
        "|| return 1",
        '  echo "deb [signed-by=/usr/share/keyrings/fsx-ubuntu.gpg] '
        'https://fsx-lustre-client-repo.s3.amazonaws.com/ubuntu $(lsb_release -cs) main" '
        "> /etc/apt/sources.list.d/fsxlustreclientrepo.list",
        '  apt-get update -q && apt-get install -y -q "lustre-client-modules-$(uname -r)"',
        "}",
        "retry 3 20 install_lustre_client || note 'no Lustre client: /fsx is not mounted'",
        f"add_fstab {shlex.quote(f'{dns}@tcp:/{mount_name}')} {FSX_MOUNT} lustre "
        "defaults,noatime,flock,_netdev,nofail",
        f"mount_shared {FSX_MOUNT}",
    ]


def _watchdog_lines(spec: AutoStopSpec) -> list[str]:
    return [
        f"mkdir -p {CONF_PATH.rsplit('/', 1)[0]}",
        f"cat > {CONF_PATH} <<'AILAB_IDLE_CONF'",
        f"MINUTES={spec.minutes}",
        f"GPU_PERCENT={spec.gpu_percent}",
        f"CPU_PERCENT={spec.cpu_percent}",
        "AILAB_IDLE_CONF",
        *install_lines("aws"),
    ]


def boot_script(region: str, efs_dns: str | None, fsx_dns: str | None,
                fsx_mount_name: str | None, watchdog: AutoStopSpec | None = None) -> str:
    """The user data of a lab machine: agent, mounts, then the watchdog if asked."""
    lines = [_HEAD.rstrip("\n"), *cloudwatch_agent.install_lines(region)]
    if efs_dns:
        lines += _efs_lines(efs_dns)
    if fsx_dns and fsx_mount_name:
        lines += _lustre_lines(fsx_dns, fsx_mount_name)
    if watchdog is not None:
        lines += _watchdog_lines(watchdog)
    lines.append("note 'first boot done'")
    return "\n".join(lines) + "\n"


def user_data(region: str, efs_dns: pulumi.Input[str] | None,
              fsx_dns: pulumi.Input[str] | None, fsx_mount_name: pulumi.Input[str] | None,
              watchdog: AutoStopSpec | None = None) -> pulumi.Output[str]:
    """``boot_script`` over the file systems' outputs."""
    return pulumi.Output.all(efs_dns, fsx_dns, fsx_mount_name).apply(
        lambda vals: boot_script(region, vals[0], vals[1], vals[2], watchdog))
