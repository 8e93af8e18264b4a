"""The on-machine idle watchdog, one script for both clouds.

A systemd service samples every GPU with ``nvidia-smi`` once a minute and shuts
the machine down (a guest shutdown stops a GCE VM and an EBS-backed EC2
instance; disks are kept) when *every* GPU stays below the threshold for the
window, and, where a CPU threshold is set, the CPU too. A sample without GPU
readings (``nvidia-smi`` missing, failing or printing nothing) counts as busy:
no evidence is never idleness.

Where the thresholds come from differs by cloud (``THRESHOLDS``):

- ``gcp``: instance metadata (``ailab-idle-minutes``, ``ailab-idle-gpu-percent``),
  read at every sample, so ``gcloud compute instances add-metadata`` changes them
  live; no CPU condition.
- ``aws``: ``/etc/ailab/idle-watchdog.conf`` written by the boot script
  (``MINUTES``, ``GPU_PERCENT``, ``CPU_PERCENT``), used when the stack asks for a
  CPU condition beside the GPU one (a CloudWatch alarm cannot stop an instance on
  two metrics; see ``infra.aws.autostop``).

Every sample leaves its state where people and the janitor can read it: a
state file (``/run/ailab/idle-watchdog.state``), the journal (``logger -t
ailab-idle-watchdog``) and, on GCP, guest attributes ``ailab/idle-state``,
``ailab/idle-minutes`` and ``ailab/last-sample`` (``gcloud compute instances
get-guest-attributes VM --query-path=ailab/``).
"""

from __future__ import annotations

from ailab.core import tags

WATCHDOG_PATH = "/usr/local/bin/ailab-idle-watchdog"
CONF_PATH = "/etc/ailab/idle-watchdog.conf"
STATE_PATH = "/run/ailab/idle-watchdog.state"
MINUTES_KEY = tags.GCP_IDLE_MINUTES
PERCENT_KEY = tags.GCP_IDLE_GPU_PERCENT
GUEST_NAMESPACE = "ailab"
GUEST_KEYS = ("idle-state", "idle-minutes", "last-sample")

_COMMON_HEAD = r"""#!/bin/bash
# ailab idle watchdog: stop this machine when every GPU (and, if set, the CPU)
# stays below its threshold for N minutes. A sample without GPU readings is busy.
set -u
INTERVAL_S=60
STATE_FILE="${AILAB_STATE_FILE:-STATE_PATH}"
PROC_STAT="${AILAB_PROC_STAT:-/proc/stat}"

int_or() {
  case "$1" in
    ''|*[!0-9]*) echo "$2" ;;
    *) echo "$1" ;;
  esac
}

cpu_counters() {
  local _ u n s i w q sq st
  read -r _ u n s i w q sq st _ < "$PROC_STAT" || { echo "0 0"; return; }
  echo "$((u + n + s + i + w + q + sq + st)) $((i + w))"
}

busiest_gpu() {
  local out
  out=$(nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits 2>/dev/null) \
    || { echo 100; return; }
  out=$(printf '%s\n' "$out" | tr -d ' ' | grep -E '^[0-9]+$' | sort -n | tail -n 1)
  int_or "$out" 100
}
"""

_GCP_SOURCE = r"""
MD_URL="${AILAB_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1/instance}"

md() {
  curl -sf --max-time 5 -H "Metadata-Flavor: Google" "$MD_URL/attributes/$1" || true
}

read_thresholds() {
  minutes=$(int_or "$(md MINUTES_KEY)" 0)
  gpu_threshold=$(int_or "$(md PERCENT_KEY)" 10)
  cpu_threshold=0
}

publish() {
  curl -sf --max-time 5 -X PUT -H "Metadata-Flavor: Google" --data "$2" \
    "$MD_URL/guest-attributes/GUEST_NAMESPACE/$1" >/dev/null || true
}
"""

_AWS_SOURCE = r"""
CONF="${AILAB_WATCHDOG_CONF:-CONF_PATH}"

read_thresholds() {
  local MINUTES=0 GPU_PERCENT=10 CPU_PERCENT=0
  [ -r "$CONF" ] && . "$CONF"
  minutes=$(int_or "$MINUTES" 0)
  gpu_threshold=$(int_or "$GPU_PERCENT" 10)
  cpu_threshold=$(int_or "$CPU_PERCENT" 0)
}

publish() { :; }
"""

