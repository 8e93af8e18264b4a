"""A preempted training run resumes on the same loss curve (CPU, tiny model).

``train_ddp.py`` runs as on a node: a separate interpreter holding the node's
packages (torch, NumPy; DeepSpeed for its engine), the project source on
PYTHONPATH. torch is not a project dependency: the interpreter is the first of
``$AILAB_NODE_PYTHON`` and this one that imports the engine's packages, and the
test skips, saying so, when there is none.

Each engine: one uninterrupted run of N steps; one run stopped after a
checkpoint at N/2 (``--stop-after``, a preemption), then restarted with the same
command. The restarted run must print that it resumed, and its losses for steps
N/2+1..N must equal the uninterrupted run's (model, optimizer, LR scheduler and
data position all restored), not a fresh start's.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

SCRIPT = ROOT / "workloads" / "scripts" / "train_ddp.py"
STEPS, STOP = 8, 4


def _python_with(*modules: str) -> str | None:
    for py in (os.environ.get("AILAB_NODE_PYTHON"), sys.executable):
        if py and subprocess.run([py, "-c", "; ".join(f"import {m}" for m in modules)],
                                 capture_output=True, timeout=120).returncode == 0:
            return py
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _train(py: str, ckpt: Path, losses: Path, engine: str, extra: list[str]
           ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RANK": "0", "LOCAL_RANK": "0",
           "WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()),
           "CUDA_VISIBLE_DEVICES": ""}
    cmd = [py, str(SCRIPT), "--engine", engine, "--steps", str(STEPS), "--ckpt-every",
           str(STOP), "--preset", "tiny", "--batch", "4", "--lr", "3e-3", "--ckpt-dir",
           str(ckpt), "--losses", str(losses), *extra]
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return out


def _losses(path: Path) -> dict[int, float]:
    return {int(s): float(v) for s, v in (ln.split() for ln in path.read_text().splitlines())}


def _check_resume(py: str, tmp: Path, engine: str, extra: list[str]) -> None:
    _train(py, tmp / "full", tmp / "full.txt", engine, extra)
    _train(py, tmp / "cut", tmp / "cut.txt", engine, [*extra, "--stop-after", str(STOP)])
    cut = _losses(tmp / "cut.txt")
    assert max(cut) == STOP
    again = _train(py, tmp / "cut", tmp / "cut.txt", engine, extra)
    assert "resumed from" in again.stdout
    full, resumed = _losses(tmp / "full.txt"), _losses(tmp / "cut.txt")
    assert sorted(resumed) == list(range(1, STEPS + 1))  # no step run twice
    for step in range(STOP + 1, STEPS + 1):
        assert resumed[step] == pytest.approx(full[step], rel=1e-5, abs=1e-6), step
    assert full[STEPS] < full[1]  # the curve falls: a fresh start would not match it


def test_ddp_resume_continues_the_loss_curve(tmp_path: Path) -> None:
    py = _python_with("torch", "numpy")
    if py is None:
        pytest.skip("no interpreter with torch (set AILAB_NODE_PYTHON; torch is not a "
                    "project dependency)")
    _check_resume(py, tmp_path, "ddp", [])
    state = _python_state(py, tmp_path / "cut" / f"step-{STEPS}.pt")
    assert state == ["model", "optim", "sched", "step"]


def _python_state(py: str, path: Path) -> list[str]:
    code = f"import torch, json; print(json.dumps(sorted(torch.load({str(path)!r}, " \
           "weights_only=False))))"
    return list(json.loads(subprocess.run([py, "-c", code], capture_output=True, text=True,
                                          timeout=120, check=True).stdout))


def test_deepspeed_resume_continues_the_loss_curve(tmp_path: Path) -> None:
    py = _python_with("torch", "numpy", "deepspeed")
    if py is None:
        pytest.skip("DeepSpeed not installable here (set AILAB_NODE_PYTHON to an interpreter "
                    "with torch and deepspeed; DS_BUILD_OPS=0 pip install deepspeed)")
    config = tmp_path / "ds.json"
    # ZeRO-2 with bf16: the fp32 master weights live in the optimizer; a resume
    # that restored only the module would be overwritten by them on the next step.
    config.write_text(json.dumps({"train_micro_batch_size_per_gpu": 4,
                                  "gradient_accumulation_steps": 1, "gradient_clipping": 1.0,
                                  "bf16": {"enabled": True},
                                  "zero_optimization": {"stage": 2},
                                  "steps_per_print": 1000}))
    _check_resume(py, tmp_path, "deepspeed", ["--deepspeed-config", str(config)])
    tags = sorted(p.name for p in (tmp_path / "cut" / "deepspeed").glob("step-*"))
    assert tags == [f"step-{STOP}", f"step-{STEPS}"]
    assert (tmp_path / "cut" / "deepspeed" / "latest").read_text().strip() == f"step-{STEPS}"
