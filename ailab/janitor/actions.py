"""The action registry: one registered function per (resource kind, action).

``aws_actions`` and ``gcp_actions`` register theirs (``ailab.janitor`` imports
them); a (kind, action) nobody registered is refused, never guessed. Every
function gets the driver, the due finding and the run's ``ActOptions`` and
returns the finding's new status and a detail line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from ailab.core.registry import Registry
from ailab.janitor.config import Policy
from ailab.janitor.driver import Driver
from ailab.janitor.ledger import Lease
from ailab.janitor.records import Action, Finding, Status

Outcome = tuple[Status, str]


@dataclass(frozen=True)
class ActOptions:
    """What an action may need besides the finding."""

    policy: Policy
    final_snapshot: bool
    run_id: str
    now: datetime
    lease: Lease | None

    def known_run(self, run_id: str) -> bool:
        """Whether ``run_id`` is a run of this janitor on this scope (from its ledger)."""
        if run_id == self.run_id:
            return True
        return self.lease is not None and any(r == run_id for r, _ in self.lease.ledger.runs)


ActionFn = Callable[[Driver, Finding, ActOptions], Outcome]
F = TypeVar("F", bound=ActionFn)

ACTIONS: Registry[tuple[str, Action], ActionFn] = Registry("janitor action")


def action(kind: str, act: Action) -> Callable[[F], F]:
    """Decorator: register the function that carries out ``act`` on a ``kind``."""
    def wrap(fn: F) -> F:
        ACTIONS.add((kind, act), fn)
        return fn
    return wrap


def carry_out(driver: Driver, finding: Finding, opts: ActOptions) -> Outcome:
    """Run the registered action; an unregistered (kind, action) is refused."""
    fn = ACTIONS.find((finding.resource.kind, finding.action))
    if fn is None:
        return Status.FAILED, f"refused: no {finding.action} action for {finding.resource.kind}"
    return fn(driver, finding, opts)
