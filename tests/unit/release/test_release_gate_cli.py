"""`python -m release compat` on real git repositories: which tag it compares with, and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from git_fixture import commit, git, tag
from release.cli import main

MODULE = 'variable "name" {\n  type = string\n}\n\nvariable "retries" {\n  type    = number\n  default = 2\n}\n'
WITHOUT_RETRIES = 'variable "name" {\n  type = string\n}\n'


def _compat(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--root", str(repo), "compat"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """A repository whose v1.0.0 has modules/m with `name` and `retries`."""
    repo = tmp_path / "repo"
    commit(repo, {"VERSION": "1.0.0\n", "modules/m/variables.tf": MODULE, "main.tf": 'output "x" {\n  value = 1\n}\n'})
    tag(repo, "v1.0.0")
    commit(repo, {}, "after the release")
    return repo


def test_without_a_release_tag_it_says_so_and_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    commit(tmp_path, {"VERSION": "1.0.0\n", "main.tf": MODULE})
    code, out, _ = _compat(tmp_path, capsys)
    assert code == 0
    assert out.strip() == ("compat: OK: no release tag (vX.Y.Z) in this history yet, so nothing to compare; "
                           "VERSION 1.0.0 will be the first release")


def test_a_breaking_change_fails_until_version_has_a_major_bump(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (released / "modules/m/variables.tf").write_text(WITHOUT_RETRIES)
    code, out, _ = _compat(released, capsys)
    assert code == 1
    rows = [line.split() for line in out.splitlines() if line.startswith("modules/m")]
    assert rows == [["modules/m", "var.retries", "removed", "number", "n/a", "major"]]
    assert out.splitlines()[-1] == ("compat: FAIL: the changes since v1.0.0 need a major release but VERSION is still 1.0.0: "
                                    "set VERSION to 2.0.0 and describe them under Unreleased in CHANGELOG.md")
    (released / "VERSION").write_text("2.0.0\n")
    code, out, _ = _compat(released, capsys)
    assert code == 0 and out.splitlines()[-1] == ("compat: OK: the changes since v1.0.0 need a major release; "
                                                  "VERSION 2.0.0 is a major release")


def test_the_tag_on_head_is_the_release_being_checked_not_the_baseline(released: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    commit(released, {"modules/m/variables.tf": WITHOUT_RETRIES, "VERSION": "1.1.0\n"}, "drop retries")
    tag(released, "v1.1.0")
    code, out, _ = _compat(released, capsys)
    assert code == 1 and "since v1.0.0" in out and "VERSION 1.1.0 is only a minor release" in out


def test_the_baseline_is_the_highest_release_version_in_heads_history(released: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    commit(released, {"VERSION": "1.10.0\n"}, "1.10")
    tag(released, "v1.10.0", annotated=False)
    commit(released, {"VERSION": "1.9.0\n"}, "a later commit tagged with a lower version")
    tag(released, "v1.9.0")
    for other in ("v2.0.0-rc1", "release-3"):  # not release tags
        tag(released, other)
    git(released, "checkout", "-q", "-b", "elsewhere")
    commit(released, {}, "on another branch")
    tag(released, "v5.0.0")  # not in main's history
    git(released, "checkout", "-q", "main")
    commit(released, {"VERSION": "1.10.0\n"}, "head")
    code, out, _ = _compat(released, capsys)
    assert (code, out.strip()) == (0, "No interface changes since v1.10.0.\n"
                                      "compat: OK: nothing since v1.10.0 needs a version bump; VERSION is 1.10.0")


def test_a_shallow_clone_is_refused_with_the_fix(released: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", released.as_uri(), str(shallow))
    code, _, err = _compat(shallow, capsys)
    assert code == 2
    assert "is a shallow clone" in err and "actions/checkout with fetch-depth: 0" in err


def test_a_directory_outside_git_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "VERSION").write_text("1.0.0\n")
    code, _, err = _compat(tmp_path, capsys)
    assert code == 2 and err.strip() == f"release compat: {tmp_path} is not a git checkout; run this in a clone of the repository"


@pytest.mark.parametrize(("content", "message"), [
    (None, "VERSION is missing at"),
    ("v1.2\n", "VERSION: 'v1.2' is not a version X.Y.Z; write it like 1.4.0"),
])
def test_a_missing_or_malformed_version_file_is_refused(released: Path, content: str | None, message: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    if content is None:
        (released / "VERSION").unlink()
    else:
        (released / "VERSION").write_text(content)
    code, _, err = _compat(released, capsys)
    assert code == 2 and message in err
