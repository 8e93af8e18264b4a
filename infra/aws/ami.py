"""Which AWS Deep Learning AMI lines are still supported, and the lab's default.

AWS patches a DLAMI line until the earlier of its framework's and its OS's
"end of patch" date, then leaves it listed (and selectable by a name filter)
for two more years. A ``most_recent`` name filter over an ended line keeps
picking its last, unpatched image. Sources: AWS Deep Learning AMI Developer
Guide, "DLAMI support policy" / "Support policy table" (framework and OS
end-of-patch dates) and the release notes of the x86_64 "Deep Learning Base
OSS Nvidia Driver GPU AMI (Ubuntu 24.04)" and "Deep Learning OSS Nvidia Driver
AMI GPU PyTorch 2.x (Ubuntu 22.04/24.04)" lines, as of 2026-11.

The default is the Base OSS Nvidia driver line on Ubuntu 24.04: NVIDIA driver,
CUDA, EFA and the NCCL OFI plugin for every G and P type the labs use, no
framework pinned (workloads bring their own), patched until the OS's end date.
"""

from __future__ import annotations

import datetime as dt
import fnmatch

AS_OF = dt.date(2026, 11, 1)
DEFAULT_FILTER = "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 24.04) *"

OS_END = {"22.04": dt.date(2027, 4, 30), "24.04": dt.date(2029, 4, 30)}
"""Ubuntu releases of the DLAMI and their end of patch."""
PYTORCH_END = {"2.0": dt.date(2024, 3, 15), "2.1": dt.date(2024, 10, 4),
               "2.2": dt.date(2025, 1, 30), "2.3": dt.date(2025, 4, 24),
               "2.4": dt.date(2025, 7, 24), "2.5": dt.date(2025, 11, 24),
               "2.6": dt.date(2026, 1, 29), "2.7": dt.date(2026, 4, 23),
               "2.8": dt.date(2026, 8, 6), "2.9": dt.date(2026, 10, 15)}
"""PyTorch DLAMI framework versions and their end of patch."""
NEW_LINES_ON = ("24.04",)
"""Ubuntu releases that still get new framework lines (PyTorch 2.9 and 2.10 DLAMIs are
Ubuntu 24.04 only); a filter that can match a line newer than this table is not
judged (``LATER``)."""
LATER = "2.99"
"""Stands for framework versions released after the table was written."""


def known_lines() -> dict[str, dt.date]:
    """A sample image name of every known line -> the line's end of patch."""
    lines = {f"Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu {os}) 20261020": end
             for os, end in OS_END.items()}
    for version, framework_end in PYTORCH_END.items():
        for os, os_end in OS_END.items():
            lines[_pytorch(version, os)] = min(framework_end, os_end)
    for os in NEW_LINES_ON:
        lines[_pytorch(LATER, os)] = OS_END[os]
    return lines


def _pytorch(version: str, os: str) -> str:
    return f"Deep Learning OSS Nvidia Driver AMI GPU PyTorch {version} (Ubuntu {os}) 20261020"


def ended_lines(name_filter: str, as_of: dt.date = AS_OF) -> list[tuple[str, dt.date]] | None:
    """The lines a filter matches when every one of them has ended (newest end
    last); None when it matches a supported line or no line this table knows
    (a custom or newer AMI: not ours to judge)."""
    matched = sorted(((name, end) for name, end in known_lines().items()
                      if fnmatch.fnmatchcase(name, name_filter)), key=lambda item: item[1])
    if not matched or matched[-1][1] >= as_of:
        return None
    return matched
