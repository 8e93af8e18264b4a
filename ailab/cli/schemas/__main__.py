"""``python -m ailab.cli.schemas [FOLDER]``: write the JSON Schema files (default docs/schemas)."""

from __future__ import annotations

import sys
from pathlib import Path

from ailab.cli.schemas import write_all

if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schemas")):
        print(path)
