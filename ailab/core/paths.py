"""Where ailab keeps the user's own files: refreshed catalogs, caches, crash logs.

Never inside the installed package (site-packages may be read-only and is
replaced on upgrade) and never inside the project checkout: the platform's
user directories (``platformdirs``: ``~/.local/share/ailab`` on Linux,
``~/Library/Application Support/ailab`` on macOS, ``%LOCALAPPDATA%\\ailab`` on
Windows). Each can be moved with an environment variable, which the tests use.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "ailab"


def _dir(env: str, kind: str) -> Path:
    override = os.environ.get(env)
    if override:
        return Path(override)
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP, appauthor=False))


def user_data_dir() -> Path:
    """Refreshed price catalogs and other data the user made (``$AILAB_DATA_DIR``)."""
    return _dir("AILAB_DATA_DIR", "data")


def user_cache_dir() -> Path:
    """Caches that can be deleted at any time (``$AILAB_CACHE_DIR``)."""
    return _dir("AILAB_CACHE_DIR", "cache")


def user_log_dir() -> Path:
    """Crash reports with full tracebacks (``$AILAB_LOG_DIR``)."""
    return _dir("AILAB_LOG_DIR", "log")
