"""Select an artifact's own files (not its dependencies) by include/exclude patterns, and read them once.

Paths are recorded relative to the artifact directory so that the same tree builds the same
zip wherever the repository is checked out; symlinks are followed only inside that directory.
Each file is read exactly once: the bytes hashed into the fingerprint are the bytes zipped and
compiled, so a file edited during a build can never ship content its fingerprint does not describe.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import NamedTuple

from .config import FUNCTION_FILE, LAYER_FILE, ArtifactConfig
from .errors import BuildError
from .globs import matches

# Never shipped: build inputs and host byproducts.
_ALWAYS_EXCLUDED = [FUNCTION_FILE, LAYER_FILE, "requirements.in", "requirements.txt", "**/__pycache__/**", "**/*.pyc"]


class SourceFile(NamedTuple):
    rel: str  # POSIX path relative to the artifact directory
    path: Path
    data: bytes  # the one read of the file: what is hashed, zipped and compiled
    sha256: str  # of `data`
    executable: bool


def _inside(root: Path, target: Path) -> bool:
    return target == root or root in target.parents


def _walk(root: Path, display: str) -> list[tuple[str, Path | None]]:
    """(relative path, real path) of every regular file under root; None for a broken symlink.

    A symlink inside the artifact directory is followed, and what it points to is listed under
    the link's name as well as under its own (a zip holds no links): `app/helpers_v2 -> helpers`
    ships both packages. Links leaving the directory or looping back to a parent are refused.
    """
    out: list[tuple[str, Path | None]] = []
    stack: list[tuple[str, Path, tuple[Path, ...]]] = [("", root, (root,))]  # prefix, directory, real ancestors
    while stack:
        prefix, directory, ancestors = stack.pop()
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            path = Path(entry.path)
            if entry.is_symlink():
                target = path.resolve()
                if not _inside(root, target):
                    raise BuildError(
                        f"{display}/{rel} is a symlink pointing outside {display}/; copy the file in instead"
                    )
                if target in ancestors:
                    where = target.relative_to(root).as_posix() + "/" if target != root else ""
                    raise BuildError(f"{display}/{rel} is a symlink to its own parent {display}/{where} (a loop); remove it")
                if not target.exists():
                    out.append((rel, None))
                    continue
                path = target
            if path.is_dir():
                stack.append((rel + "/", path, (*ancestors, path)))  # path is real: links were resolved above
            elif path.is_file():
                out.append((rel, path))
    return out


def collect(artifact: ArtifactConfig, display: str) -> list[SourceFile]:
    """The artifact's files, sorted by relative path, with their content and its hash."""
    root = artifact.directory.resolve()
    files = []
    for rel, path in _walk(root, display):
        if matches(rel, _ALWAYS_EXCLUDED) or not matches(rel, artifact.include) or matches(rel, artifact.exclude):
            continue
        if path is None:
            raise BuildError(f"{display}/{rel} is a broken symlink; point it at an existing file or remove it")
        data = path.read_bytes()
        mode = path.stat().st_mode
        files.append(
            SourceFile(
                rel=rel,
                path=path,
                data=data,
                sha256=hashlib.sha256(data).hexdigest(),
                executable=bool(mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)),
            )
        )
    files.sort(key=lambda f: f.rel)
    return files
