"""Offline preview: run a Pulumi program under a recording mock engine.

``engine.run_program`` runs any program function and returns the declared
resources (``ailab.core.inventory.Resource``) in a stable tree order with
``engine.tree_order``. ``ailab.infra.preview`` uses it for the lab stacks.
"""
