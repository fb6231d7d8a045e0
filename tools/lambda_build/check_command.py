"""`check`: the AWS limit checks alone, over what is already in dist/."""

from __future__ import annotations

from pathlib import Path

from pipeline_contract.manifest import ZipState, zip_state

from . import state
from .aws_limits import Measured, enforce, enforce_config
from .build_command import measured as measure
from .build_command import select
from .config import discover
from .errors import BuildError


def check(root: Path, names: list[str], allow_s3: bool) -> list[Measured]:
    """Raise LimitViolation (or BuildError when dist/ is not built) and return what was measured."""
    artifacts = discover(root)
    chosen = select(artifacts, names)
    enforce_config(chosen)
    dist = root / "dist"
    records = state.load(dist)
    measured: dict[str, Measured] = {}
    for artifact in chosen:
        record = records.get(artifact.name)
        zip_path = dist / f"{artifact.name}.zip"
        if record is None:
            raise BuildError(f"dist/{artifact.name}.zip is not built; run `make build`")
        # The zip the build wrote keeps its size, mtime and inode; anything else is hashed.
        if record.zip_stat is None or record.zip_stat != state.zip_stat(zip_path):
            found = zip_state(zip_path, record.artifact)
            if found is ZipState.MISSING:
                raise BuildError(f"dist/{artifact.name}.zip is not built; run `make build`")
            if found is ZipState.CHANGED:
                raise BuildError(f"dist/{artifact.name}.zip changed since it was built; run `make build`")
        measured[artifact.name] = measure(record)
    enforce(measured, allow_s3)
    return list(measured.values())
