"""Fetch the exact wheels the locks pin, for each Lambda target, into a content-addressed cache.

The lock lists the sha256 of every file of each pinned version; the package index (its simple
API, PEP 691 JSON or PEP 503 HTML) names those files. For each pin and target the build picks,
among the files whose hash the lock lists, the wheel whose tags rank best for the runtime
(targets.py, driven by the runtime table) and refuses when none can load there. All index pages
and all wheels of one build are fetched at once, in parallel, and every download is checked
against the lock's sha256 before it is kept. The choice is remembered per target, so later builds
pick the same file without asking the index again; a wheel is found again by its sha256.
"""

from __future__ import annotations

import hashlib
import urllib.error
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple, TypeVar

from atomic_files import write_bytes_atomic
from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .errors import BuildError
from .lockfile import Pin
from .package_index import IndexFile, NotOnIndex, fetch_listing, get, index_url
from .targets import Target

FETCH_WORKERS = 8


class Job(NamedTuple):
    """The pins one artifact needs for its target; `display` names the artifact in messages."""

    target: Target
    pins: list[Pin]
    display: str


def _release(filename: str) -> tuple[str, Version] | None:
    """(canonical name, version) of a wheel or source distribution file name; None for others."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return canonicalize_name(name), version


def _tags(file: IndexFile) -> frozenset[Tag] | None:
    try:
        return frozenset(parse_wheel_filename(file.filename)[3]) if file.filename.endswith(".whl") else None
    except InvalidWheelFilename:
        return None


def choose(files: Sequence[IndexFile], pin: Pin, target: Target, display: str) -> IndexFile:
    """The wheel pip would install on the target, among the files whose sha256 the lock lists.

    Refuses in one line naming the package, the runtime and its glibc when no wheel of the
    pinned version can load there, and says `make lock` when only the hashes disagree.
    """
    release = (pin.name, Version(pin.version))
    # By hash first: a set lookup per file, where parsing 15,000 file names would cost a second.
    locked = [f for f in files if f.sha256 is not None and f.sha256.lower() in pin.hashes and _release(f.filename) == release]
    ranked = [(rank, f.filename, f) for f in locked if (tags := _tags(f)) is not None
              and (rank := target.priority(tags)) is not None]
    if ranked:
        return min(ranked)[2]
    of_version = [f for f in files if _release(f.filename) == release]
    if not of_version:
        raise BuildError(f"{display}: {pin.name} {pin.version} is not on the package index (unknown version, or "
                         "removed); pin another version and run `make lock`")
    wheels = [tags for f in of_version if (tags := _tags(f)) is not None]
    if any(target.priority(tags) is not None for tags in wheels):
        raise BuildError(f"{display}: the lock's hashes for {pin.name} {pin.version} match none of its wheels for "
                         f"{target.describe()} on the package index; run `make lock`")
    what = f"no {target.wheel_kind()} wheel of {pin.name} {pin.version}"
    too_new = [needed for tags in wheels if (needed := target.glibc_too_old_for(tags)) is not None]
    if too_new:
        oldest = ".".join(map(str, min(too_new)))
        raise BuildError(f"{display}: {what} loads on {target.describe()}: its wheels need glibc {oldest} or newer; "
                         f"pin an older {pin.name} or use a runtime on Amazon Linux 2023, then run `make lock`")
    kinds = "wheels for other Pythons or platforms only" if wheels else "only a source distribution"
    raise BuildError(f"{display}: {what} for {target.describe()} (the index has {kinds}); "
                     "pin a version that has one and run `make lock`")


def _wheel_dir(cache: Path, sha: str) -> Path:
    return cache / "wheels" / sha


def _selection_file(cache: Path, target: Target, pin: Pin) -> Path:
    return cache / "selected" / target.key / f"{pin.name}=={pin.version}"


def cached_wheel(cache: Path, target: Target, pin: Pin) -> Path | None:
    """The wheel chosen earlier for this pin and target, if it is still in the cache."""
    selection = _selection_file(cache, target, pin)
    if not selection.is_file():
        return None
    sha = selection.read_text().strip()
    if sha not in pin.hashes:
        return None
    files = list(_wheel_dir(cache, sha).glob("*.whl"))
    return files[0] if len(files) == 1 else None


_T = TypeVar("_T")
_R = TypeVar("_R")


def _parallel(function: Callable[[_T], _R], items: list[_T]) -> list[_R]:
    if len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(min(FETCH_WORKERS, len(items))) as pool:
        return list(pool.map(function, items))


def _download(cache: Path, file: IndexFile, display: str) -> None:
    """Fetch one wheel and keep it only if its bytes hash to the sha256 the lock lists."""
    assert file.sha256 is not None
    final = _wheel_dir(cache, file.sha256) / file.filename
    if final.is_file():
        return
    try:
        body, _ = get(file.url, "*/*")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise BuildError(f"{display}: download of {file.filename} failed ({getattr(exc, 'reason', exc)}); "
                         "build again") from None
    digest = hashlib.sha256(body).hexdigest()
    if digest != file.sha256:
        raise BuildError(f"{display}: the downloaded {file.filename} has sha256 {digest}, not the {file.sha256} "
                         "the lock lists (corrupted or tampered with on the way); nothing was kept; build again")
    write_bytes_atomic(final, body)


def fetch_wheels(cache: Path, jobs: list[Job]) -> None:
    """Make sure every (pin, target) of every job has its chosen wheel in the cache.

    One task per project, all in parallel: read its index page once, choose its wheel for every
    target that needs it, download each distinct file once. A refusal is raised after the
    fetching, the first job's first, so the message does not depend on thread timing.
    """
    missing = [(number, job, pin) for number, job in enumerate(jobs) for pin in job.pins
               if cached_wheel(cache, job.target, pin) is None]
    if not missing:
        return
    index = index_url()
    by_name: dict[str, list[tuple[int, Job, Pin]]] = {}
    for item in missing:
        by_name.setdefault(item[2].name, []).append(item)

    def fetch_project(name: str) -> list[tuple[int, BuildError]]:
        try:
            files = fetch_listing(index, name)
        except NotOnIndex:
            return [(number, BuildError(f"{job.display}: {name} is not on the package index {index} (unknown "
                                        "package); fix requirements.in and run `make lock`"))
                    for number, job, _ in by_name[name]]
        except BuildError as exc:
            return [(by_name[name][0][0], exc)]
        errors: list[tuple[int, BuildError]] = []
        chosen: list[tuple[Job, Pin, IndexFile]] = []
        for number, job, pin in by_name[name]:
            try:
                chosen.append((job, pin, choose(files, pin, job.target, job.display)))
            except BuildError as exc:
                errors.append((number, exc))
        for file in sorted({file.sha256: file for _, _, file in chosen}.values()):
            try:
                _download(cache, file, by_name[name][0][1].display)
            except BuildError as exc:
                return [*errors, (by_name[name][0][0], exc)]
        for job, pin, file in chosen:
            assert file.sha256 is not None
            write_bytes_atomic(_selection_file(cache, job.target, pin), (file.sha256 + "\n").encode())
        return errors

    errors = [error for found in _parallel(fetch_project, sorted(by_name)) for error in found]
    if errors:
        raise min(errors, key=lambda item: item[0])[1]


def ensure_wheels(cache: Path, target: Target, pins: list[Pin], display: str) -> dict[str, Path]:
    """Canonical name -> cached wheel path for every pin, fetching only what is missing."""
    fetch_wheels(cache, [Job(target, pins, display)])
    found = {}
    for pin in pins:
        wheel = cached_wheel(cache, target, pin)
        if wheel is None:  # removed from the cache by another process between fetch and use
            raise BuildError(f"{display}: the wheel of {pin.name} {pin.version} vanished from the cache; build again")
        found[pin.name] = wheel
    return found
