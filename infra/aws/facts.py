"""AWS instance facts the price table does not carry.

EFA: the number of EFA-capable network cards per instance type, from the
Amazon EC2 User Guide ("Elastic Fabric Adapter: supported instance types" and
"Network cards", as of 2026-11). Only GPU/accelerator types the labs use are
listed; a type missing here is treated as having no EFA.
"""

from __future__ import annotations

EFA_INTERFACES: dict[str, int] = {
    "p4d.24xlarge": 4,
    "p4de.24xlarge": 4,
    "p5.48xlarge": 32,
    "p5e.48xlarge": 32,
    "p5en.48xlarge": 16,
    "g5.48xlarge": 1,
    "g6e.24xlarge": 2,
    "g6e.48xlarge": 4,
    "trn1.32xlarge": 8,
    "trn1n.32xlarge": 16,
    "trn2.48xlarge": 16,
    "dl1.24xlarge": 4,
}


def efa_interfaces(instance_type: str) -> int:
    """EFA interfaces an instance type supports (0: no EFA)."""
    return EFA_INTERFACES.get(instance_type, 0)
