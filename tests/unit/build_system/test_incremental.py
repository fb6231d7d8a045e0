"""Only artifacts whose inputs changed are rebuilt; unchanged ones keep their zip file untouched."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import lambda_build.builder
import lambda_build.bytecode
from pipeline_contract.manifest import ENTRY_FIELDS, dumps, load

from .conftest import Repo


def _statuses(repo: Repo, capsys, *args: str) -> dict[str, str]:
    result = repo.run("--json", "build", *args, capsys=capsys)
    assert result.code == 0, result.err
    return {a["name"]: a["status"] for a in result.json["artifacts"]}


def _setup(repo: Repo, orjson_lock: str) -> None:
    repo.function("a", config='handler = "app.handler"\nlayers = ["common"]\n', lock=orjson_lock)
    repo.function("b")
    repo.layer("common")


def test_noop_rebuilds_nothing(repo: Repo, capsys, orjson_lock) -> None:
    _setup(repo, orjson_lock)
    assert set(_statuses(repo, capsys).values()) == {"built"}
    stats = {p.name: p.stat().st_mtime_ns for p in repo.dist.iterdir()}
    assert _statuses(repo, capsys) == {"a": "up to date", "b": "up to date", "common": "up to date"}
    assert {p.name: p.stat().st_mtime_ns for p in repo.dist.iterdir()} == stats


def test_touching_mtime_only_rebuilds_nothing(repo: Repo, capsys, orjson_lock) -> None:
    _setup(repo, orjson_lock)
    _statuses(repo, capsys)
    os.utime(repo.root / "functions/b/app.py", (1, 1))
    assert set(_statuses(repo, capsys).values()) == {"up to date"}


def test_source_change_rebuilds_only_its_artifact(repo: Repo, capsys, orjson_lock) -> None:
    _setup(repo, orjson_lock)
    _statuses(repo, capsys)
    before = json.loads((repo.dist / "manifest.json").read_text())["artifacts"]
    repo.write("functions/a/app.py", "def handler(event, context):\n    return 2\n")
    assert _statuses(repo, capsys) == {"a": "built", "b": "up to date", "common": "up to date"}
    after = json.loads((repo.dist / "manifest.json").read_text())["artifacts"]
    assert after["a"]["source_code_hash"] != before["a"]["source_code_hash"]
    assert {k: after[k] for k in ("b", "common")} == {k: before[k] for k in ("b", "common")}
    assert b"return 2" in zipfile.ZipFile(repo.dist / "a.zip").read("app.py")


def test_new_file_lock_and_config_changes_rebuild(repo: Repo, capsys, orjson_lock) -> None:
    _setup(repo, orjson_lock)
    _statuses(repo, capsys)
    repo.write("layers/common/common_lib/extra.py", "Y = 2\n")
    assert _statuses(repo, capsys)["common"] == "built"
    repo.write("functions/b/function.toml", 'handler = "app.handler"\naws_services = ["sqs"]\n')
    assert _statuses(repo, capsys)["b"] == "built"
    manifest = json.loads((repo.dist / "manifest.json").read_text())
    assert manifest["artifacts"]["b"]["aws_services"] == ["sqs"]
    repo.write("functions/a/requirements.txt", orjson_lock + "\n# re-locked\n")
    assert _statuses(repo, capsys)["a"] == "built"


def test_architecture_change_rebuilds(repo: Repo, capsys, orjson_lock) -> None:
    _setup(repo, orjson_lock)
    _statuses(repo, capsys)
    repo.write("functions/a/function.toml", 'handler = "app.handler"\narchitecture = "arm64"\n')
    assert _statuses(repo, capsys)["a"] == "built"
    names = zipfile.ZipFile(repo.dist / "a.zip").namelist()
    assert any(n.endswith("aarch64-linux-gnu.so") for n in names)
    assert json.loads((repo.dist / "manifest.json").read_text())["artifacts"]["a"]["architecture"] == "arm64"


def test_deleted_or_replaced_zip_is_rebuilt(repo: Repo, capsys, orjson_lock) -> None:
    _setup(repo, orjson_lock)
    _statuses(repo, capsys)
    good = (repo.dist / "b.zip").read_bytes()
    (repo.dist / "b.zip").unlink()
    assert _statuses(repo, capsys)["b"] == "built"
    (repo.dist / "b.zip").write_bytes(b"tampered")
    assert _statuses(repo, capsys)["b"] == "built"
    assert (repo.dist / "b.zip").read_bytes() == good


def test_named_build_keeps_other_manifest_entries(repo: Repo, capsys, orjson_lock) -> None:
    _setup(repo, orjson_lock)
    _statuses(repo, capsys)
    repo.write("functions/b/app.py", "def handler(event, context):\n    return 3\n")
    assert _statuses(repo, capsys, "a") == {"a": "up to date", "common": "up to date"}
    assert sorted(json.loads((repo.dist / "manifest.json").read_text())["artifacts"]) == ["a", "b", "common"]


def test_removed_artifact_leaves_the_manifest(repo: Repo, capsys, orjson_lock) -> None:
    _setup(repo, orjson_lock)
    _statuses(repo, capsys)
    for path in sorted((repo.root / "functions/b").rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    (repo.root / "functions/b").rmdir()
    assert _statuses(repo, capsys) == {"a": "up to date", "common": "up to date"}
    assert sorted(json.loads((repo.dist / "manifest.json").read_text())["artifacts"]) == ["a", "common"]
    assert sorted(p.name for p in repo.dist.glob("*.zip")) == ["a.zip", "common.zip"]  # b.zip went with it


def test_zip_of_a_removed_artifact_goes_together_with_the_manifest(offline_repo: Repo, capsys, monkeypatch) -> None:
    """Interrupted while removing it, dist/ has no manifest rather than one listing a zip that is gone."""
    offline_repo.function("a")
    offline_repo.function("b")
    _statuses(offline_repo, capsys)
    shutil.rmtree(offline_repo.root / "functions/b")
    real_unlink = Path.unlink

    def interrupted(self: Path, missing_ok: bool = False) -> None:
        if self.name == "b.zip":
            raise KeyboardInterrupt
        real_unlink(self, missing_ok)

    monkeypatch.setattr(Path, "unlink", interrupted)
    assert offline_repo.run("build", capsys=capsys).code == 1
    assert not (offline_repo.dist / "manifest.json").exists()
    monkeypatch.undo()
    assert _statuses(offline_repo, capsys) == {"a": "up to date"}
    assert sorted(p.name for p in offline_repo.dist.iterdir() if not p.name.startswith(".")) == ["a.zip", "manifest.json"]
    assert list(load(offline_repo.dist / "manifest.json").artifacts) == ["a"]


def test_own_package_shadowing_a_layer_package_is_reported(repo: Repo, capsys, orjson_lock) -> None:
    repo.function("f", config='handler = "app.handler"\nlayers = ["common"]\n')
    repo.layer("common", lock=orjson_lock)
    first = repo.run("build", capsys=capsys)
    assert first.code == 0 and "warning" not in first.err
    repo.write("functions/f/common_lib/__init__.py", "VALUE = 'mine'\n")  # the layer has common_lib/ too
    repo.write("functions/f/orjson.py", "def dumps(value):\n    return b''\n")  # the layer installs orjson
    result = repo.run("build", capsys=capsys)
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("warning")]
    assert warnings == [
        "warning: f: functions/f/common_lib/ shadows layers/common/common_lib/ of layer common (Lambda imports the "
        "function's `common_lib` first); rename one of them",
        "warning: f: functions/f/orjson.py shadows package orjson of layer common (Lambda imports the function's "
        "`orjson` first); rename one of them",
    ]
    again = repo.run("build", capsys=capsys)  # said at every build until fixed, also when nothing is rebuilt
    assert "f: up to date" in again.err and [ln for ln in again.err.splitlines() if ln.startswith("warning")] == warnings


def test_without_target_python_builds_without_bytecode_then_upgrades(offline_repo: Repo, capsys, monkeypatch) -> None:
    """No matching interpreter: warn once, ship no .pyc; once it exists, the next build adds bytecode."""
    offline_repo.function("a")
    offline_repo.function("b")
    for module in (lambda_build.builder, lambda_build.bytecode):
        monkeypatch.setattr(module, "interpreter", lambda version: None)
    result = offline_repo.run("build", capsys=capsys)
    assert result.code == 0
    assert result.err.count("warning: no Python 3.12 found; building without bytecode") == 1
    assert not any(n.endswith(".pyc") for n in zipfile.ZipFile(offline_repo.dist / "a.zip").namelist())
    assert set(_statuses(offline_repo, capsys).values()) == {"up to date"}
    monkeypatch.undo()
    assert set(_statuses(offline_repo, capsys).values()) == {"built"}
    assert "__pycache__/app.cpython-312.pyc" in zipfile.ZipFile(offline_repo.dist / "a.zip").namelist()


def test_manifest_bytes_do_not_depend_on_which_entries_were_rebuilt(offline_repo: Repo, capsys) -> None:
    """Up-to-date entries come from the build state, fresh ones from the builder: one key order for both."""
    offline_repo.function("a")
    offline_repo.function("b")
    offline_repo.layer("common")
    _statuses(offline_repo, capsys)
    offline_repo.write("functions/a/app.py", "def handler(event, context):\n    return 2\n")
    assert _statuses(offline_repo, capsys) == {"a": "built", "b": "up to date", "common": "up to date"}
    written = (offline_repo.dist / "manifest.json").read_bytes()
    assert all(list(entry) == list(ENTRY_FIELDS) for entry in json.loads(written)["artifacts"].values())
    assert written == dumps(load(offline_repo.dist / "manifest.json"))


def test_a_manifest_this_checkout_cannot_read_is_rewritten(offline_repo: Repo, capsys) -> None:
    """The build is the fix a broken manifest's error names, so it must not refuse to run over one."""
    offline_repo.function("a")
    _statuses(offline_repo, capsys)
    manifest = offline_repo.dist / "manifest.json"
    good = manifest.read_bytes()
    manifest.write_text('{"format_version": 0, "artifacts": {}}')
    assert _statuses(offline_repo, capsys) == {"a": "up to date"}
    assert manifest.read_bytes() == good
