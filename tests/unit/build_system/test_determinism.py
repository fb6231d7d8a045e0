"""Same inputs -> byte-identical zips, wherever, whenever and under whatever umask they are built."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import zipfile

from .conftest import Repo, fresh_cache

SOURCE_TIME = 1_700_000_000


def _make(repo: Repo, orjson_lock: str) -> None:
    repo.function("f", config='handler = "app.handler"\nlayers = ["common"]\n')
    repo.function("g", lock=orjson_lock)
    repo.write("functions/g/bin/tool.sh", "#!/bin/sh\necho hi\n").chmod(0o755)
    repo.write("functions/g/data/cfg.json", '{"z": 1, "a": [1, 2]}\n')
    repo.write("functions/g/__pycache__/app.cpython-311.pyc", "host bytecode")
    repo.write("functions/g/tests/test_app.py", "def test(): pass\n")
    repo.layer("common")


def _zip_digests(repo: Repo) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(repo.dist.glob("*.zip"))}


def test_two_clean_builds_are_byte_identical(tmp_path, wheel_cache, orjson_lock) -> None:
    first = Repo(tmp_path / "a" / "repo", fresh_cache(tmp_path / "a" / "cache", wheel_cache))
    second = Repo(tmp_path / "elsewhere" / "deeper" / "checkout", fresh_cache(tmp_path / "b" / "cache", wheel_cache))
    _make(first, orjson_lock)
    _make(second, orjson_lock)
    for index, path in enumerate(sorted(p for p in second.root.rglob("*") if p.is_file())):
        os.utime(path, (SOURCE_TIME + index * 7919, SOURCE_TIME + index * 7919))
    (second.root / "functions/g/data/cfg.json").chmod(0o600)
    assert first.run_process("build", umask=0o022).code == 0
    result = second.run_process("build", umask=0o077)
    assert result.code == 0, result.err
    assert _zip_digests(first) == _zip_digests(second)
    assert len(_zip_digests(first)) == 3
    assert json.loads((first.dist / "manifest.json").read_text()) == json.loads((second.dist / "manifest.json").read_text())
    # Rebuilding from scratch in place gives the same bytes again (no state leaks into the output).
    before = _zip_digests(first)
    shutil.rmtree(first.dist)
    assert first.run_process("build").code == 0
    assert _zip_digests(first) == before


def test_zip_layout_is_normalized(repo: Repo, capsys, orjson_lock) -> None:
    _make(repo, orjson_lock)
    assert repo.run("build", capsys=capsys).code == 0
    with zipfile.ZipFile(repo.dist / "g.zip") as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert all(i.extra == b"" and i.comment == b"" for i in infos)
        modes = {i.filename: i.external_attr >> 16 for i in infos}
        assert modes["bin/tool.sh"] == 0o100755
        assert modes["data/cfg.json"] == 0o100644
        assert modes["app.py"] == 0o100644
        assert "__pycache__/app.cpython-311.pyc" not in names  # host bytecode never ships
        assert not any(n.startswith("tests/") for n in names)  # default exclude
        assert not any(n.startswith("bin/") and n.endswith(".pyc") for n in names)
        assert not any(n.endswith(("INSTALLER", "direct_url.json")) for n in names)
        assert archive.testzip() is None


def test_manifest_hash_is_filebase64sha256(repo: Repo, capsys, orjson_lock) -> None:
    _make(repo, orjson_lock)
    assert repo.run("build", capsys=capsys).code == 0
    manifest = json.loads((repo.dist / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert sorted(manifest["artifacts"]) == ["common", "f", "g"]
    for name, entry in manifest["artifacts"].items():
        data = (repo.root / entry["path"]).read_bytes()
        assert entry["path"] == f"dist/{name}.zip"
        assert entry["source_code_hash"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert entry["zipped_bytes"] == len(data)
        with zipfile.ZipFile(repo.root / entry["path"]) as archive:
            assert entry["unzipped_bytes"] == sum(i.file_size for i in archive.infolist())
    assert manifest["artifacts"]["f"]["layers"] == ["common"]
    assert manifest["artifacts"]["common"]["handler"] is None
    assert str(repo.root) not in (repo.dist / "manifest.json").read_text()


def test_incremental_rebuild_equals_clean_build(tmp_path, wheel_cache, orjson_lock) -> None:
    """Cached trees, cached bytecode of unchanged files and one-file recompiles add up to the clean result."""
    incremental = Repo(tmp_path / "inc" / "repo", fresh_cache(tmp_path / "inc" / "cache", wheel_cache))
    _make(incremental, orjson_lock)
    for name in ("util", "models", "handlers"):
        incremental.write(f"functions/g/{name}.py", f"NAMES = {{'{name}', 'json', 'sys'}}\n\ndef {name}():\n    return NAMES\n")
    assert incremental.run_process("build").code == 0
    incremental.write("functions/g/models.py", "NAMES = frozenset({'models', 'changed'})\n")
    assert incremental.run_process("build").code == 0
    clean = Repo(tmp_path / "clean" / "repo", fresh_cache(tmp_path / "clean" / "cache", wheel_cache))
    shutil.copytree(incremental.root / "functions", clean.root / "functions")
    shutil.copytree(incremental.root / "layers", clean.root / "layers")
    assert clean.run_process("build").code == 0
    assert _zip_digests(clean) == _zip_digests(incremental)
