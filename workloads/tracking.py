"""Experiment tracking from the training nodes: MLflow, when the stack has it.

``ailab launch`` puts the stack's ``tracking_uri`` output into the task's
``MLFLOW_TRACKING_URI``, and the task setup installs ``mlflow-skinny`` then. The
training script logs through ``RunTracker``: parameters once, the loss per step
(asynchronously, so a slow server never stalls a step), from rank 0 only. A
restarted run (spot preemption, ``--stop-after``) logs into the same MLflow run:
its id is kept beside the checkpoints.

Tracking is optional on nodes: with no URI, without mlflow, or with a server that
cannot be reached, the tracker does nothing (and says why once); training never
depends on it. This module imports nothing outside the standard library until it
is asked to log.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

URI_ENV = "MLFLOW_TRACKING_URI"
RUN_ID_FILE = "mlflow-run-id"


class RunTracker:
    """Rank 0's link to the tracking server (a no-op everywhere else)."""

    def __init__(self, run_dir: Path, rank: int, params: Mapping[str, Any],
                 env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self.mlflow: Any = None
        self.reason = ""
        if rank != 0:
            self.reason = "not rank 0"
            return
        if not env.get(URI_ENV):
            self.reason = f"{URI_ENV} is not set (the stack has no tracking server)"
            return
        try:
            import mlflow
        except ImportError:
            self.reason = f"{URI_ENV} is set but mlflow is not installed"
            print(f"tracking off: {self.reason}", flush=True)
            return
        try:
            self._start(mlflow, run_dir, params, env)
        except Exception as exc:  # any client or network failure: train on, log nothing
            self.reason = f"tracking server unreachable ({type(exc).__name__}: {exc})"
            print(f"tracking off: {self.reason}", flush=True)
            return
        self.mlflow = mlflow

    def _start(self, mlflow: Any, run_dir: Path, params: Mapping[str, Any],
               env: Mapping[str, str]) -> None:
        """Open the run (the one a previous attempt left, if any)."""
        mlflow.set_tracking_uri(env[URI_ENV])
        name = env.get("AILAB_RUN_NAME") or "train"
        mlflow.set_experiment(name)
        id_file = run_dir / RUN_ID_FILE
        previous = id_file.read_text().strip() if id_file.is_file() else ""
        run = mlflow.start_run(run_id=previous or None, run_name=None if previous else name)
        if not previous:
            mlflow.log_params(dict(params))
            run_dir.mkdir(parents=True, exist_ok=True)
            id_file.write_text(run.info.run_id)
        print(f"tracking to {env[URI_ENV]} (run {run.info.run_id})", flush=True)

    @property
    def active(self) -> bool:
        return self.mlflow is not None

    def loss(self, step: int, value: float) -> None:
        """One point of the loss curve (queued; the client sends it in the background)."""
        if self.mlflow is not None:
            self.mlflow.log_metric("loss", value, step=step, synchronous=False)

    def close(self) -> None:
        """Flush what is queued and close the run (a resumed attempt reopens it)."""
        if self.mlflow is not None:
            flush = getattr(self.mlflow, "flush_async_logging", None)
            if flush is not None:  # end_run does not wait for queued points
                flush()
            self.mlflow.end_run()
