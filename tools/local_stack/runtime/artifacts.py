"""The deployed code, from dist/: matched to a function by CodeSha256 and unpacked like Lambda does.

moto keeps uploaded zips but serves no download URL, so the zip comes from
the manifest; the CodeSha256 check guarantees it is byte for byte the zip
Terraform deployed, and a stale dist/ fails loudly instead of running other code.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from pathlib import Path

from atomic_files import publish_dir
from pipeline_contract.manifest import Artifact, Manifest, ZipState, zip_state


class ArtifactError(Exception):
    """Deployed code and dist/ disagree; the message says how to fix it."""


def artifact_for_hash(manifest: Manifest, code_sha256: str, what: str) -> Artifact:
    """The manifest entry whose zip Lambda holds, its file re-hashed to catch a rebuilt dist/."""
    for artifact in manifest.artifacts.values():
        if artifact.source_code_hash == code_sha256:
            if zip_state(manifest.zip_path(artifact), artifact) is not ZipState.CURRENT:
                raise ArtifactError(f"{manifest.zip_path(artifact)} no longer matches the deployed {what}; "
                                    "run `make build` and apply again")
            return artifact
    raise ArtifactError(f"deployed {what} has CodeSha256 {code_sha256}, which no artifact in the manifest has; run `make build` and apply again")


def _extract(zips: list[Path], target: Path) -> Path:
    """Unpack zips in order into target (later ones overwrite, as layers do in /opt), atomically."""
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    for zip_path in zips:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(staging)
    publish_dir(staging, target)
    return target


def _key(hashes: list[str]) -> str:
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:20]


def unpack_function(manifest: Manifest, function: Artifact, layers: list[Artifact], cache_dir: Path) -> tuple[Path, Path]:
    """(task dir, opt dir): Lambda's /var/task and /opt for this code and layer list."""
    task = _extract([manifest.zip_path(function)], cache_dir / "task" / _key([function.source_code_hash]))
    opt = _extract([manifest.zip_path(layer) for layer in layers],
                   cache_dir / "opt" / _key([layer.source_code_hash for layer in layers]))
    return task, opt
