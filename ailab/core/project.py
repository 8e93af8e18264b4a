"""The project a command works on: its ``Pulumi.yaml``, stack files, policy pack, examples.

Found the way Pulumi finds a project: the nearest ``Pulumi.yaml`` from the
current folder upwards, or the folder given with ``--project-dir`` (or
``$AILAB_PROJECT_DIR``). Stack files live in its ``stackConfigDir`` (Pulumi's
own key; the project folder when absent). When no project is found, the
packaged copy is used: the shipped ``Pulumi.yaml``, stacks, policies and
examples (``ailab/_project`` inside the wheel, the repository in a checkout),
so ``ailab preview aws-gpu-lab`` and the README's estimates work from any
folder after ``pip install ailab``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ailab.core.errors import AilabError
from ailab.core.inputs import read_mapping

PROJECT_FILE = "Pulumi.yaml"
_PACKAGE = Path(__file__).resolve().parent.parent
_override: Path | None = None


class ProjectNotFoundError(AilabError):
    """``--project-dir`` names a folder without a ``Pulumi.yaml``."""


@dataclass(frozen=True)
class Project:
    """A project folder and how it was found (shown by ``ailab doctor``)."""

    root: Path
    how: str
    stacks_dir: Path

    @property
    def packaged(self) -> bool:
        return self.how == "packaged"

    @property
    def policies_dir(self) -> Path:
        return self.root / "policies"

    @property
    def examples_dir(self) -> Path:
        return self.root / "examples"


def set_project_dir(path: Path | None) -> None:
    """The CLI's ``--project-dir`` (None clears it)."""
    global _override
    _override = path


def packaged_root() -> Path | None:
    """The shipped project: ``ailab/_project`` in a wheel, the checkout's root in a repository."""
    shipped = _PACKAGE / "_project"
    if (shipped / PROJECT_FILE).is_file():
        return shipped
    checkout = _PACKAGE.parent
    return checkout if (checkout / PROJECT_FILE).is_file() else None


def _load(root: Path, how: str) -> Project:
    doc = read_mapping(root / PROJECT_FILE)
    config_dir = doc.get("stackConfigDir")
    stacks = root / config_dir if isinstance(config_dir, str) and config_dir else root
    return Project(root=root, how=how, stacks_dir=stacks)


def _given(path: Path, how: str) -> Project:
    root = path.expanduser().resolve()
    if not (root / PROJECT_FILE).is_file():
        raise ProjectNotFoundError(f"{root} has no {PROJECT_FILE}", field="project_dir",
                                   hint="give the folder that holds the project's Pulumi.yaml")
    return _load(root, how)


def find_project(start: Path | None = None) -> Project | None:
    """``--project-dir``, ``$AILAB_PROJECT_DIR``, the nearest ``Pulumi.yaml`` above
    ``start`` (the current folder), else the packaged project (None when absent)."""
    if _override is not None:
        return _given(_override, "--project-dir")
    env = os.environ.get("AILAB_PROJECT_DIR")
    if env:
        return _given(Path(env), "AILAB_PROJECT_DIR")
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return _load(folder, f"{PROJECT_FILE} in {folder}")
    shipped = packaged_root()
    return _load(shipped, "packaged") if shipped is not None else None


def resolve_input(path: Path) -> tuple[Path, str | None]:
    """An input file as given, else (relative paths only) the same path under the
    project, else under the packaged project; with a note saying which copy is used."""
    if path.exists() or path.is_absolute():
        return path, None
    project = find_project()
    roots: list[tuple[Path, str]] = []
    if project is not None and not project.packaged:
        roots.append((project.root, f"project's copy in {project.root}"))
    shipped = packaged_root()
    if shipped is not None:
        roots.append((shipped, "packaged copy"))
    for root, which in roots:
        candidate = root / path
        if candidate.exists():
            return candidate, f"{path} is not in the current folder; using the {which}"
    return path, None
