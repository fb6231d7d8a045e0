"""Symlinks inside an artifact: followed, with the content under every name; loops and dangling links refused."""

from __future__ import annotations

import os
import zipfile

from .conftest import Repo


def _names(repo: Repo, name: str) -> set[str]:
    with zipfile.ZipFile(repo.dist / f"{name}.zip") as archive:
        return set(archive.namelist())


def test_link_to_a_directory_keeps_the_real_directory(offline_repo: Repo, capsys) -> None:
    """`helpers_v2 -> helpers` sorts after its target: both must ship, or `import app.helpers` fails on Lambda."""
    repo = offline_repo
    repo.function("f", config='handler = "app.main.handler"\n', code="")
    repo.write("functions/f/app/__init__.py", "")
    repo.write("functions/f/app/main.py", "from app.helpers import util\n\ndef handler(e, c):\n    return util.X\n")
    repo.write("functions/f/app/helpers/__init__.py", "")
    repo.write("functions/f/app/helpers/util.py", "X = 1\n")
    os.symlink("helpers", repo.root / "functions/f/app/helpers_v2")
    result = repo.run("build", capsys=capsys)
    assert result.code == 0, result.err
    names = _names(repo, "f")
    for package in ("helpers", "helpers_v2"):
        assert f"app/{package}/util.py" in names
        assert f"app/{package}/__pycache__/util.cpython-312.pyc" in names
    with zipfile.ZipFile(repo.dist / "f.zip") as archive:
        assert archive.read("app/helpers/util.py") == archive.read("app/helpers_v2/util.py") == b"X = 1\n"


def test_link_sorting_before_its_target_keeps_both(offline_repo: Repo, capsys) -> None:
    repo = offline_repo
    repo.function("f")
    repo.write("functions/f/zlib_impl/core.py", "Y = 2\n")
    os.symlink("zlib_impl", repo.root / "functions/f/alias")
    assert repo.run("build", capsys=capsys).code == 0
    assert {"alias/core.py", "zlib_impl/core.py"} <= _names(repo, "f")


def test_link_looping_back_to_a_parent_is_refused(offline_repo: Repo, capsys) -> None:
    repo = offline_repo
    repo.function("f")
    repo.write("functions/f/app/x.py", "")
    os.symlink("..", repo.root / "functions/f/app/up")
    result = repo.run("build", capsys=capsys)
    assert result.code == 1
    assert result.err.strip() == "error: functions/f/app/up is a symlink to its own parent functions/f/ (a loop); remove it"
    assert not repo.dist.joinpath("f.zip").exists()


def test_dangling_link_is_refused_unless_excluded(offline_repo: Repo, capsys) -> None:
    repo = offline_repo
    repo.function("f")
    repo.write("functions/f/tests/.keep", "")
    os.symlink("gone.py", repo.root / "functions/f/tests/fixture.py")  # excluded by the default `tests/**`
    assert repo.run("build", capsys=capsys).code == 0
    os.symlink("gone.py", repo.root / "functions/f/config.py")
    result = repo.run("build", capsys=capsys)
    assert result.code == 1
    assert "functions/f/config.py is a broken symlink; point it at an existing file or remove it" in result.err
