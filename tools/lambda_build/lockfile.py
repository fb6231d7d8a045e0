"""Read pip-tools lock files and refuse ones that are missing, hash-less or stale.

The lock (requirements.txt) is the only source of truth for what gets installed; requirements.in
only says what the author asked for. `make lock` writes into the lock's header the requirements
it was made from, each parsed by packaging, so a lock is stale exactly when requirements.in now
asks for anything else: another name, extra, specifier or marker, or one requirement fewer. The
pins themselves must still satisfy what was asked (a hand-edited pin is caught too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .errors import BuildError

_RECORD_START = "# requirements.in asked for:"
_RECORD_ITEM = "#    "
_HASH = re.compile(r"--hash[=\s]+sha256:([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class Pin:
    name: str  # canonical name
    version: str
    hashes: frozenset[str]  # sha256 hex digests of the acceptable files


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations, drop comments; keep the first physical line number."""
    out: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            out.append((start, buffer.strip()))
        buffer = ""
    if buffer.strip():
        out.append((start, buffer.strip()))
    return out


def _target_env(python_version: str, architecture: str) -> dict[str, str]:
    machine = "aarch64" if architecture == "arm64" else "x86_64"
    return {
        "python_version": python_version,
        "python_full_version": python_version + ".0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": machine,
    }


def read_lock(path: Path, display: str, python_version: str, architecture: str) -> list[Pin]:
    """Pins of a lock file that apply to the target; every one must be exact and hashed."""
    if not path.is_file():
        raise BuildError(f"{display} is missing; run `make lock` to create it from requirements.in")
    env = _target_env(python_version, architecture)
    pins: list[Pin] = []
    for number, line in _logical_lines(path.read_text(encoding="utf-8")):
        hashes = frozenset(h.lower() for h in _HASH.findall(line))
        spec = _HASH.sub("", line).strip()
        if spec.startswith("-"):
            raise BuildError(f"{display}:{number}: option lines ({spec.split()[0]}) are not supported in locks")
        try:
            req = Requirement(spec)
        except InvalidRequirement as exc:
            raise BuildError(f"{display}:{number}: cannot parse {spec!r} ({exc}); run `make lock`") from None
        if not hashes:
            raise BuildError(f"{display}:{number}: {req.name} has no --hash; run `make lock` (pip-compile --generate-hashes)")
        exact = [s for s in req.specifier if s.operator == "=="]
        if len(exact) != 1 or "*" in exact[0].version:
            raise BuildError(f"{display}:{number}: {req.name} is not pinned with ==; run `make lock`")
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        pins.append(Pin(canonicalize_name(req.name), exact[0].version, hashes))
    return pins


def direct_requirements(requirements_in: Path, display_in: str) -> list[Requirement]:
    """The requirements an author listed; comments and blank lines only means "no dependencies"."""
    out = []
    for number, line in _logical_lines(requirements_in.read_text(encoding="utf-8")):
        if line.startswith("-"):
            raise BuildError(f"{display_in}:{number}: option lines ({line.split()[0]}) are not supported")
        try:
            out.append(Requirement(line))
        except InvalidRequirement as exc:
            raise BuildError(f"{display_in}:{number}: cannot parse {line!r} ({exc})") from None
    return out


def _canonical(requirement: Requirement) -> str:
    """packaging's own rendering (sorted extras and specifiers, normalized markers), with the canonical name."""
    copy = Requirement(str(requirement))
    copy.name = canonicalize_name(copy.name)
    return str(copy)


def lock_header(runtime: str, requirements: list[Requirement]) -> str:
    """The header `make lock` writes above pip-compile's pins: how to remake the file, and what it was made from."""
    asked = sorted({_canonical(r) for r in requirements})
    lines = [
        f"# Locked for {runtime} by `make lock` (build.py lock: pip-compile --generate-hashes) from requirements.in;",
        "# build.py refuses this file when requirements.in no longer asks for exactly these. Do not edit.",
        _RECORD_START + ("" if asked else " nothing"),
        *(_RECORD_ITEM + a for a in asked),
        "#",
    ]
    return "\n".join(lines) + "\n"


def locked_requirements(text: str, display_lock: str) -> list[Requirement] | None:
    """The requirements recorded in a lock's header by `make lock`; None when it has no such record."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.startswith(_RECORD_START):
            items = takewhile(lambda item: item.startswith(_RECORD_ITEM), lines[number + 1 :])
            try:
                return [Requirement(item[len(_RECORD_ITEM) :]) for item in items]
            except InvalidRequirement:
                raise BuildError(f"{display_lock}: its header is damaged; run `make lock`") from None
    return None


def check_fresh(requirements: list[Requirement], display_in: str, lock_text: str, display_lock: str, pins: list[Pin],
                python_version: str, architecture: str) -> None:
    """Fail unless the lock was made from exactly these requirements and pins each one inside its specifier."""
    recorded = locked_requirements(lock_text, display_lock)
    if recorded is None:
        raise BuildError(f"{display_lock} was not written by `make lock` (its header does not record requirements.in); "
                         "run `make lock`")
    asked = {_canonical(r): r for r in requirements}
    was = {_canonical(r): r for r in recorded}
    for text, req in sorted(asked.items()):
        if text not in was:
            before = [w for w, old in sorted(was.items()) if canonicalize_name(old.name) == canonicalize_name(req.name)]
            locked_as = f"the lock was made for {before[0]!r}" if before else "the lock was made without it"
            raise BuildError(f"{display_in} asks for {text!r} but {locked_as} (stale lock); run `make lock`")
    removed = sorted(set(was) - set(asked))
    if removed:
        raise BuildError(f"{display_in} no longer asks for {removed[0]!r}, which {display_lock} still locks "
                         "(stale lock); run `make lock`")
    env = _target_env(python_version, architecture)
    pinned = {p.name: p.version for p in pins}
    for req in requirements:
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        version = pinned.get(canonicalize_name(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            found = f"pinned at {version}" if version else "not pinned"
            raise BuildError(f"{display_in}: {req} is {found} in {display_lock} for {architecture}; run `make lock`")
