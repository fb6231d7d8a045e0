"""Install a lock's wheels for the Lambda target as ready-to-zip entries, cached by input.

Installing means unpacking: wheels are zips already laid out as site-packages, so the only work
is routing `.data/purelib|platlib`, dropping scripts (their shebangs name the build machine's
interpreter) and compiling bytecode. The result, compressed, is kept per (pins, target, zip
prefix, bytecode, build-system version), so a lock that did not change costs nothing next time.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from packaging.utils import parse_wheel_filename

from . import BUILD_SYSTEM_VERSION
from .bytecode import compile_files, pyc_arcname
from .cache import publish_dir
from .errors import BuildError
from .lockfile import Pin
from .targets import Target
from .wheels import ensure_wheels
from .zipwriter import Entry, compress

WORKERS = 2


def tree_key(pins: list[Pin], target: Target, prefix: str, lambda_root: str, bytecode: bool) -> str:
    material = {
        "build_system": BUILD_SYSTEM_VERSION,
        "target": target.key,
        "prefix": prefix,
        "root": lambda_root,
        "bytecode": bytecode,
        "pins": sorted([p.name, p.version, sorted(p.hashes)] for p in pins),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _member_path(member: str, data_dir: str) -> str | None:
    """Where a wheel member goes in site-packages, or None for parts Lambda does not use."""
    if member.endswith("/") or "/__pycache__/" in f"/{member}" or member.endswith(".pyc"):
        return None
    if member.startswith(data_dir + "/"):
        scheme, _, rest = member[len(data_dir) + 1 :].partition("/")
        return rest if scheme in ("purelib", "platlib") and rest else None
    return member


def _unpack(wheels: dict[str, Path], target: Target, prefix: str) -> dict[str, tuple[bytes, bool, str]]:
    """arcname -> (content, executable, package) of every installed file."""
    files: dict[str, tuple[bytes, bool, str]] = {}
    for name, wheel in sorted(wheels.items()):
        priority = target.priority(frozenset(parse_wheel_filename(wheel.name)[3]))
        if priority is None:
            raise BuildError(f"{wheel.name} does not run on {target.describe()}")
        with zipfile.ZipFile(wheel) as archive:
            data_dir = next((n.split("/")[0] for n in archive.namelist() if n.split("/")[0].endswith(".data")), "")
            for info in archive.infolist():
                rel = _member_path(info.filename, data_dir or "\0")
                if rel is None:
                    continue
                if rel.startswith("/") or ".." in PurePosixPath(rel).parts:
                    raise BuildError(f"{wheel.name}: unsafe member path {info.filename!r}")
                arcname = prefix + rel
                if arcname in files and files[arcname][2] != name:
                    raise BuildError(f"{rel} is installed by both {files[arcname][2]} and {name}; drop one from the lock")
                files[arcname] = (archive.read(info), bool((info.external_attr >> 16) & 0o111), name)
    return files


def _compile(files: dict[str, tuple[bytes, bool, str]], workdir: Path, python: str, target: Target, root: str) -> None:
    """Add unchecked-hash pycs next to every .py; files that do not compile ship without one."""
    sources = [name for name in files if name.endswith(".py")]
    jobs = []
    for arcname in sources:
        source = workdir / "src" / arcname
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_bytes(files[arcname][0])
        cfile = workdir / "pyc" / pyc_arcname(arcname, target.python_version)
        jobs.append((str(source), str(cfile), f"{root}/{arcname}"))
    failures = {dfile for dfile, _ in compile_files(python, jobs, WORKERS)}
    for arcname, (_, cfile, dfile) in zip(sources, jobs, strict=True):
        if dfile not in failures:
            files[pyc_arcname(arcname, target.python_version)] = (Path(cfile).read_bytes(), False, files[arcname][2])


def load_tree(directory: Path) -> tuple[list[Entry], dict[str, str]]:
    """Entries of a cached tree (payloads stay on disk) and arcname -> package."""
    index = json.loads((directory / "index.json").read_text())
    pack = directory / "pack.bin"
    entries = [
        Entry(arcname, bool(executable), crc, size, csize, method, pack=pack, offset=offset)
        for arcname, executable, crc, size, csize, method, offset in index["entries"]
    ]
    return entries, index["packages"]


def build_tree(
    cache: Path, pins: list[Pin], target: Target, prefix: str, lambda_root: str, python: str | None, display: str
) -> tuple[list[Entry], dict[str, str]]:
    """The installed dependencies as zip entries, from the tree cache or built now."""
    key = tree_key(pins, target, prefix, lambda_root, python is not None)
    final = cache / "trees" / key
    if (final / "index.json").is_file():
        return load_tree(final)
    wheels = ensure_wheels(cache, target, pins, display)
    (cache / "tmp").mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(dir=cache / "tmp"))
    try:
        files = _unpack(wheels, target, prefix)
        if python is not None:
            _compile(files, workdir, python, target, lambda_root)
        names = sorted(files)
        with ThreadPoolExecutor(WORKERS) as pool:
            compressed = list(pool.map(lambda n: compress(n, files[n][0], files[n][1]), names))
        staging = workdir / "tree"
        staging.mkdir()
        rows, offset = [], 0
        with open(staging / "pack.bin", "wb") as pack:
            for entry in compressed:
                assert entry.payload is not None
                pack.write(entry.payload)
                rows.append([entry.arcname, int(entry.executable), entry.crc, entry.size, entry.csize, entry.method, offset])
                offset += entry.csize
        packages = {name: files[name][2] for name in names}
        (staging / "index.json").write_text(json.dumps({"entries": rows, "packages": packages}))
        publish_dir(staging, final)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return load_tree(final)
