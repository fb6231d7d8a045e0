"""Pieces whose behaviour is easiest to pin down directly: globs, the zip writer, lock parsing, the lock command."""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile

import pytest
from lambda_build.errors import BuildError
from lambda_build.globs import matches
from lambda_build.lockfile import read_lock
from lambda_build.zipwriter import DEFLATED, STORED, compress, write_zip
from pipeline_contract.artifact_hash import filebase64sha256


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("app.py", "**/*.py", True),
        ("pkg/sub/mod.py", "**/*.py", True),
        ("pkg/mod.py", "*.py", False),
        ("tests/test_x.py", "tests/**", True),
        ("src/tests/x.py", "tests/**", False),
        ("a/__pycache__/m.pyc", "**/__pycache__/**", True),
        ("data/x.json", "data/*.jso[mn]", True),
    ],
)
def test_glob_semantics(path: str, pattern: str, expected: bool) -> None:
    assert matches(path, [pattern]) is expected


def test_zip_writer_output_is_a_valid_zip_with_fixed_metadata(tmp_path) -> None:
    random = os.urandom(4096)
    entries = [compress("b/text.txt", b"hello " * 1000, False), compress("a/run.sh", b"#!/bin/sh\n", True),
               compress("c/random.bin", random, False)]
    path = tmp_path / "out.zip"
    digest = write_zip(path, entries)
    assert digest == base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode() == filebase64sha256(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["a/run.sh", "b/text.txt", "c/random.bin"]
        assert archive.read("c/random.bin") == random
        methods = {i.filename: i.compress_type for i in archive.infolist()}
        assert methods["b/text.txt"] == DEFLATED and methods["c/random.bin"] == STORED
    assert write_zip(tmp_path / "again.zip", list(reversed(entries))) == digest


def test_lock_parsing_rejects_unpinned_and_applies_markers(tmp_path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text(f"orjson>=3 --hash=sha256:{'a' * 64}\n")
    with pytest.raises(BuildError, match="not pinned with =="):
        read_lock(lock, "requirements.txt", "3.12", "x86_64")
    lock.write_text(
        f"orjson==3.10.12 \\\n    --hash=sha256:{'a' * 64} \\\n    --hash=sha256:{'b' * 64}\n    # via -r requirements.in\n"
        f"pywin32==306 ; sys_platform == 'win32' --hash=sha256:{'c' * 64}\n"
        f"uvloop==0.21.0 ; platform_machine == 'aarch64' --hash=sha256:{'d' * 64}\n"
    )
    x86 = read_lock(lock, "requirements.txt", "3.12", "x86_64")
    assert [(p.name, p.version, len(p.hashes)) for p in x86] == [("orjson", "3.10.12", 2)]
    assert [p.name for p in read_lock(lock, "requirements.txt", "3.12", "arm64")] == ["orjson", "uvloop"]


def test_lock_command_output_is_hashed_and_machine_independent(orjson_lock: str) -> None:
    assert "orjson==" in orjson_lock and "--hash=sha256:" in orjson_lock
    for leak in ("--find-links", "--extra-index-url", "--index-url", "file://", "/tmp", "/root", "/opt"):
        assert leak not in orjson_lock
    assert "make lock" in orjson_lock  # the header tells readers how to regenerate it


def test_dependency_tree_cache_key_names_the_compiling_interpreter() -> None:
    """Two interpreters of one minor version may write different bytecode: a tree compiled by one is not reused for the other."""
    from lambda_build.deptree import tree_key
    from lambda_build.lockfile import Pin
    from lambda_build.targets import Target

    pins = [Pin("orjson", "3.10.0", frozenset({"a" * 64}))]

    def key(compiler: str) -> str:
        return tree_key(pins, Target("3.12", "x86_64"), "python/", "/opt/python", "alongside", True, compiler)

    assert key("cb0d0d0a 3.12.4 (main)") != key("cb0d0d0a 3.12.7 (main)")
    assert key("cb0d0d0a 3.12.4 (main)") == key("cb0d0d0a 3.12.4 (main)")
