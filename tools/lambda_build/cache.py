"""Where reusable build state lives: wheels, installed dependency trees, compiled bytecode.

Outside the repository (per user, shared by checkouts) so a fresh clone or `make clean` does not
throw away downloads; overridable so tests and CI can point it elsewhere.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

CACHE_ENV = "LAMBDA_BUILD_CACHE"


def cache_root() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lambda-build"


def publish_dir(staging: Path, final: Path) -> None:
    """Move a finished directory into the cache; another build may have published it first."""
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staging, final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(staging, ignore_errors=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never a prefix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
