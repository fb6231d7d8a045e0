"""`python -m release notes TAG`: the release page's text, only for the tag VERSION and CHANGELOG.md declare."""

from __future__ import annotations

from pathlib import Path

import pytest
from release.changelog import CHANGELOG_FILE, release_section
from release.cli import main
from release.errors import ReleaseError
from release.semver import Version, read_version_file
from repo_paths import REPO_ROOT

CHANGELOG = """# Changelog

## [Unreleased]

### Added

- something not released yet

## [1.1.0] - 2026-03-02

### Added

- `modules/pipeline`

## [1.0.0] - 2026-01-15

- first release
"""


def _notes(root: Path, tag: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--root", str(root), "notes", tag])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_notes_are_the_section_of_the_tagged_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "VERSION").write_text("1.1.0\n")
    (tmp_path / CHANGELOG_FILE).write_text(CHANGELOG)
    assert _notes(tmp_path, "v1.1.0", capsys) == (0, "### Added\n\n- `modules/pipeline`\n", "")


def test_a_tag_other_than_version_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "VERSION").write_text("1.1.0\n")
    (tmp_path / CHANGELOG_FILE).write_text(CHANGELOG)
    code, out, err = _notes(tmp_path, "v1.0.0", capsys)
    assert (code, out) == (2, "")
    assert err.strip() == "release notes: tag v1.0.0 is not the version in VERSION (1.1.0); tag v1.1.0 or fix VERSION"


@pytest.mark.parametrize(("text", "message"), [
    (CHANGELOG.replace("## [1.1.0] - 2026-03-02", "## [1.1.0]"), "the heading of 1.1.0 has no date"),
    (CHANGELOG.replace("## [1.1.0] - 2026-03-02", ""), "has no section for 1.1.0; move the Unreleased entries under"),
])
def test_a_release_missing_from_the_changelog_is_refused(text: str, message: str) -> None:
    with pytest.raises(ReleaseError, match=message):
        release_section(text, Version(1, 1, 0))


def test_this_repository_declares_its_next_release_and_collects_changes_under_unreleased() -> None:
    version = read_version_file(REPO_ROOT)
    text = (REPO_ROOT / CHANGELOG_FILE).read_text()
    assert "\n## [Unreleased]\n" in text
    if f"## [{version}]" in text:  # a release being cut: its section must be complete
        assert release_section(text, version).strip()
