"""Pulumi entry point (``main: infra/`` in Pulumi.yaml).

Pulumi runs this folder as a script, which puts ``infra/`` itself first on
``sys.path``; swap it for the project root so ``infra`` is imported as the
package and its module names (``config``, ``keys``, ``aws``...) never shadow
anything else.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))

from ailab.infra.program import main  # noqa: E402

main()
