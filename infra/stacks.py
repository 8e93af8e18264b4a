"""Stack files (``stacks/Pulumi.<name>.yaml``): find, list and load them.

No Pulumi import here: loading a stack's spec is cheap, so commands that only
need a stack's settings (workloads, costs) stay fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ailab.core.errors import InputFileError, StackNotFoundError
from ailab.core.inputs import read_mapping
from ailab.core.project import find_project
from ailab.infra.config import stack_file_values
from ailab.infra.spec import LabSpec, load_spec


def stacks_dir(override: Path | None = None) -> Path:
    """``--stacks-dir``, else $AILAB_STACKS_DIR, else the project's stack config
    folder (``ailab.core.project``: the nearest Pulumi.yaml, or the packaged one)."""
    if override is not None:
        return override
    env = os.environ.get("AILAB_STACKS_DIR")
    if env:
        return Path(env)
    project = find_project()
    if project is None:
        raise StackNotFoundError("no Pulumi.yaml in this folder or above, and no packaged "
                                 "stacks", hint="run from the project folder or pass "
                                 "--project-dir")
    return project.stacks_dir


def list_stacks(directory: Path | None = None) -> list[str]:
    """Names of the stacks that have a stack file."""
    folder = stacks_dir(directory)
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in folder.glob("Pulumi.*.yaml"))


def stack_path(name: str, directory: Path | None = None) -> Path:
    """Path of a stack file, or a StackNotFoundError listing the stacks there are."""
    path = stacks_dir(directory) / f"Pulumi.{name}.yaml"
    if not path.is_file():
        known = ", ".join(list_stacks(directory)) or "none"
        raise StackNotFoundError(f"stack {name!r} not found in {path.parent}; known: {known}")
    return path


def load_stack_config(name: str, directory: Path | None = None) -> dict[str, str]:
    """Raw config of a stack, rendered as the Pulumi CLI hands it to the program."""
    path = stack_path(name, directory)
    doc = read_mapping(path)
    if not isinstance(doc.get("config", {}), dict):
        raise InputFileError(str(path), "config", "expected a mapping of config keys")
    config: dict[str, Any] = doc.get("config") or {}
    return stack_file_values(config)


def load_stack_spec(name: str, directory: Path | None = None) -> LabSpec:
    """A stack's validated spec (raises ConfigError on bad config)."""
    return load_spec(load_stack_config(name, directory), name)
