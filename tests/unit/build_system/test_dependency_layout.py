"""The size/cold-start choice for dependencies: test suites dropped, bytecode alone, or source alone.

Offline: a real wheel is made here and put in the build cache, as a download would have left it.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from lambda_build.bytecode import interpreter
from lambda_build.targets import Target

from .conftest import Repo, lock_text, make_wheel, seed_wheel

FILES = {
    "toolkit/__init__.py": "from toolkit.core import answer\n",
    "toolkit/core.py": "def answer():\n    return 42\n",
    "toolkit/tests/__init__.py": "",
    "toolkit/tests/test_core.py": "from toolkit.core import answer\n\ndef test():\n    assert answer() == 42\n",
    "toolkit/data.json": "{}\n",
}


@pytest.fixture
def toolkit_repo(offline_repo: Repo, tmp_path: Path) -> Repo:
    wheel = make_wheel(tmp_path / "wheels", "toolkit", "1.0", FILES)
    sha = seed_wheel(offline_repo.cache, wheel, Target("3.12", "x86_64"))
    offline_repo.write("functions/f/requirements.in", "toolkit\n")
    offline_repo.write("functions/f/requirements.txt", lock_text(["toolkit"], {"toolkit==1.0": [sha]}))
    return offline_repo


def _build(repo: Repo, capsys: pytest.CaptureFixture[str], settings: str) -> list[str]:
    repo.function("f", config=f'handler = "app.handler"\n{settings}',
                  code="import toolkit\n\ndef handler(event, context):\n    return toolkit.answer()\n")
    result = repo.run("build", capsys=capsys)
    assert result.code == 0, result.err
    return sorted(zipfile.ZipFile(repo.dist / "f.zip").namelist())


def _runs(repo: Repo, tmp_path: Path) -> str:
    """Import the handler from the extracted zip with the target Python, as Lambda would."""
    python = interpreter("3.12")
    assert python, "no CPython 3.12 (the target runtime) found; `make venv` creates .venv with it"
    task = tmp_path / "task"
    zipfile.ZipFile(repo.dist / "f.zip").extractall(task)
    proc = subprocess.run([python, "-I", "-c", "import sys; sys.path.insert(0, '.'); import app; print(app.handler(0, 0))"],
                          cwd=task, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_default_ships_sources_bytecode_and_tests(toolkit_repo: Repo, capsys, tmp_path: Path) -> None:
    names = _build(toolkit_repo, capsys, "")
    assert {"toolkit/core.py", "toolkit/__pycache__/core.cpython-312.pyc", "toolkit/tests/test_core.py"} <= set(names)
    assert "toolkit/tests/__pycache__/test_core.cpython-312.pyc" not in names  # tests are never compiled
    assert _runs(toolkit_repo, tmp_path) == "42"


def test_dependency_tests_false_drops_their_test_suites(toolkit_repo: Repo, capsys, tmp_path: Path) -> None:
    names = _build(toolkit_repo, capsys, "dependency_tests = false\n")
    assert not [n for n in names if "/tests/" in n]
    assert "toolkit/data.json" in names and "toolkit/core.py" in names
    assert _runs(toolkit_repo, tmp_path) == "42"


def test_bytecode_only_ships_importable_sourceless_modules(toolkit_repo: Repo, capsys, tmp_path: Path) -> None:
    names = _build(toolkit_repo, capsys, 'dependency_bytecode = "only"\n')
    assert {"toolkit/__init__.pyc", "toolkit/core.pyc"} <= set(names)
    assert "toolkit/core.py" not in names and not [n for n in names if n.startswith("toolkit/__pycache__/")]
    assert "__pycache__/app.cpython-312.pyc" in names and "app.py" in names  # own code keeps its source
    assert _runs(toolkit_repo, tmp_path) == "42"


def test_bytecode_none_ships_dependency_sources_only(toolkit_repo: Repo, capsys, tmp_path: Path) -> None:
    names = _build(toolkit_repo, capsys, 'dependency_bytecode = "none"\n')
    assert not [n for n in names if n.startswith("toolkit/") and n.endswith(".pyc")]
    assert "__pycache__/app.cpython-312.pyc" in names
    assert _runs(toolkit_repo, tmp_path) == "42"


def test_each_choice_is_its_own_cached_tree(toolkit_repo: Repo, capsys) -> None:
    """Switching the option rebuilds the zip with the other layout, never a cached tree of the first."""
    first = _build(toolkit_repo, capsys, "")
    second = _build(toolkit_repo, capsys, 'dependency_bytecode = "only"\n')
    assert first != second and "toolkit/core.pyc" in second


def test_unknown_bytecode_choice_is_refused(offline_repo: Repo, capsys) -> None:
    offline_repo.function("f", config='handler = "app.handler"\ndependency_bytecode = "some"\n')
    result = offline_repo.run("build", capsys=capsys)
    assert result.code == 1
    assert "dependency_bytecode 'some' is invalid; use one of alongside, only, none" in result.err
