"""Dependencies are installed for Lambda's platform, not the host's, and ship target bytecode."""

from __future__ import annotations

import struct
import subprocess
import zipfile

import pytest
from lambda_build.bytecode import interpreter

from .conftest import Repo

EM_X86_64, EM_AARCH64 = 62, 183


def _elf_machines(zip_path) -> dict[str, int]:
    machines = {}
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            if name.endswith(".so"):
                header = archive.read(name)[:20]
                assert header[:4] == b"\x7fELF", name
                machines[name] = struct.unpack("<H", header[18:20])[0]
    return machines


@pytest.mark.parametrize(("arch", "machine", "tag"), [("x86_64", EM_X86_64, "x86_64"), ("arm64", EM_AARCH64, "aarch64")])
def test_native_wheel_matches_target_architecture(repo: Repo, capsys, orjson_lock: str, arch: str, machine: int,
                                                  tag: str) -> None:
    repo.function("f", config=f'handler = "app.handler"\narchitecture = "{arch}"\n', lock=orjson_lock)
    result = repo.run("--json", "build", capsys=capsys)
    assert result.code == 0, result.err
    machines = _elf_machines(repo.dist / "f.zip")
    assert machines, "orjson's extension module is missing from the zip"
    assert set(machines.values()) == {machine}
    assert all(f"-{tag}-linux-gnu.so" in name for name in machines)
    assert result.json["artifacts"][0]["architecture"] == arch


def test_layer_dependencies_and_code_live_under_python(repo: Repo, capsys, orjson_lock: str) -> None:
    repo.layer("common", lock=orjson_lock)
    assert repo.run("build", capsys=capsys).code == 0
    names = zipfile.ZipFile(repo.dist / "common.zip").namelist()
    assert names and all(n.startswith("python/") for n in names)
    assert "python/common_lib/__init__.py" in names
    assert any(n.startswith("python/orjson/") and n.endswith(".so") for n in names)


def test_target_bytecode_is_used_from_a_read_only_tree(repo: Repo, capsys, orjson_lock: str, tmp_path) -> None:
    """Unchecked-hash pycs are imported as-is (no source check, no writes), which is what Lambda needs."""
    # A failure, not a skip: `make venv` builds .venv on 3.12, so a missing one is a broken finder.
    python = interpreter("3.12")
    assert python, "no CPython 3.12 (the target runtime) found; `make venv` creates .venv with it"
    repo.function("f", code="import orjson\n\ndef handler(event, context):\n    return orjson.dumps(event)\n",
                  lock=orjson_lock)
    assert repo.run("build", capsys=capsys).code == 0
    task = tmp_path / "task"
    zipfile.ZipFile(repo.dist / "f.zip").extractall(task)
    names = {str(p.relative_to(task)) for p in task.rglob("*.pyc")}
    assert {"__pycache__/app.cpython-312.pyc", "orjson/__pycache__/__init__.cpython-312.pyc"} <= names
    (task / "app.py").write_text("raise SystemExit('source was executed instead of bytecode')\n")
    for path in task.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        proc = subprocess.run(
            [python, "-E", "-s", "-v", "-c", "import app; print(app.handler({'a': 1}, None))"],
            cwd=task, capture_output=True, text=True, check=False,
        )
    finally:
        for path in task.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stdout.strip() == "b'{\"a\":1}'"
    assert "__pycache__/app.cpython-312.pyc matches" in proc.stderr
    # The recorded file name is the Lambda path, not this machine's temp dir.
    assert b"/var/task/app.py" in (task / "__pycache__/app.cpython-312.pyc").read_bytes()
