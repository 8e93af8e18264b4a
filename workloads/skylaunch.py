"""A real launch: the plan's files on disk, SkyPilot's config layered, the API server
stopped again if this launch started it.

Files go to ailab's own state folder (``$XDG_STATE_HOME/ailab/skypilot/<stack>``,
default ``~/.local/state``), never into ``~/.sky`` or ``~/.ssh``:

- ``config.yaml``: the launch's SkyPilot config, handed to SkyPilot as its
  project layer (``SKYPILOT_PROJECT_CONFIG``, laid over ``~/.sky/config.yaml``
  by SkyPilot's client and sent with every request). A project config the user
  already had (that variable, or ``./.sky.yaml``) is kept underneath ours.
- ``ssh_node_pools.yaml`` and ``ssh_config``: the stack's node pool and the SSH
  aliases it names. SkyPilot 0.14 reads pools only from its own
  ``~/.sky/ssh_node_pools.yaml`` and SSH aliases only from ``~/.ssh/config``, so
  registering the pool is the user's step (``pool_problems`` says which is
  missing and how); ailab checks, read-only, and refuses to launch until it is.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ailab.core.errors import WorkloadError
from ailab.core.inputs import read_yaml
from ailab.core.outputs import write_atomic
from ailab.workloads import skyrun
from ailab.workloads.targets import LaunchPlan

USER_POOLS = Path("~/.sky/ssh_node_pools.yaml")
"""Where SkyPilot 0.14's API server reads SSH node pools (``sky.ssh_node_pools.constants``)."""


@dataclass(frozen=True)
class PlanFiles:
    folder: Path
    config: Path
    pools: Path | None = None
    ssh_config: Path | None = None


def state_dir(stack: str) -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ailab" / "skypilot" / stack


def write_plan(plan: LaunchPlan, stack: str, folder: Path | None = None) -> PlanFiles:
    """The plan's files, written atomically into ailab's state folder."""
    folder = folder or state_dir(stack)
    folder.mkdir(parents=True, exist_ok=True)
    config = _overlay(_user_project_config(), plan.skypilot_config)
    files = PlanFiles(folder, folder / "config.yaml")
    write_atomic(files.config, yaml.safe_dump(config, sort_keys=False))
    if plan.pool:
        files = PlanFiles(folder, files.config, folder / "ssh_node_pools.yaml",
                          folder / "ssh_config")
        assert files.pools is not None and files.ssh_config is not None
        write_atomic(files.pools, yaml.safe_dump(plan.ssh_node_pools, sort_keys=False))
        write_atomic(files.ssh_config, plan.ssh_config)
    return files


def _user_project_config() -> dict[str, Any]:
    """The project config SkyPilot would have read without us (kept beneath ours)."""
    named = os.environ.get(skyrun.PROJECT_CONFIG_ENV)
    path = Path(named).expanduser() if named else Path(".sky.yaml")
    if not path.is_file():
        return {}
    doc = read_yaml(path)
    return doc if isinstance(doc, dict) else {}


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        out[key] = _overlay(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out


def pool_problems(plan: LaunchPlan, files: PlanFiles,
                  resolve: Callable[[str], str | None] | None = None) -> list[str]:
    """What keeps SkyPilot from reaching the pool (read-only checks), each with its fix."""
    if not plan.pool:
        return []
    problems = []
    pools_path = USER_POOLS.expanduser()
    registered: dict[str, Any] = {}
    if pools_path.is_file():
        doc = read_yaml(pools_path)
        registered = doc if isinstance(doc, dict) else {}
    want = plan.ssh_node_pools[plan.pool]["hosts"]
    have = (registered.get(plan.pool) or {}).get("hosts")
    if have != want:
        problems.append(f"add pool {plan.pool} from {files.pools} to {USER_POOLS}, then run "
                        f"`sky ssh up --infra {plan.pool}`")
    resolve = resolve or ssh_hostname
    stale = [f"{a} -> {n.target}" for a, n in zip(want, plan.nodes, strict=True)
             if resolve(a) != n.target]
    if stale:
        problems.append(f"add `Include {files.ssh_config}` to ~/.ssh/config (aliases not "
                        f"resolved: {', '.join(stale)})")
    return problems


def ssh_hostname(alias: str) -> str | None:
    """The HostName OpenSSH resolves for ``alias`` (``ssh -G``: reads config, connects to
    nothing)."""
    try:
        out = subprocess.run(["ssh", "-G", alias], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if key == "hostname":
            return value.strip()
    return None


@contextlib.contextmanager
def project_config(path: Path) -> Iterator[None]:
    """SkyPilot's client reads ``path`` as its project config layer for the launch."""
    import sky  # type: ignore[import-untyped]

    with skyrun.project_layer(path, sky.reload_config):
        yield


@contextlib.contextmanager
def api_server(report: Callable[[str], None]) -> Iterator[None]:
    """Stop the local SkyPilot API server afterwards if it was not running before
    (SkyPilot's SDK starts one on first use, ~1.5 GB, detached)."""
    import sky
    from sky.server import common as server_common  # type: ignore[import-untyped]

    local = server_common.is_api_server_local()
    before = local and server_common.get_api_server_status().status == \
        server_common.ApiServerStatus.HEALTHY
    try:
        yield
    finally:
        if local and not before:
            try:
                sky.api_stop()
                report("stopped the SkyPilot API server this launch started")
            except Exception as exc:  # noqa: BLE001 - report, never hide the launch result
                report(f"could not stop the SkyPilot API server this launch started "
                       f"({skyrun.sky_error(exc)}); stop it with `sky api stop`")


def launch(config: dict[str, Any], kind: str, name: str, files: PlanFiles,
           report: Callable[[str], None]) -> Any:
    """Hand the task to SkyPilot with the launch's config layered; stop what we started."""
    with project_config(files.config), api_server(report):
        return skyrun.launch(config, kind, name)


def require_pool(plan: LaunchPlan, files: PlanFiles) -> None:
    """Refuse a pool launch SkyPilot cannot reach, in one line with the fixes."""
    problems = pool_problems(plan, files)
    if problems:
        raise WorkloadError(f"node pool {plan.pool} is not registered with SkyPilot: "
                            + "; ".join(problems),
                            hint=f"the files are in {files.folder}; ailab never edits "
                                 "~/.sky or ~/.ssh itself")
