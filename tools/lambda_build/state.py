"""Remember what each zip in dist/ was built from, so unchanged artifacts are not rebuilt.

The fingerprint covers every input that can change a zip's bytes (build-system version, config,
lock, requirements.in, each source file's relative path, content and executable bit); the zip's
size and mtime catch a zip deleted or replaced behind the build's back without re-hashing it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from atomic_files import write_bytes_atomic

from . import BUILD_SYSTEM_VERSION
from .config import ArtifactConfig
from .sources import SourceFile

STATE_FILE = ".build-state.json"


def _file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def fingerprint(artifact: ArtifactConfig, sources: list[SourceFile]) -> str:
    config = {k: v for k, v in artifact._asdict().items() if k not in ("directory", "config_path")}
    material = {
        "build_system": BUILD_SYSTEM_VERSION,
        "config": config,
        "lock": _file_digest(artifact.directory / "requirements.txt"),
        "requirements_in": _file_digest(artifact.directory / "requirements.in"),
        "sources": [[s.rel, s.sha256, s.executable] for s in sources],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def zip_stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def load(dist: Path) -> dict[str, Any]:
    """Per-artifact records; an unreadable or foreign-version state means "rebuild everything"."""
    try:
        data = json.loads((dist / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}
    if data.get("build_system") != BUILD_SYSTEM_VERSION:
        return {}
    return data.get("artifacts", {})


def save(dist: Path, records: dict[str, Any]) -> None:
    body = {"build_system": BUILD_SYSTEM_VERSION, "artifacts": records}
    write_bytes_atomic(dist / STATE_FILE, json.dumps(body, sort_keys=True).encode())
