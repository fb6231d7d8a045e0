"""Remember what each zip in dist/ was built from, so unchanged artifacts are not rebuilt.

The inputs are every file that can change a zip's bytes, each with a digest (build-system version,
config, lock, requirements.in, each source file's relative path, content and executable bit); they
are kept per artifact, so a stale dist/ is explained by name ("functions/f/app.py changed"). The
zip's size and mtime catch a zip deleted or replaced behind the build's back without re-hashing it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import NamedTuple

from atomic_files import write_bytes_atomic
from pipeline_contract.manifest import Artifact, from_entry

from . import BUILD_SYSTEM_VERSION
from .config import ArtifactConfig
from .sources import SourceFile

STATE_FILE = ".build-state.json"


class Record(NamedTuple):
    """What the last build knows about one artifact's zip (a NamedTuple: no-op builds load these)."""

    inputs: dict[str, str]  # input name (repo-relative path) -> digest
    zip_stat: list[int] | None
    artifact: Artifact  # its manifest entry
    bytecode: bool
    packages: dict[str, list[int]]  # dependency -> [zipped, unzipped] bytes
    files: dict[str, list[int]]  # the largest own files (repo path) -> [zipped, unzipped] bytes
    modules: dict[str, str]  # importable top-level name -> who provides it (see shadowing)


def _file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def inputs(artifact: ArtifactConfig, sources: list[SourceFile]) -> dict[str, str]:
    """Each input of the artifact's zip by the repo-relative name a message can show, with its digest."""
    display = f"{artifact.kind}s/{artifact.name}"
    config = {k: v for k, v in artifact._asdict().items() if k not in ("directory", "config_path")}
    found = {
        "build system": BUILD_SYSTEM_VERSION,
        f"{display}/{artifact.config_path.name}": hashlib.sha256(json.dumps(config).encode()).hexdigest(),
        f"{display}/requirements.txt": _file_digest(artifact.directory / "requirements.txt") or "absent",
        f"{display}/requirements.in": _file_digest(artifact.directory / "requirements.in") or "absent",
    }
    # Config and requirements files are never sources, so these names cannot collide.
    found.update((f"{display}/{s.rel}", s.sha256 + ("+x" if s.executable else "")) for s in sources)
    return found


def changes(recorded: dict[str, str], found: dict[str, str]) -> list[str]:
    """What differs between two sets of inputs, as phrases ("functions/f/app.py changed"), sorted by name."""
    out = []
    for name in sorted(recorded.keys() | found.keys()):
        if name not in found:
            out.append(f"{name} was removed")
        elif name not in recorded:
            out.append(f"{name} was added")
        elif recorded[name] != found[name]:
            out.append(f"{name} changed")
    return out


def zip_stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def load(dist: Path) -> dict[str, Record]:
    """Per-artifact records; an unreadable, foreign-version or malformed state means "rebuild everything"."""
    path = dist / STATE_FILE
    try:
        data = json.loads(path.read_text())
        if data.get("build_system") != BUILD_SYSTEM_VERSION:
            return {}
        return {
            name: Record(raw["inputs"], raw["zip_stat"], from_entry(name, raw["entry"], path),
                         raw["bytecode"], raw["packages"], raw["files"], raw["modules"])
            for name, raw in data["artifacts"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # ManifestError is a ValueError
        return {}


def save(dist: Path, records: dict[str, Record]) -> None:
    artifacts = {
        name: {"inputs": r.inputs, "zip_stat": r.zip_stat, "entry": r.artifact.entry(), "bytecode": r.bytecode,
               "packages": r.packages, "files": r.files, "modules": r.modules}
        for name, r in records.items()
    }
    body = {"build_system": BUILD_SYSTEM_VERSION, "artifacts": artifacts}
    write_bytes_atomic(dist / STATE_FILE, json.dumps(body, sort_keys=True).encode())
