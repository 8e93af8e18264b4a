"""What one replica (and one serverless instance) serves, for a scenario.

Order: a figure the scenario states (``given``), else a measured run
(``calibration``, which replaces the table's figure), else the sourced table.
The serverless side reuses the same answers: the CPU seconds per request from
a CPU calibration, and the requests/s of one L4 for Cloud Run GPU from the
table or a calibration measured on an L4.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ailab.core.errors import EstimateError
from ailab.costs.catalog import PriceRow
from ailab.costs.serve_calibration import (
    ServeCalibration,
    calibrated_sizing,
    load_serve_calibration,
)
from ailab.costs.serve_scenario import Replica, ServeScenario
from ailab.costs.serve_throughput import Lookup, Sizing, runtime_for, size_from_table
from ailab.costs.serverless import ModelFacts

CLOUD_RUN_GPU = ("L4", 1)


def _lookup(rep: Replica, accelerator: str, count: int) -> Lookup:
    assert rep.variant is not None and rep.model_class is not None
    runtime = rep.runtime or runtime_for(rep.variant)
    return Lookup(runtime, rep.model_class, accelerator, count, rep.precision, rep.shape,
                  rep.concurrency, rep.max_latency_ms, rep.allow_offline, rep.output_tokens,
                  rep.items_per_request)


def _runtime_warning(rep: Replica) -> tuple[str, ...]:
    if rep.runtime is None or rep.variant is None or rep.runtime == runtime_for(rep.variant):
        return ()
    return (f"sized from {rep.runtime} figures, not {runtime_for(rep.variant)} (the runtime of "
            f"variant {rep.variant})",)


def replica_sizing(sc: ServeScenario, row: PriceRow) -> Sizing:
    """Requests/s per replica: given, measured, or from the table (module docstring)."""
    rep = sc.replica
    given = rep.given_rps
    if given is not None:
        return Sizing(given, "given", f"{given:,.6g} requests/s stated in the scenario")
    count = int(row.accelerator_count)
    if rep.calibration is not None:
        path = Path(rep.calibration)
        cal = load_serve_calibration(path)
        return calibrated_sizing(cal, path, row.accelerator, count, int(row.vcpus),
                                 rep.variant, rep.model_class, rep.cpu_scaling)
    sizing = size_from_table(_lookup(rep, row.accelerator, count))
    return dataclasses.replace(sizing, warnings=sizing.warnings + _runtime_warning(rep))


def _cpu_calibration(sc: ServeScenario, replica_cal: ServeCalibration | None
                     ) -> ServeCalibration | None:
    srv = sc.serverless
    if srv is not None and srv.calibration is not None:
        cal = load_serve_calibration(Path(srv.calibration))
        if cal.accelerator:
            raise EstimateError(f"measured on {cal.accelerator}; the serverless CPU figures "
                                "need a CPU measurement", field="serverless.calibration")
        return cal
    if replica_cal is not None and not replica_cal.accelerator:
        return replica_cal
    return None


def model_facts(sc: ServeScenario) -> ModelFacts:
    """The serverless view of the model: CPU seconds and memory, load time, overrides."""
    srv = sc.serverless
    replica_cal = (load_serve_calibration(Path(sc.replica.calibration))
                   if sc.replica.calibration is not None else None)
    cal = _cpu_calibration(sc, replica_cal)
    request_s = srv.request_s if srv is not None and srv.request_s is not None else (
        cal.request_s if cal is not None else None)
    if srv is None:
        return ModelFacts(request_s, None, 0.0, None, 0.0, None, None)
    return ModelFacts(request_s, srv.memory_gib, srv.model_load_s, srv.gpu_requests_per_s,
                      srv.payload_kb, srv.max_instances, srv.keep_warm_s)


def l4_capacity(sc: ServeScenario, row: PriceRow, replica: Sizing) -> tuple[float | None, str]:
    """Requests/s one Cloud Run L4 serves, or why it is not known."""
    srv, rep = sc.serverless, sc.replica
    if srv is not None and srv.gpu_requests_per_s is not None:
        return srv.gpu_requests_per_s, ""
    if (row.accelerator, int(row.accelerator_count)) == CLOUD_RUN_GPU:
        return replica.requests_per_s, ""
    if rep.variant is None or rep.model_class is None:
        return None, ("no L4 throughput for this model: give serverless.gpu_requests_per_s "
                      "(a load test on an L4)")
    try:
        return size_from_table(_lookup(rep, *CLOUD_RUN_GPU)).requests_per_s, ""
    except EstimateError as exc:
        return None, f"no L4 figure: {exc.problem}"
