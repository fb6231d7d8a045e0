"""The manifest of the three zips in tests/terraform/fixtures, made with the contract, never by hand.

`terraform test` (tests/terraform/root/pipeline.tftest.hcl) reads files on disk, so
fixtures/manifest.json and fixtures/manifest_via_s3.json are this module's output, committed; a unit
test fails when a file and its function here disagree, and
`.venv/bin/python -m tests.terraform.fixture_manifest` rewrites them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline_contract.artifact_hash import filebase64sha256
from pipeline_contract.manifest import MANIFEST_FILE, Artifact, Manifest, write
from repo_paths import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "terraform" / "fixtures"
COMMITTED = FIXTURES / MANIFEST_FILE
COMMITTED_VIA_S3 = FIXTURES / "manifest_via_s3.json"
# A function and a layer marked for S3 upload, the other function uploaded directly.
VIA_S3 = ("common", "stream_processor")
# A well-formed hash that no zip has: what a manifest from an older build records.
FOREIGN_HASH = "A" * 43 + "="
# name -> (kind, handler, aws_services), as the root module requires them (locals.tf `required`).
ARTIFACTS = {
    "common": ("layer", None, ()),
    "failure_handler": ("function", "failure_handler.handler", ("kinesis", "s3")),
    "stream_processor": ("function", "stream_processor.handler", ("sqs", "s3", "secretsmanager")),
}


def fixture_manifest() -> Manifest:
    """The committed zips as build.py would describe them; paths relative to the repository root."""
    artifacts = []
    for name, (kind, handler, services) in ARTIFACTS.items():
        zip_path = FIXTURES / f"{name}.zip"
        with zipfile.ZipFile(zip_path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        artifacts.append(Artifact(
            name=name, kind=kind, path=zip_path.relative_to(REPO_ROOT).as_posix(),
            source_code_hash=filebase64sha256(zip_path), zipped_bytes=zip_path.stat().st_size,
            unzipped_bytes=unzipped, runtime="python3.12", architecture="x86_64", handler=handler,
            layers=("common",) if kind == "function" else (), aws_services=services, upload_via_s3=False,
        ))
    return Manifest.of(artifacts)


def via_s3(manifest: Manifest, names: tuple[str, ...] = VIA_S3) -> Manifest:
    """`manifest` as `build.py build --allow-s3-upload` marks zips over 50 MB: `names` go through S3.

    The fixture zips are tiny; Terraform decides by `upload_via_s3` alone, never by the size.
    """
    artifacts = dict(manifest.artifacts)
    for name in names:
        artifacts[name] = artifacts[name]._replace(upload_via_s3=True)
    return Manifest.of(artifacts.values())


def committed() -> dict[Path, Manifest]:
    """Each committed fixture manifest and what it must hold."""
    return {COMMITTED: fixture_manifest(), COMMITTED_VIA_S3: via_s3(fixture_manifest())}


def stale(manifest: Manifest, name: str) -> Manifest:
    """`manifest` as an older build wrote it: `name`'s zip has been rebuilt since."""
    artifacts = dict(manifest.artifacts)
    artifacts[name] = artifacts[name]._replace(source_code_hash=FOREIGN_HASH)
    return Manifest.of(artifacts.values())


if __name__ == "__main__":
    for path, manifest in committed().items():
        write(path, manifest)
        print(f"wrote {path.relative_to(REPO_ROOT)}")
