"""CHANGELOG.md (Keep a Changelog): the section of one release, for the release page and the tag check."""

from __future__ import annotations

import re
from pathlib import Path

from release.errors import ReleaseError
from release.semver import Version, read_version_file

CHANGELOG_FILE = "CHANGELOG.md"
_HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$", re.M)


def release_section(text: str, version: Version) -> str:
    """The body under `## [X.Y.Z] - YYYY-MM-DD`, up to the next `## ` heading."""
    headings = list(_HEADING.finditer(text))
    for i, heading in enumerate(headings):
        if heading["name"] == str(version):
            if not heading["date"]:
                raise ReleaseError(f"{CHANGELOG_FILE}: the heading of {version} has no date; write it as "
                                   f"'## [{version}] - YYYY-MM-DD'")
            end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
            return text[heading.end():end].strip() + "\n"
    raise ReleaseError(f"{CHANGELOG_FILE} has no section for {version}; move the Unreleased entries under "
                       f"'## [{version}] - YYYY-MM-DD'")


def notes_for_tag(root: Path, tag: str) -> str:
    """The release notes of `tag`, after checking it is the version VERSION declares."""
    version = read_version_file(root)
    if tag != version.tag:
        raise ReleaseError(f"tag {tag} is not the version in VERSION ({version}); tag {version.tag} or fix VERSION")
    path = root / CHANGELOG_FILE
    if not path.is_file():
        raise ReleaseError(f"{CHANGELOG_FILE} is missing at {root}; add it (Keep a Changelog format)")
    return release_section(path.read_text(), version)
