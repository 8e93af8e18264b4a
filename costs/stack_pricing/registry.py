"""Pricing rules as data: one registry of per-type rules, on ``core.registry.Registry``.

Each cloud module registers ``@rule(tokens.AWS_EC2_INSTANCE, usage=(...))``
functions that turn one ``Resource`` of the inventory into a ``CostLine``, and
declares with ``free(why, *types)`` the types that cost nothing by themselves.
A type the registry does not know is reported ``unpriced``, never as a silent
zero. This module imports no rule module; ``costs/stack_pricing/__init__.py``
does (the one wiring list), so the import graph has no cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ailab.core.inventory import Resource
from ailab.core.registry import Registry

if TYPE_CHECKING:
    from ailab.costs.stack_pricing.context import PricingContext
    from ailab.costs.stack_pricing.lines import CostLine

PricerFn = Callable[[Resource, "PricingContext"], "CostLine"]


@dataclass(frozen=True)
class Rule:
    """How to price one resource type, and which usage-file fields it reads.

    ``free`` says why the type costs nothing by itself (then ``price`` is None)."""

    type: str
    price: PricerFn | None
    usage_fields: frozenset[str]
    free: str | None = None


RULES: Registry[str, Rule] = Registry("pricing rule")


def rule(*types: str, usage: Iterable[str] = ()) -> Callable[[PricerFn], PricerFn]:
    """Register a pricing function for one or more type tokens."""
    def register(fn: PricerFn) -> PricerFn:
        for type_ in types:
            RULES.add(type_, Rule(type_, fn, frozenset(usage)))
        return fn
    return register


def free(why: str, *types: str) -> None:
    """Declare types that cost nothing by themselves."""
    for type_ in types:
        RULES.add(type_, Rule(type_, None, frozenset(), why))


def usage_fields_for(type_: str) -> frozenset[str]:
    """Usage-file fields a type reads (empty for free and unknown types)."""
    found = RULES.find(type_)
    return found.usage_fields if found else frozenset()
