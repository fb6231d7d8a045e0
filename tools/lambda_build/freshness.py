"""Is dist/ what a build of the current sources, locks and configs would produce? The one answer for every caller.

Terraform only compares a zip with the manifest, so a source edited after `make build` would be
planned and deployed as the old zip. `build.py check` and the plan checker's stale-build rule both
ask here. It is the no-op build's own test (the recorded inputs of each artifact against the files
now), so it costs what a no-op build costs: well under a second, nothing rebuilt.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from pipeline_contract.manifest import ZipState, zip_state

from . import state
from .build_command import select
from .config import ArtifactConfig, discover
from .sources import collect


class Stale(NamedTuple):
    artifact: str
    reason: str  # "dist/f.zip is stale: functions/f/app.py changed"


def _reason(artifact: ArtifactConfig, record: state.Record | None, dist: Path) -> str | None:
    zip_name = f"dist/{artifact.name}.zip"
    if record is None:
        return f"{zip_name} is not built"
    zip_path = dist / f"{artifact.name}.zip"
    # The zip the build wrote keeps its size, mtime and inode; anything else is hashed.
    if record.zip_stat is None or record.zip_stat != state.zip_stat(zip_path):
        found = zip_state(zip_path, record.artifact)
        if found is ZipState.MISSING:
            return f"{zip_name} is not built"
        if found is ZipState.CHANGED:
            return f"{zip_name} changed since it was built"
    changes = state.changes(record.inputs, state.inputs(artifact, collect(artifact, f"{artifact.kind}s/{artifact.name}")))
    if not changes:
        return None
    more = len(changes) - 1
    return f"{zip_name} is stale: {changes[0]}" + (f" (and {more} more change{'s' * (more > 1)})" if more else "")


def stale_among(artifacts: dict[str, ArtifactConfig], chosen: list[ArtifactConfig], dist: Path,
                records: dict[str, state.Record]) -> list[Stale]:
    """Each of `chosen` whose zip is missing, altered, or built from other inputs than the current ones."""
    found = [Stale(a.name, reason) for a in chosen if (reason := _reason(a, records.get(a.name), dist)) is not None]
    if len(chosen) == len(artifacts):  # a whole-repository question: zips of deleted artifacts are stale too
        found += [Stale(name, f"dist/{name}.zip is of {records[name].artifact.kind}s/{name}/, which no longer exists")
                  for name in sorted(records.keys() - artifacts.keys())]
    return found


def stale(root: Path, names: list[str] | None = None) -> list[Stale]:
    """The stale artifacts among `names` (all when none) of the repository at `root`; BuildError on bad configs."""
    artifacts = discover(root)
    dist = root / "dist"
    return stale_among(artifacts, select(artifacts, names or []), dist, state.load(dist))


def message(found: list[Stale]) -> str:
    """The one-line message for a stale dist/."""
    more = len(found) - 1
    others = f", and {more} more artifact{'s are' if more > 1 else ' is'} stale" if more else ""
    return f"{found[0].reason}{others}; run `make build`"
