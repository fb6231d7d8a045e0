"""Semantic versions of the module set, and the VERSION file that declares the next release.

The version being prepared lives in VERSION (one line, X.Y.Z) rather than in the CHANGELOG: Keep a
Changelog collects changes under "Unreleased" until the release is cut, so the CHANGELOG cannot say
which version a pull request's changes need; VERSION can, and the gate holds it to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from release.errors import ReleaseError

VERSION_FILE = "VERSION"
_VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


class Level(IntEnum):
    """How far a version moves, or must move: ordered, so a bump covers every level below it."""

    NONE = 0
    PATCH = 1
    MINOR = 2
    MAJOR = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str, what: str) -> Version:
        """`text` as X.Y.Z (no prefix, no pre-release); `what` names where it came from in the error."""
        match = _VERSION.fullmatch(text.strip())
        if not match:
            raise ReleaseError(f"{what}: {text.strip()!r} is not a version X.Y.Z; write it like 1.4.0")
        return cls(*(int(part) for part in match.groups()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def tag(self) -> str:
        return f"v{self}"

    def bumped(self, level: Level) -> Version:
        """The smallest version after this one that is a `level` release."""
        if level is Level.MAJOR:
            return Version(self.major + 1, 0, 0)
        if level is Level.MINOR:
            return Version(self.major, self.minor + 1, 0)
        if level is Level.PATCH:
            return Version(self.major, self.minor, self.patch + 1)
        return self


def bump_level(old: Version, new: Version) -> Level:
    """Which kind of release `new` is after `old` (NONE when equal); `new` must not be lower."""
    if new < old:
        raise ValueError(f"{new} is lower than {old}")
    if new.major != old.major:
        return Level.MAJOR
    if new.minor != old.minor:
        return Level.MINOR
    return Level.PATCH if new.patch != old.patch else Level.NONE


def read_version_file(root: Path) -> Version:
    """The version the working tree will be released as."""
    path = root / VERSION_FILE
    if not path.is_file():
        raise ReleaseError(f"{VERSION_FILE} is missing at {root}; create it with the next release's version, e.g. 1.0.0")
    return Version.parse(path.read_text(), VERSION_FILE)
