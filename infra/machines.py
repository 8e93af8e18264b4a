"""The per-cloud seam: machine groups every cloud's lab spec reports.

Workloads (which instance type, how many nodes, spot or not) and cost models
ask a stack's spec through ``CloudLabSpec`` instead of guessing AWS or GCP
field names; each cloud's spec implements ``machine_groups``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class MachineGroup:
    """Machines a stack provisions, as workloads and cost models see them."""

    role: str
    """``instances``/``vms`` (stand-alone), ``cluster`` (one job's nodes), ``pool``
    (elastic), ``tpu`` (slices)."""
    instance_types: tuple[str, ...]
    """Price-table spellings (``p5.48xlarge``, ``tpu-v5litepod-8``), preferred first."""
    count: int
    """Machines (cluster nodes, slices, desired pool size)."""
    spot: bool


class CloudLabSpec(Protocol):
    """The per-cloud seam: what every cloud's spec answers for the layers above."""

    def machine_groups(self) -> list[MachineGroup]:
        """Every group of machines the stack declares, stand-alone machines first."""
        ...

    def monthly_budget(self) -> float | None:
        """The stack's monthly budget in USD, None when it sets none."""
        ...
