"""Build the selected artifacts into dist/ as one all-or-nothing step.

Zips are written to a staging directory in dist/, the limits are checked over the whole set,
and only then are zips renamed into place and the manifest rewritten. The manifest is removed
before the first zip is replaced, so an interrupted build leaves no manifest rather than one
whose hashes describe other zips. One build (or clean) at a time holds dist/.build.lock.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pipeline_contract.manifest import MANIFEST_FILE, Artifact

from . import manifest, shadowing, state
from .aws_limits import Measured, enforce, enforce_config
from .config import ArtifactConfig, discover
from .errors import BuildError
from .report import size
from .sources import SourceFile, collect

if TYPE_CHECKING:  # the builder is imported only when something must be built
    from .builder import Built

WORKERS = 2
LOCK_FILE = ".build.lock"
STAGING_PREFIX = ".staging-"
# write_bytes_atomic's temp files beside the manifest and the state (".<name>.<random>").
_TEMP_PREFIXES = (f".{MANIFEST_FILE}.", f".{state.STATE_FILE}.")


class Outcome(NamedTuple):
    name: str
    status: str  # "built" | "up to date"
    seconds: float
    artifact: Artifact  # its manifest entry


@contextmanager
def dist_lock(dist: Path, progress: Callable[[str], None]) -> Iterator[None]:
    """Serialize the commands writing dist/ (two builds, or a build and `clean`, must not interleave).

    `clean` removes dist/ with its lock file while holding the lock, so a process that was waiting
    may wake up holding a lock on a deleted file: it then starts over on a new dist/. Whoever holds
    the lock is the only live writer, so what dead builds left behind is removed first.
    """
    path = dist / LOCK_FILE
    while True:
        dist.mkdir(parents=True, exist_ok=True)
        try:
            handle = open(path, "a")  # noqa: SIM115 (closed by the `with` below)
        except FileNotFoundError:  # dist/ removed by `clean` between the two calls
            continue
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                progress("waiting for another build or clean to finish with dist/ ...")
                fcntl.flock(handle, fcntl.LOCK_EX)
            if _same_file(handle.fileno(), path):
                _remove_leftovers(dist)
                yield
                return


def _same_file(fd: int, path: Path) -> bool:
    try:
        current = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)


def _remove_leftovers(dist: Path) -> None:
    """Staging directories and half-written temp files of builds that were killed (kill -9, power loss)."""
    for leftover in dist.iterdir():
        if leftover.name.startswith(STAGING_PREFIX) and leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        elif leftover.name.startswith(_TEMP_PREFIXES) and leftover.is_file():
            leftover.unlink(missing_ok=True)


def select(artifacts: dict[str, ArtifactConfig], names: list[str]) -> list[ArtifactConfig]:
    """The named artifacts (all when none) plus the layers they use, layers first."""
    unknown = [n for n in names if n not in artifacts]
    if unknown:
        raise BuildError(f"unknown artifact {unknown[0]!r}; known: {', '.join(sorted(artifacts)) or 'none'}")
    chosen = set(names or artifacts)
    chosen |= {layer for n in list(chosen) for layer in artifacts[n].layers}
    return sorted((artifacts[n] for n in chosen), key=lambda a: (a.kind != "layer", a.name))


class _Plan(NamedTuple):
    """An artifact to build: the sources as read once, and the inputs they and the config amount to."""

    sources: list[SourceFile]
    inputs: dict[str, str]


def _up_to_date(record: state.Record | None, found: dict[str, str], zip_path: Path, artifact: ArtifactConfig) -> bool:
    if not record or record.inputs != found or record.zip_stat != state.zip_stat(zip_path):
        return False
    if record.bytecode:
        return True
    from .bytecode import interpreter  # searching spawns processes: only when the last build had no bytecode

    return interpreter(artifact.python_version) is None


def measured(record: state.Record) -> Measured:
    """What the limit checks need of a built artifact."""
    built = record.artifact
    return Measured(built.name, built.kind, list(built.layers), built.zipped_bytes, built.unzipped_bytes, record.packages,
                    record.files)


def build(
    root: Path, names: list[str], cache: Path, allow_s3: bool, progress: Callable[[str], None]
) -> list[Outcome]:
    """Build what changed among `names` (all when empty); return one outcome per selected artifact."""
    artifacts = discover(root)
    chosen = select(artifacts, names)
    enforce_config(chosen)
    dist = root / "dist"
    with dist_lock(dist, progress):
        records = state.load(dist)
        plans: dict[str, _Plan] = {}
        outcomes: dict[str, Outcome] = {}
        for artifact in chosen:
            sources = collect(artifact, f"{artifact.kind}s/{artifact.name}")
            found = state.inputs(artifact, sources)
            if _up_to_date(records.get(artifact.name), found, dist / f"{artifact.name}.zip", artifact):
                outcomes[artifact.name] = Outcome(artifact.name, "up to date", 0.0, records[artifact.name].artifact)
                progress(f"{artifact.name}: up to date")
            else:
                plans[artifact.name] = _Plan(sources, found)
        todo = [a for a in chosen if a.name in plans]
        if todo:
            _warn_without_bytecode(todo, progress)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=dist))
        try:
            built = _run_builds(todo, plans, cache, staging, progress) if todo else {}
            _unchanged_since_read(todo, plans)
            for name, result in built.items():
                outcomes[name] = Outcome(name, "built", result.seconds, result.artifact)
            new_records = {
                name: state.Record(plans[name].inputs, None, b.artifact, b.bytecode, b.packages, b.files, b.modules)
                for name, b in built.items()
            }
            merged = {**records, **new_records}
            enforce({a.name: measured(merged[a.name]) for a in chosen}, allow_s3)
            _commit(dist, artifacts, chosen, built, merged)
            for artifact in chosen:
                layers = {layer: merged[layer].modules for layer in artifact.layers}
                for line in shadowing.warnings(artifact.name, merged[artifact.name].modules, layers):
                    progress(line)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [outcomes[a.name] for a in chosen]


def _warn_without_bytecode(todo: list[ArtifactConfig], progress: Callable[[str], None]) -> None:
    """Said once per build, not per artifact: the fix (install the interpreter) is the same for all."""
    from .bytecode import interpreter

    missing = sorted({a.python_version for a in todo if interpreter(a.python_version) is None})
    if missing:
        progress(f"warning: no Python {', '.join(missing)} found; building without bytecode (slower cold starts)")


def _unchanged_since_read(todo: list[ArtifactConfig], plans: dict[str, _Plan]) -> None:
    """Refuse to publish zips whose inputs changed while they were built (an editor saving mid-build).

    Each zip is consistent with the bytes read for it, but several files saved one after another
    could be caught half way; reading the inputs again says whether the set is still the one built.
    """
    for artifact in todo:
        now = state.inputs(artifact, collect(artifact, f"{artifact.kind}s/{artifact.name}"))
        changed = state.changes(plans[artifact.name].inputs, now)
        if changed:
            raise BuildError(f"{changed[0]} during the build; dist/ was left as it was; run `make build` again")


def _run_builds(todo: list[ArtifactConfig], plans: dict[str, _Plan], cache: Path, staging: Path,
                progress: Callable[[str], None]) -> dict[str, Built]:
    """Build concurrently; raise the first error (by name) after every build has finished."""
    from concurrent.futures import ThreadPoolExecutor, as_completed  # imported here: no-op builds never need them

    from .builder import build as build_one
    from .builder import pins_for
    from .targets import Target
    from .wheels import Job, fetch_wheels

    # Every artifact's wheels in one parallel fetch, before the builds that unpack them.
    fetch_wheels(cache, [Job(Target(a.python_version, a.architecture), pins_for(a), f"{a.kind}s/{a.name}") for a in todo])
    built = {}
    errors: dict[str, BuildError] = {}
    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {pool.submit(build_one, a, plans[a.name].sources, cache, staging): a for a in todo}
        for done, future in enumerate(as_completed(futures), 1):
            name = futures[future].name
            try:
                result = future.result()
            except BuildError as exc:
                errors[name] = exc
                progress(f"[{done}/{len(todo)}] {name}: FAILED")
                continue
            result.seconds = time.perf_counter() - started
            built[name] = result
            progress(f"[{done}/{len(todo)}] {name}: built, {size(result.artifact.zipped_bytes)} zipped "
                     f"({result.seconds:.2f} s)")
    if errors:
        raise errors[sorted(errors)[0]]
    return built


def _commit(
    dist: Path, artifacts: dict[str, ArtifactConfig], chosen: list[ArtifactConfig], built: dict[str, Built],
    records: dict[str, state.Record],
) -> None:
    """Move new zips into dist/, remove those of deleted artifacts, and write the manifest covering every zip there.

    The manifest is removed first: interrupted anywhere in between, dist/ has no manifest rather
    than one naming zips that are not (or no longer) the ones it describes.
    """
    existing = manifest.previous(dist)
    orphans = [p for p in dist.glob("*.zip") if p.stem not in artifacts]  # of artifacts deleted since
    if built or orphans:
        manifest.remove(dist)
        for name, result in built.items():
            os.replace(result.zip_path, dist / f"{name}.zip")
            records[name] = records[name]._replace(zip_stat=state.zip_stat(dist / f"{name}.zip"))
        for orphan in orphans:
            orphan.unlink()
    entries = {k: v for k, v in (existing.artifacts if existing else {}).items() if k in artifacts}
    entries |= {a.name: records[a.name].artifact for a in chosen}
    entries = {k: v for k, v in entries.items() if (dist / f"{k}.zip").is_file()}
    manifest.save(dist, entries.values())
    kept = {k: v for k, v in records.items() if k in artifacts}
    if built or kept != records:
        state.save(dist, kept)