_COMMON_LOOP = r"""
report() {
  local state=$1 idle_min=$2 sample=$3
  mkdir -p "$(dirname "$STATE_FILE")" 2>/dev/null
  printf 'state=%s idle_minutes=%s %s\n' "$state" "$idle_min" "$sample" > "$STATE_FILE" \
    2>/dev/null
  publish idle-state "$state"
  publish idle-minutes "$idle_min"
  publish last-sample "$sample"
}

if ! command -v nvidia-smi >/dev/null 2>&1; then
  report no-gpu 0 "at=$(date -u +%FT%TZ) no nvidia-smi on this machine"
  logger -t ailab-idle-watchdog "no nvidia-smi on this machine, nothing to watch" \
    2>/dev/null || true
  exit 0
fi

idle_s=0
read -r prev_total prev_idle <<< "$(cpu_counters)"
while true; do
  read_thresholds
  read -r total idle_ticks <<< "$(cpu_counters)"
  dt=$((total - prev_total)); di=$((idle_ticks - prev_idle))
  prev_total=$total; prev_idle=$idle_ticks
  cpu=100
  [ "$dt" -gt 0 ] && cpu=$(( (100 * (dt - di)) / dt ))
  if [ "$minutes" -eq 0 ]; then
    idle_s=0
    report off 0 "at=$(date -u +%FT%TZ) auto-stop off"
  else
    gpu=$(busiest_gpu)
    quiet=0
    if [ "$gpu" -lt "$gpu_threshold" ]; then
      quiet=1
      if [ "$cpu_threshold" -gt 0 ] && [ "$cpu" -ge "$cpu_threshold" ]; then quiet=0; fi
    fi
    if [ "$quiet" -eq 1 ]; then idle_s=$((idle_s + INTERVAL_S)); else idle_s=0; fi
    sample="at=$(date -u +%FT%TZ) gpu_max=${gpu}% (<${gpu_threshold}%)"
    [ "$cpu_threshold" -gt 0 ] && sample="$sample cpu=${cpu}% (<${cpu_threshold}%)"
    sample="$sample window=${minutes}min"
    if [ "$idle_s" -ge $((minutes * 60)) ]; then
      msg="every GPU below ${gpu_threshold}% for ${minutes} min; shutting down ($sample)"
      report stopping $((idle_s / 60)) "$sample"
      logger -t ailab-idle-watchdog "$msg" 2>/dev/null || echo "ailab-idle-watchdog: $msg" >&2
      shutdown -h now
      exit 0
    fi
    if [ "$quiet" -eq 1 ]; then state=idle; else state=busy; fi
    report "$state" $((idle_s / 60)) "$sample"
  fi
  sleep "$INTERVAL_S"
done
"""

THRESHOLDS = {"gcp": _GCP_SOURCE, "aws": _AWS_SOURCE}

WATCHDOG_UNIT = f"""[Unit]
Description=ailab idle GPU watchdog (stops the machine when its GPUs stay idle)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart={WATCHDOG_PATH}
Restart=on-failure
RestartSec=30

[Install]
WantedBy=multi-user.target
"""


def watchdog_script(cloud: str) -> str:
    """The watchdog for ``cloud`` (``gcp`` or ``aws``)."""
    text = _COMMON_HEAD + THRESHOLDS[cloud] + _COMMON_LOOP
    for name, value in (("STATE_PATH", STATE_PATH), ("CONF_PATH", CONF_PATH),
                        ("MINUTES_KEY", MINUTES_KEY), ("PERCENT_KEY", PERCENT_KEY),
                        ("GUEST_NAMESPACE", GUEST_NAMESPACE)):
        text = text.replace(name, value)
    return text


def install_lines(cloud: str) -> list[str]:
    """Boot-script lines installing and starting the watchdog service."""
    return [
        f"cat > {WATCHDOG_PATH} <<'AILAB_WATCHDOG'",
        watchdog_script(cloud).rstrip("\n"),
        "AILAB_WATCHDOG",
        f"chmod 0755 {WATCHDOG_PATH}",
        "cat > /etc/systemd/system/ailab-idle-watchdog.service <<'AILAB_UNIT'",
        WATCHDOG_UNIT.rstrip("\n"),
        "AILAB_UNIT",
        "systemctl daemon-reload",
        "systemctl enable --now ailab-idle-watchdog.service",
    ]
