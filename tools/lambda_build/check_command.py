"""`check`: is dist/ current (sources, locks, configs), and does it pass the AWS limit checks?"""

from __future__ import annotations

from pathlib import Path

from . import state
from .aws_limits import Measured, enforce, enforce_config
from .build_command import measured as measure
from .build_command import select
from .config import discover
from .errors import BuildError
from .freshness import message, stale_among


def check(root: Path, names: list[str], allow_s3: bool) -> list[Measured]:
    """Raise BuildError when dist/ is stale or not built, LimitViolation on a limit; return what was measured."""
    artifacts = discover(root)
    chosen = select(artifacts, names)
    enforce_config(chosen)
    dist = root / "dist"
    records = state.load(dist)
    found = stale_among(artifacts, chosen, dist, records)
    if found:
        raise BuildError(message(found))
    measured = {artifact.name: measure(records[artifact.name]) for artifact in chosen}
    enforce(measured, allow_s3)
    return list(measured.values())
