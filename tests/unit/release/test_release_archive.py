"""The release archive: exactly the consumer's files, at the archive root, byte-identical on every build."""

from __future__ import annotations

import gzip
import hashlib
import os
import tarfile
from pathlib import Path

import pytest
from git_fixture import commit, git, write
from release.archive import build_archive, release_files
from release.errors import ReleaseError
from release.semver import Version
from repo_paths import REPO_ROOT

CONSUMER_FILES = {
    "main.tf": "# root module\n",
    "variables.tf": "# root variables\n",
    "README.md": "# readme\n",
    "LICENSE": "licence\n",
    "CHANGELOG.md": "# changelog\n",
    "modules/m/main.tf": "# module\n",
    "modules/m/README.md": "# module readme\n",
    "modules/m/examples/basic/main.tf": "# module example\n",
    "modules/m/examples/basic/README.md": "# module example readme\n",
    "examples/minimal/main.tf": "# example\n",
    "examples/minimal/README.md": "# example readme\n",
}
REPOSITORY_ONLY = {
    "VERSION": "1.0.0\n",
    "Makefile": "all:\n",
    "build.py": "",
    "pyproject.toml": "",
    "modules/m/tests/plan.tftest.hcl": "run \"x\" {}\n",
    "modules/m/tests/fixtures/function.zip": "zip",
    "modules/m/examples/basic/.terraform.lock.hcl": "# lock\n",
    "dist/manifest.json": "{}",
    "bench/run_all.py": "",
    "tools/release/cli.py": "",
    "functions/f/app.py": "",
    "scripts/terraform": "",
    "docs/releasing.md": "",
    "tests/unit/test_x.py": "",
    ".github/workflows/release.yml": "",
    ".gitignore": "",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    commit(root, {**CONSUMER_FILES, **REPOSITORY_ONLY})
    write(root, {"modules/m/scratch.tf": "# not committed\n", "terraform.tfstate": "{}"})
    return root


def _members(archive: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return tar.getmembers()


def test_the_archive_holds_exactly_what_a_consumer_needs_at_its_root(repo: Path, tmp_path: Path) -> None:
    built = build_archive(repo, Version(1, 2, 3), tmp_path / "out")
    assert built.path == tmp_path / "out" / "kinesis-lambda-pipelines-1.2.3.tar.gz"
    assert [m.name for m in _members(built.path)] == sorted(CONSUMER_FILES)
    with tarfile.open(built.path) as tar:
        extracted = tar.extractfile("modules/m/examples/basic/main.tf")
        assert extracted is not None and extracted.read() == b"# module example\n"


def test_the_bytes_depend_only_on_the_files_not_on_times_modes_or_order(repo: Path, tmp_path: Path) -> None:
    first = build_archive(repo, Version(1, 0, 0), tmp_path / "first")
    for n, name in enumerate(sorted(CONSUMER_FILES, reverse=True)):
        os.utime(repo / name, (1_700_000_000 + n, 1_700_000_000 + n))
        (repo / name).chmod(0o600 if n % 2 else 0o755)
    second = build_archive(repo, Version(1, 0, 0), tmp_path / "second")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.path.read_bytes()[4:8] == b"\0\0\0\0", "the gzip header must carry no time"
    assert {(m.mtime, m.mode, m.uid, m.gid, m.uname, m.gname) for m in _members(second.path)} == {
        (315_532_800, 0o644, 0, 0, "", "")}
    with gzip.open(second.path) as stream:
        assert stream.read(1)  # a valid gzip stream


def test_a_sha256_file_sits_beside_the_archive(repo: Path, tmp_path: Path) -> None:
    built = build_archive(repo, Version(1, 0, 0), tmp_path)
    expected = hashlib.sha256(built.path.read_bytes()).hexdigest()
    assert built.sha256 == expected
    assert (tmp_path / f"{built.path.name}.sha256").read_text() == f"{expected}  {built.path.name}\n"


def test_a_release_without_its_licence_or_changelog_is_refused(repo: Path, tmp_path: Path) -> None:
    git(repo, "rm", "-q", "LICENSE", "CHANGELOG.md")
    with pytest.raises(ReleaseError, match=r"^LICENSE, CHANGELOG\.md missing from the release: add and commit them"):
        build_archive(repo, Version(1, 0, 0), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_this_repositorys_release_has_every_module_and_nothing_of_the_tooling() -> None:
    files = release_files(REPO_ROOT)
    modules = sorted(p.name for p in (REPO_ROOT / "modules").iterdir() if (p / "main.tf").is_file())
    assert modules and all(f"modules/{m}/main.tf" in files and f"modules/{m}/README.md" in files for m in modules)
    assert {"LICENSE", "CHANGELOG.md", "README.md", "main.tf", "versions.tf"} <= set(files)
    assert all(any(f.startswith(f"modules/{m}/examples/") for f in files) for m in modules)
    assert not [f for f in files if "/tests/" in f or (f.split("/")[0] not in {"modules", "examples"} and "/" in f)]
    assert not [f for f in files if "/" not in f and not f.endswith(".tf") and f not in {"LICENSE", "CHANGELOG.md", "README.md"}]
