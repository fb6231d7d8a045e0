"""The one atomic writer of files and directories: readers see the old content or the whole new one, never a prefix.

Hand-written: the maintained candidates (atomicwrites is archived) add nothing over
mkstemp + os.replace in the same directory, which is all the project needs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def write_bytes_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to a temp file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    write_bytes_atomic(path, text.encode(), mode)


def publish_dir(staging: Path, final: Path) -> None:
    """Rename a finished `staging` directory (made beside `final`) to `final`.

    For caches shared by concurrent processes: when another one published `final` first, its
    copy is kept and `staging` is removed.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staging, final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(staging, ignore_errors=True)
