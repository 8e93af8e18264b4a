"""Scripts that run on nodes import only what their task's setup installs.

A static walk from each node entry point. Imports that run when a module loads
(module level, ``if TYPE_CHECKING:`` blocks skipped) are followed through
project modules (``ailab.*`` to its real file, package ``__init__`` files
included); every third-party module they reach must be installed by the
template's ``setup``. Imports inside functions run only on some paths: each must
be installed too, or be listed in ``CONDITIONAL`` with the path that needs it.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import ROOT

TEMPLATES = ROOT / "workloads" / "templates"
ENTRIES = {
    "train-ddp.yaml": ("bash workloads/scripts/launch_train.sh", "workloads/scripts/train_ddp.py"),
    "train-spot.yaml": ("bash workloads/scripts/launch_train.sh",
                        "workloads/scripts/train_ddp.py"),
    "bench.yaml": ("python -m ailab.workloads.bench", "workloads/bench/__main__.py"),
    "serve-fastapi.yaml": ("workloads.scripts.serve_app:app", "workloads/scripts/serve_app.py"),
}
ONPREM = {"hybrid.yaml": ("bash workloads/scripts/launch_train.sh",
                          "workloads/scripts/train_ddp.py")}
PROVIDES = {
    # distribution -> top-level modules it (and its declared requirements) install
    "torch": {"torch"}, "numpy": {"numpy"}, "pydantic": {"pydantic"},
    "fastapi": {"fastapi", "pydantic", "starlette"}, "uvicorn": {"uvicorn"},
    "accelerate": {"accelerate"}, "deepspeed": {"deepspeed"}, "mlflow-skinny": {"mlflow"},
}
CONDITIONAL = {
    "deepspeed": "train_ddp.py --engine deepspeed (the deepspeed variant's setup installs it)",
    "accelerate": "train_ddp.py --engine accelerate (the accelerate variant installs it)",
    "torch_xla": "the benchmark on a TPU VM, whose runtime image ships it",
    "ailab.core.inputs": "bench results.load_results: `ailab bench report` on the laptop",
    "mlflow": "train_ddp.py logs to MLflow only with MLFLOW_TRACKING_URI set (the setup "
              "installs mlflow-skinny then)",
}
PIP = re.compile(r"pip install\s+(?:-\w+\s+)*(.+?)(?:;|$)", re.MULTILINE)


def setup_modules(setup: str) -> set[str]:
    """Top-level modules the setup's ``pip install`` lines provide."""
    found: set[str] = set()
    for line in PIP.findall(setup):
        for spec in line.split():
            dist = re.split(r"[<>=!~\[ ]", spec.strip("\"'"))[0].lower()
            if dist and not dist.startswith("-"):
                found |= PROVIDES.get(dist, {dist})
    return found


def _module_file(name: str) -> Path | None:
    """The source file of a project module (``ailab.workloads.x`` -> workloads/x.py)."""
    parts = name.split(".")
    if parts[0] != "ailab":
        return None
    base = ROOT / "ailab"
    for part in parts[1:]:
        base = base / part
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand.resolve()
    return None


def _imports(tree: ast.AST) -> tuple[list[str], list[str]]:
    """(imports run at module load, imports inside functions)."""
    eager: list[str] = []
    lazy: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        names = lazy if in_function else eager
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{a.name}" for a in node.names)
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                 ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    return eager, lazy


def third_party_imports(entry: Path, lazy_found: dict[str, set[str]] | None = None
                        ) -> dict[str, set[str]]:
    """Top-level third-party module -> files importing it at load time, over the
    closure; imports inside functions go to ``lazy_found``."""
    seen: set[Path] = set()
    todo = [entry.resolve()]
    found: dict[str, set[str]] = {}
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        eager, lazy = _imports(ast.parse(path.read_text()))
        # A project module imported inside a function loads on the node too, unless
        # CONDITIONAL names the path (off the node) that needs it.
        eager += [n for n in lazy if n.startswith("ailab.")
                  and not any(n == c or n.startswith(c + ".") for c in CONDITIONAL)]
        for name in lazy:
            key = name if name.startswith("ailab.") else name.split(".")[0]
            if lazy_found is not None and (key.split(".")[0] != "ailab"
                                           or _module_file(key) is not None):
                lazy_found.setdefault(key, set()).add(path.name)
        for name in eager:
            top = name.split(".")[0]
            if top == "ailab":
                parts = name.split(".")
                for i in range(1, len(parts) + 1):  # packages' __init__ run first
                    target = _module_file(".".join(parts[:i]))
                    if target is not None:
                        todo.append(target)
            elif top != "__future__" and top not in sys.stdlib_module_names:
                found.setdefault(top, set()).add(path.name)
    return found


def _cases() -> list[tuple[Path, str, str]]:
    return ([(TEMPLATES / n, run, script) for n, (run, script) in ENTRIES.items()]
            + [(ROOT / "workloads" / "onprem" / n, run, s) for n, (run, s) in ONPREM.items()])


@pytest.mark.parametrize(("template", "run", "script"), _cases(), ids=lambda v: str(v)[-30:])
def test_node_scripts_import_only_what_setup_installs(template: Path, run: str,
                                                      script: str) -> None:
    task = yaml.safe_load(template.read_text())
    assert run in task["run"], f"{template.name}: entry point moved; update ENTRIES"
    allowed = setup_modules(task.get("setup") or "")
    lazy: dict[str, set[str]] = {}
    imported = third_party_imports(ROOT / script, lazy)
    missing = {m: sorted(files) for m, files in imported.items() if m not in allowed}
    assert not missing, f"{template.name} setup installs {sorted(allowed)}; not installed: " \
                        f"{missing}"
    lazy_missing = {m: sorted(files) for m, files in lazy.items()
                    if m not in allowed and m not in CONDITIONAL
                    and not (m.startswith("ailab") or m in sys.stdlib_module_names)}
    assert not lazy_missing, f"{template.name}: imports in functions not installed: " \
                             f"{lazy_missing}"


def test_the_walk_sees_transitive_imports(tmp_path: Path) -> None:
    """The check can fail: the old train_ddp.py reached pydantic through the bench runner."""
    bad = tmp_path / "old_train.py"
    bad.write_text("import torch\nfrom ailab.workloads.bench.runner import gpt_batches\n")
    imported = third_party_imports(bad)
    assert "pydantic" in imported and "torch" in imported
    assert setup_modules('pip install -q "torch>=2.3" numpy') == {"torch", "numpy"}
