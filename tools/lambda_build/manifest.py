"""build.py's side of dist/manifest.json: the entry of a built zip, and the manifest of a whole dist/.

The format (fields, order, version, strict reading) belongs to pipeline_contract.manifest; this
module only fills it in from what the build knows.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipeline_contract.errors import ManifestError
from pipeline_contract.manifest import DIRECT_UPLOAD_LIMIT, MANIFEST_FILE, Artifact, Manifest, dumps, load, write

from .config import ArtifactConfig


def artifact(config: ArtifactConfig, source_code_hash: str, zipped: int, unzipped: int) -> Artifact:
    """The manifest entry of a zip just built from `config`."""
    return Artifact(
        name=config.name,
        kind=config.kind,
        path=f"dist/{config.name}.zip",
        source_code_hash=source_code_hash,
        zipped_bytes=zipped,
        unzipped_bytes=unzipped,
        runtime=config.runtime,
        architecture=config.architecture,
        handler=config.handler,
        layers=tuple(config.layers),
        aws_services=tuple(config.aws_services),
        upload_via_s3=zipped > DIRECT_UPLOAD_LIMIT,
    )


def previous(dist: Path) -> Manifest | None:
    """The manifest the last build wrote, or None when there is none yet.

    One this checkout cannot read (edited by hand, another format version) also gives None:
    the build is the fix its error would name, and rewrites it from the build state.
    """
    path = dist / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        return load(path)
    except ManifestError:
        return None


def remove(dist: Path) -> None:
    """Before replacing zips: no manifest is better than one whose hashes describe other zips."""
    (dist / MANIFEST_FILE).unlink(missing_ok=True)


def save(dist: Path, artifacts: Iterable[Artifact]) -> None:
    """Write the manifest unless dist/ holds exactly these bytes already (a no-op build touches nothing)."""
    path = dist / MANIFEST_FILE
    content = Manifest.of(artifacts)
    if not path.is_file() or path.read_bytes() != dumps(content):
        write(path, content)
