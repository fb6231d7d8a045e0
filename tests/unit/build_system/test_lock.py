"""`build.py lock`: the committed locks are what it writes, it locks only what is named, and its errors read well."""

from __future__ import annotations

import pytest
from lambda_build.config import discover
from lambda_build.lockfile import direct_requirements, lock_header
from repo_paths import REPO_ROOT

from .conftest import Repo


@pytest.mark.parametrize("name", sorted(a.name for a in discover(REPO_ROOT).values()
                                        if (a.directory / "requirements.in").is_file()))
def test_committed_lock_header_is_what_make_lock_writes(name: str) -> None:
    """Without network: `make lock` on a clean clone must not rewrite a committed header (and force a rebuild)."""
    artifact = discover(REPO_ROOT)[name]
    display = f"{artifact.kind}s/{name}"
    expected = lock_header(artifact.runtime, direct_requirements(artifact.directory / "requirements.in", display))
    committed = (artifact.directory / "requirements.txt").read_text(encoding="utf-8")
    assert committed.startswith(expected), f"{display}/requirements.txt: header differs from what `make lock` writes"


def test_lock_name_locks_only_that_artifact(offline_repo: Repo, capsys) -> None:
    """A function's layers have locks of their own: `lock f` must not re-lock them (nor run pip-compile for them)."""
    offline_repo.layer("common")
    offline_repo.write("layers/common/requirements.in", "# nothing\n")
    offline_repo.function("f", config='handler = "app.handler"\nlayers = ["common"]\n')  # no requirements.in
    result = offline_repo.run("--json", "lock", "f", capsys=capsys)
    assert result.code == 0, result.err
    assert result.json["locked"] == []
    assert not (offline_repo.root / "layers/common/requirements.txt").exists()
    assert offline_repo.run("lock", "nope", capsys=capsys).code == 1


def test_lock_error_names_the_missing_wheel_not_pip_internals(offline_repo: Repo) -> None:
    """Needs the package index. PyYAML 5.4.1 has no CPython 3.12 wheel; pip-compile's traceback is not the message."""
    offline_repo.function("f")
    offline_repo.write("functions/f/requirements.in", "pyyaml==5.4.1\n")
    result = offline_repo.run_process("lock", "f")
    assert result.code == 1
    message = result.err.strip().splitlines()[-1]
    assert message.startswith("error: functions/f: pip-compile failed: no cp312 wheel for pyyaml 5.4.1 on manylinux")
    assert "versions with one: " in message and "change requirements.in" in message
    assert "pip._internal" not in result.err and "Traceback" not in result.err
