"""dist/manifest.json (docs/contracts.md §2): what build.py built, read-only here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

FORMAT_VERSION = 1
REQUIRED = {"kind": str, "path": str, "source_code_hash": str, "unzipped_bytes": int}


class ManifestError(ValueError):
    """The manifest is missing or does not follow docs/contracts.md §2."""


@dataclass(frozen=True)
class Artifact:
    name: str
    kind: str
    path: str
    source_code_hash: str
    unzipped_bytes: int
    layers: tuple[str, ...]
    aws_services: tuple[str, ...]


@dataclass(frozen=True)
class Manifest:
    path: Path
    artifacts: dict[str, Artifact]

    @property
    def repo_root(self) -> Path:
        """Artifact paths are relative to the repository root, the parent of dist/."""
        return self.path.resolve().parent.parent

    def for_zip(self, filename: str) -> Artifact | None:
        """The artifact a Terraform `filename`/S3 key names: same relative path, else a unique basename."""
        wanted = PurePosixPath(filename.replace("\\", "/"))
        for artifact in self.artifacts.values():
            own = PurePosixPath(artifact.path)
            if wanted == own or str(wanted).endswith("/" + str(own)):
                return artifact
        same_name = [a for a in self.artifacts.values() if PurePosixPath(a.path).name == wanted.name]
        return same_name[0] if len(same_name) == 1 else None


def _artifact(name: str, entry: Any, where: Path) -> Artifact:
    if not isinstance(entry, dict):
        raise ManifestError(f"manifest {where}: artifact {name!r} is not an object; rebuild with `make build`")
    for key, kind in REQUIRED.items():
        if not isinstance(entry.get(key), kind):
            raise ManifestError(f"manifest {where}: artifact {name!r} has no valid {key!r}; rebuild with `make build`")
    return Artifact(
        name=name,
        kind=entry["kind"],
        path=entry["path"],
        source_code_hash=entry["source_code_hash"],
        unzipped_bytes=entry["unzipped_bytes"],
        layers=tuple(entry.get("layers") or ()),
        aws_services=tuple(entry.get("aws_services") or ()),
    )


def load_manifest(path: Path) -> Manifest:
    """Read and validate the manifest; ManifestError with a one-line reason otherwise."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ManifestError(f"manifest {path} not found: run `make build` first") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"manifest {path} is not JSON ({exc}): rebuild it with `make build`") from None
    if not isinstance(data, dict) or data.get("format_version") != FORMAT_VERSION:
        raise ManifestError(f"manifest {path} is not format_version {FORMAT_VERSION} (docs/contracts.md §2): rebuild with `make build`")
    artifacts = data.get("artifacts")
    if not isinstance(artifacts, dict):
        raise ManifestError(f"manifest {path} has no 'artifacts' object: rebuild with `make build`")
    return Manifest(path=path, artifacts={name: _artifact(name, entry, path) for name, entry in artifacts.items()})
