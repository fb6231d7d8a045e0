"""`check`: the AWS limit checks alone, over what is already in dist/."""

from __future__ import annotations

from pathlib import Path

from pipeline_contract.artifact_hash import filebase64sha256

from . import state
from .aws_limits import Measured, enforce
from .build_command import select
from .config import discover
from .errors import BuildError


def check(root: Path, names: list[str], allow_s3: bool) -> list[Measured]:
    """Raise LimitViolation (or BuildError when dist/ is not built) and return what was measured."""
    artifacts = discover(root)
    chosen = select(artifacts, names)
    dist = root / "dist"
    records = state.load(dist)
    measured: dict[str, Measured] = {}
    for artifact in chosen:
        record = records.get(artifact.name)
        zip_path = dist / f"{artifact.name}.zip"
        if record is None or not zip_path.is_file():
            raise BuildError(f"dist/{artifact.name}.zip is not built; run `make build`")
        if record["zip_stat"] != state.zip_stat(zip_path) and (
            filebase64sha256(zip_path) != record["entry"]["source_code_hash"]
        ):
            raise BuildError(f"dist/{artifact.name}.zip changed since it was built; run `make build`")
        entry = record["entry"]
        measured[artifact.name] = Measured(artifact.name, artifact.kind, list(artifact.layers),
                                           entry["zipped_bytes"], entry["unzipped_bytes"], record["packages"])
    enforce(measured, allow_s3)
    return list(measured.values())
