"""Read pip-tools lock files and refuse ones that are missing, hash-less or stale.

The lock (requirements.txt) is the only source of truth for what gets installed; requirements.in
only says what the author asked for, so a lock is stale exactly when some direct requirement is
not pinned at a version its specifier accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .errors import BuildError

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


def check_fresh(requirements: list[Requirement], display_in: str, pins: list[Pin], python_version: str,
                architecture: str) -> None:
    """Fail when a direct requirement is absent from the lock or pinned outside its specifier."""
    env = _target_env(python_version, architecture)
    pinned = {p.name: p.version for p in pins}
    for req in requirements:
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        version = pinned.get(canonicalize_name(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            found = f"pinned at {version}" if version else "not pinned"
            raise BuildError(
                f"{display_in}: {req} is {found} in requirements.txt (stale lock); run `make lock`"
            )
