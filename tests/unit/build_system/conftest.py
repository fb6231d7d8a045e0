"""Fixtures for the build system tests: throwaway repositories and a wheel cache filled once per run.

Tests that need real wheels (orjson, x86_64 and aarch64) share one session cache of downloaded
wheels; each test still gets its own cache root for installed dependency trees and bytecode,
so no test can pass only because another one built the tree first.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from lambda_build.cli import main
from lambda_build.lockfile import lock_header, read_lock
from lambda_build.targets import Target
from lambda_build.wheels import ensure_wheels
from packaging.requirements import Requirement
from repo_paths import REPO_ROOT as REPO

BUILD_PY = REPO / "build.py"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict:
        return json.loads(self.out)


class Repo:
    """A throwaway repository with functions/ and layers/, built with an isolated cache."""

    def __init__(self, root: Path, cache: Path) -> None:
        self.root = root
        self.cache = cache
        root.mkdir(parents=True, exist_ok=True)

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def function(self, name: str, config: str = 'handler = "app.handler"\n', code: str | None = None,
                 lock: str | None = None) -> Path:
        self.write(f"functions/{name}/function.toml", config)
        self.write(f"functions/{name}/app.py", code if code is not None else "def handler(event, context):\n    return event\n")
        if lock is not None:
            self.write(f"functions/{name}/requirements.in", "orjson\n")
            self.write(f"functions/{name}/requirements.txt", lock)
        return self.root / "functions" / name

    def layer(self, name: str, config: str = "", lock: str | None = None) -> Path:
        self.write(f"layers/{name}/layer.toml", config)
        self.write(f"layers/{name}/{name}_lib/__init__.py", "VALUE = 1\n")
        if lock is not None:
            self.write(f"layers/{name}/requirements.in", "orjson\n")
            self.write(f"layers/{name}/requirements.txt", lock)
        return self.root / "layers" / name

    def run(self, *args: str, capsys: pytest.CaptureFixture[str]) -> Result:
        """The CLI in-process (fast); use `run_process` where the process itself matters."""
        capsys.readouterr()
        code = main(["--root", str(self.root), "--cache-dir", str(self.cache), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def run_process(self, *args: str, umask: int | None = None) -> Result:
        def preexec() -> None:
            if umask is not None:
                os.umask(umask)

        proc = subprocess.run(
            [sys.executable, str(BUILD_PY), "--root", str(self.root), "--cache-dir", str(self.cache), *args],
            capture_output=True, text=True, preexec_fn=preexec, check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def snapshot(self) -> dict[str, bytes]:
        """Every file under dist/ (except the lock file), to prove a failed build changed nothing."""
        if not self.dist.exists():
            return {}
        return {str(p.relative_to(self.dist)): p.read_bytes() for p in sorted(self.dist.rglob("*"))
                if p.is_file() and p.name != ".build.lock"}


@pytest.fixture(scope="session")
def orjson_lock(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real pip-compile lock for orjson, made by `build.py lock` (this is also the lock command's test)."""
    root = tmp_path_factory.mktemp("lockrepo")
    repo = Repo(root, root / "cache")
    repo.write("functions/f/function.toml", 'handler = "app.handler"\n')
    repo.write("functions/f/app.py", "def handler(e, c):\n    return e\n")
    repo.write("functions/f/requirements.in", "orjson\n")
    result = repo.run_process("lock")
    assert result.code == 0, result.err
    return (root / "functions/f/requirements.txt").read_text()


@pytest.fixture(scope="session")
def wheel_cache(tmp_path_factory: pytest.TempPathFactory, orjson_lock: str) -> Path:
    """orjson wheels for both architectures, downloaded once for the whole run."""
    cache = tmp_path_factory.mktemp("wheel-cache")
    lock = cache / "requirements.txt"
    lock.write_text(orjson_lock)
    for arch in ("x86_64", "arm64"):
        ensure_wheels(cache, Target("3.12", arch), read_lock(lock, "lock", "3.12", arch), "fixture")
    return cache


def lock_text(requirements: list[str], pins: dict[str, list[str]], runtime: str = "python3.12") -> str:
    """A lock as `make lock` writes it: the header recording `requirements`, then hashed pins."""
    body = "".join(f"{pin} \\\n" + " \\\n".join(f"    --hash=sha256:{h}" for h in hashes) + "\n"
                   for pin, hashes in pins.items())
    return lock_header(runtime, [Requirement(r) for r in requirements]) + body


def make_wheel(directory: Path, name: str, version: str, files: dict[str, str]) -> Path:
    """A real pure-Python wheel (py3-none-any) holding `files`, with the dist-info a wheel needs."""
    dist_info = f"{name}-{version}.dist-info"
    members = {**files, f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
               f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for member, text in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        writer.writerow([member, f"sha256={digest}", len(text.encode())])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    path = directory / f"{name}-{version}-py3-none-any.whl"
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in [*members.items(), (f"{dist_info}/RECORD", record.getvalue())]:
            archive.writestr(member, text)
    return path


def seed_wheel(cache: Path, wheel: Path, target: Target) -> str:
    """Put a wheel into the build cache as if it had been downloaded for `target`; return its sha256."""
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    name, version = wheel.name.split("-")[:2]
    (cache / "wheels" / sha).mkdir(parents=True, exist_ok=True)
    (cache / "wheels" / sha / wheel.name).write_bytes(wheel.read_bytes())
    selection = cache / "selected" / target.key / f"{name.replace('_', '-')}=={version}"
    selection.parent.mkdir(parents=True, exist_ok=True)
    selection.write_text(sha + "\n")
    return sha


def fresh_cache(base: Path, wheel_cache: Path) -> Path:
    """A cache root that shares downloaded wheels but has its own trees and bytecode."""
    base.mkdir(parents=True)
    for part in ("wheels", "selected"):
        (base / part).symlink_to(wheel_cache / part)
    return base


@pytest.fixture
def repo(tmp_path: Path, wheel_cache: Path) -> Repo:
    return Repo(tmp_path / "repo", fresh_cache(tmp_path / "cache", wheel_cache))


@pytest.fixture
def offline_repo(tmp_path: Path) -> Repo:
    """For tests that need no wheels at all (no session download)."""
    return Repo(tmp_path / "repo", tmp_path / "cache")
