"""The deployed code, from dist/: matched to a function by CodeSha256 and unpacked like Lambda does.

moto keeps uploaded zips but serves no download URL, so the zip comes from
the manifest; the CodeSha256 check guarantees it is byte for byte the zip
Terraform deployed, and a stale dist/ fails loudly instead of running other code.

A published version keeps the code it was published with after dist/ has been
rebuilt, as on AWS; that zip comes from the emulator (the local stack's moto
serves it by CodeSha256, as AWS's GetFunction links it) and is checked the same way.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from atomic_files import publish_dir, write_bytes_atomic
from pipeline_contract.manifest import Artifact, Manifest, ZipState, zip_state

# Where the local stack's moto serves a deployed zip: GET ?account=&region=&sha256=<CodeSha256>.
DEPLOYED_CODE_PATH = "/moto-api/local-stack/lambda-code"


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


@dataclass(frozen=True)
class CodeZip:
    """A zip Lambda holds, found on this machine: its file and its CodeSha256."""

    path: Path
    sha256: str


def deployed_zip(endpoint_url: str, account: str, region: str, code_sha256: str, what: str, cache_dir: Path) -> CodeZip:
    """The emulator's copy of a deployed zip (code dist/ no longer holds), kept in cache_dir once checked."""
    target = cache_dir / "deployed" / f"{_key([code_sha256])}.zip"
    if not target.is_file():
        query = urllib.parse.urlencode({"account": account, "region": region, "sha256": code_sha256})
        try:
            with urllib.request.urlopen(f"{endpoint_url}{DEPLOYED_CODE_PATH}?{query}", timeout=60) as response:
                data = response.read()
        except urllib.error.HTTPError as exc:
            raise ArtifactError(f"the emulator holds no zip of {what} (CodeSha256 {code_sha256}): HTTP {exc.code}; apply again") from exc
        if base64.b64encode(hashlib.sha256(data).digest()).decode() != code_sha256:
            raise ArtifactError(f"the emulator's zip of {what} does not hash to its CodeSha256 {code_sha256}")
        write_bytes_atomic(target, data)
    return CodeZip(target, code_sha256)


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


def unpack_function(function: CodeZip, layers: list[CodeZip], cache_dir: Path) -> tuple[Path, Path]:
    """(task dir, opt dir): Lambda's /var/task and /opt for this code and layer list."""
    task = _extract([function.path], cache_dir / "task" / _key([function.sha256]))
    opt = _extract([layer.path for layer in layers], cache_dir / "opt" / _key([layer.sha256 for layer in layers]))
    return task, opt
