"""Where reusable build state lives: wheels, installed dependency trees, compiled bytecode.

Outside the repository (per user, shared by checkouts) so a fresh clone or `make clean` does not
throw away downloads; overridable so tests and CI can point it elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "LAMBDA_BUILD_CACHE"


def cache_root() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lambda-build"

