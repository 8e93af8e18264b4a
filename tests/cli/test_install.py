"""The wheel works outside the repository.

It is built with the project's build backend (hatchling, in-process, offline),
inspected, and installed into a fresh virtual environment with only the
``aws`` extra: the locked dependencies from uv's cache (``uv sync --offline``
into the new environment), then the wheel itself. Where that cannot be done
(no uv, or nothing cached), the wheel goes into a fresh environment with
``--no-deps`` on top of this environment's site-packages through a ``.pth``
file, and the test says so. Then, from an empty folder, the commands a new
user runs first: preview, estimate, policy list, an example from the packaged
copy, and the one-line error for an extra that is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.support import ROOT, STACKS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hatchling.build import build_wheel

    out = tmp_path_factory.mktemp("dist")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        name = build_wheel(str(out))
    finally:
        os.chdir(cwd)
    return out / name


def test_wheel_ships_one_namespace_the_project_files_and_optional_groups(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert {n.split("/")[0] for n in names} == {"ailab", wheel.name.split("-py3")[0]
                                                 .replace("-", "-", 1) + ".dist-info"}
    shipped = {n for n in names if n.startswith("ailab/_project/")}
    for stack in STACKS.glob("Pulumi.*.yaml"):
        assert f"ailab/_project/stacks/{stack.name}" in shipped
    for rel in ("Pulumi.yaml", "__main__.py", "policies/PulumiPolicy.yaml", "examples/plans/"
                "llm-pretraining-h100.yaml", "examples/usage/aws-gpu-lab.yaml"):
        assert f"ailab/_project/{rel}" in shipped, rel
    for rel in ("ailab/costs/data/prices.csv", "ailab/infra/program.py",
                "ailab/workloads/templates/train-ddp.yaml", "ailab/cli/schemas/stacks.py"):
        assert rel in names, rel
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    extras = {line.split(": ")[1] for line in meta.splitlines()
              if line.startswith("Provides-Extra:")}
    assert extras == {"aws", "gcp", "sky", "all"}
    base = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")
            and "extra ==" not in line]
    for heavy in ("pulumi", "boto3", "skypilot", "google-cloud", "moto"):
        assert not any(f"Requires-Dist: {heavy}" in line for line in base), heavy


def _install(wheel: Path, venv: Path) -> str:
    """Install the wheel with the aws extra; returns how it was done."""
    uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)}
    env.pop("VIRTUAL_ENV", None)
    if Path(uv).exists():
        sync = subprocess.run([uv, "sync", "-q", "--frozen", "--offline", "--extra", "aws",
                               "--no-dev", "--no-install-project"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
        if sync.returncode == 0:
            subprocess.run([uv, "pip", "install", "-q", "--offline", "--no-deps", "--python",
                            str(venv / "bin" / "python"), str(wheel)], check=True,
                           capture_output=True, timeout=300)
            return "fresh venv: locked aws extra from uv's cache, then the wheel"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"], check=True,
                               capture_output=True, text=True).stdout.strip())
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    (site / "_project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (venv / "bin" / "ailab").write_text(f"#!{venv / 'bin' / 'python'}\n"
                                        "from ailab.cli import main\nmain()\n")
    (venv / "bin" / "ailab").chmod(0o755)
    return "fallback: the wheel with --no-deps on this environment's site-packages (.pth)"


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "env"
    how = _install(wheel, venv)
    print(f"\ninstall: {how}")
    return venv


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "AILAB_PROJECT_DIR", "AILAB_STACKS_DIR")}
    env["COLUMNS"] = "120"
    return subprocess.run([str(venv / "bin" / "ailab"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_installed_ailab_runs_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import ailab; "
                            "print(ailab.__file__)"], cwd=tmp_path, capture_output=True,
                           text=True, check=True).stdout
    assert str(installed) in where and str(ROOT) not in where
    for generic in ("infra", "costs", "workloads", "janitor"):
        probe = subprocess.run([str(installed / "bin" / "python"), "-c", f"import {generic}"],
                               cwd=tmp_path, capture_output=True, text=True)
        assert probe.returncode != 0, f"`import {generic}` works: a generic top-level name"

    proc = _run(installed, tmp_path, "preview", "aws-gpu-lab", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["stack"] == "aws-gpu-lab" and len(doc["resources"]) > 20

    proc = _run(installed, tmp_path, "estimate", "train", "--params", "7e9", "--tokens", "2e12",
                "--gpu", "H100", "--gpus", "64", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["plans"]

    proc = _run(installed, tmp_path, "policy", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["rules"]) >= 20

    proc = _run(installed, tmp_path, "compare", "examples/plans/research-lab-a100.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "using the packaged copy" in proc.stderr

    proc = _run(installed, tmp_path, "preview", "gcp-gpu-lab")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "`gcp` extra" in proc.stderr and "pip install 'ailab[gcp]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == [], "a command wrote into the current folder"


def test_installed_ailab_finds_the_users_project_above_the_current_folder(
        installed: Path, tmp_path: Path) -> None:
    project = tmp_path / "course"
    (project / "stacks").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: course\nruntime: python\n"
                                         "stackConfigDir: stacks\n")
    shutil.copy(STACKS / "Pulumi.aws-gpu-lab.yaml", project / "stacks" / "Pulumi.cs231.yaml")
    deep = project / "notes" / "week1"
    deep.mkdir(parents=True)
    proc = _run(installed, deep, "preview", "cs231", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["stack"] == "cs231"
    proc = _run(installed, deep, "preview", "aws-gpu-lab")
    assert proc.returncode == 2 and "known: cs231" in proc.stderr
    proc = _run(installed, tmp_path, "doctor", "--json", "--project-dir", str(project))
    found = {(c["area"], c["item"]): c for c in json.loads(proc.stdout)["checks"]}
    assert found[("project", "folder")]["detail"] == f"{project} (--project-dir)"
    assert "1 in" in found[("project", "stacks")]["detail"]
