"""dist/manifest.json: the contract Terraform reads (docs/contracts.md §2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from atomic_files import write_bytes_atomic

from .config import ArtifactConfig

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
DIRECT_UPLOAD_LIMIT = 52_428_800


def entry(artifact: ArtifactConfig, source_code_hash: str, zipped: int, unzipped: int) -> dict[str, Any]:
    return {
        "kind": artifact.kind,
        "path": f"dist/{artifact.name}.zip",
        "source_code_hash": source_code_hash,
        "zipped_bytes": zipped,
        "unzipped_bytes": unzipped,
        "runtime": artifact.runtime,
        "architecture": artifact.architecture,
        "handler": artifact.handler,
        "layers": list(artifact.layers),
        "aws_services": list(artifact.aws_services),
        "upload_via_s3": zipped > DIRECT_UPLOAD_LIMIT,
    }


def read(dist: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((dist / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("format_version") == FORMAT_VERSION else None


def render(artifacts: dict[str, dict[str, Any]]) -> bytes:
    body = {"format_version": FORMAT_VERSION, "artifacts": dict(sorted(artifacts.items()))}
    return (json.dumps(body, indent=2, sort_keys=False) + "\n").encode()


def write(dist: Path, artifacts: dict[str, dict[str, Any]]) -> None:
    write_bytes_atomic(dist / MANIFEST_FILE, render(artifacts))
