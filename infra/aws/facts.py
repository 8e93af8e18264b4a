"""AWS instance facts the price table does not carry.

EFA: the number of EFA network interfaces per instance type. The fact lives in
the one instance network table, ``costs/data/instance_network.csv`` (Amazon EC2
User Guide, "Elastic Fabric Adapter: supported instance types" and "Network
cards"); the cost models read the same rows to decide which types can run a
multi-node job. A type missing there, or whose count was not read, has no EFA.
"""

from __future__ import annotations

from ailab.costs.network import efa_count


def efa_interfaces(instance_type: str) -> int:
    """EFA interfaces an instance type supports (0: no EFA)."""
    return efa_count(instance_type)
