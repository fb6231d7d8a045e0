"""Install a lock's wheels for the Lambda target as ready-to-zip entries, cached by input.

Installing means unpacking: wheels are zips already laid out as site-packages, so the only work
is routing `.data/purelib|platlib`, dropping scripts (their shebangs name the build machine's
interpreter) and compiling bytecode. Members keep the compressed bytes they have in the
hash-pinned wheel (deterministic, and no time spent re-compressing them). The result, compressed, is kept per (pins, target, zip
prefix, bytecode, build-system version), so a lock that did not change costs nothing next time.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from atomic_files import publish_dir
from packaging.utils import parse_wheel_filename

from . import BUILD_SYSTEM_VERSION
from .bytecode import compile_sources, identity, pyc_arcname
from .errors import BuildError
from .lockfile import Pin
from .targets import Target
from .wheels import ensure_wheels
from .zipwriter import DEFLATED, STORED, Entry, compress

WORKERS = 2


def tree_key(pins: list[Pin], target: Target, prefix: str, lambda_root: str, bytecode: str, tests: bool,
             compiler: str) -> str:
    """Everything the tree's bytes depend on: the wheels (via the lock's hashes and the target), the zip
    prefix, the Lambda path recorded in bytecode, how bytecode ships, whether tests do, and the exact
    interpreter that compiles it (`bytecode.identity`; empty when nothing is compiled)."""
    material = {
        "build_system": BUILD_SYSTEM_VERSION,
        "compiler": compiler,
        "target": target.key,
        "prefix": prefix,
        "root": lambda_root,
        "bytecode": bytecode,
        "tests": tests,
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


@dataclass
class _Member:
    entry: Entry  # compressed exactly as in the wheel (no re-compression), or bytecode compressed here
    package: str
    source: bytes | None = None  # the text of .py files, which need compiling


def _raw_payload(handle: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes as stored in the wheel: reusing them is what makes installs cheap."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if header[:4] != b"PK\x03\x04" or info.flag_bits & 0x1:
        raise BuildError(f"{info.filename}: unreadable or encrypted wheel member")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    return handle.read(info.compress_size)


def _unpack(wheels: dict[str, Path], target: Target, prefix: str, tests: bool) -> dict[str, _Member]:
    """arcname -> member for every installed file (without dependencies' test suites unless `tests`)."""
    files: dict[str, _Member] = {}
    for name, wheel in sorted(wheels.items()):
        if target.priority(frozenset(parse_wheel_filename(wheel.name)[3])) is None:
            raise BuildError(f"{wheel.name} does not run on {target.describe()}")
        with zipfile.ZipFile(wheel) as archive, open(wheel, "rb") as handle:
            data_dir = next((n.split("/")[0] for n in archive.namelist() if n.split("/")[0].endswith(".data")), "")
            for info in archive.infolist():
                rel = _member_path(info.filename, data_dir or "\0")
                if rel is None or (not tests and _is_test_file(rel)):
                    continue
                if rel.startswith("/") or ".." in PurePosixPath(rel).parts:
                    raise BuildError(f"{wheel.name}: unsafe member path {info.filename!r}")
                arcname = prefix + rel
                if arcname in files and files[arcname].package != name:
                    raise BuildError(f"{rel} is installed by both {files[arcname].package} and {name}; drop one from the lock")
                executable = bool((info.external_attr >> 16) & 0o111)
                source = archive.read(info) if rel.endswith(".py") else None
                if info.compress_type in (STORED, DEFLATED):
                    entry = Entry(arcname, executable, info.CRC, info.file_size, info.compress_size, info.compress_type,
                                  payload=_raw_payload(handle, info))
                else:
                    entry = compress(arcname, source if source is not None else archive.read(info), executable)
                files[arcname] = _Member(entry, name, source)
    return files


def _is_test_file(arcname: str) -> bool:
    """Dependencies' own test suites: never imported on Lambda, so never compiled (and dropped on request)."""
    return any(part in ("tests", "test") for part in arcname.split("/")[:-1])


def _compile(files: dict[str, _Member], python: str, target: Target, root: str, only: bool) -> None:
    """Add unchecked-hash pycs for every .py; files that do not compile ship as source only.

    Beside the source in __pycache__/ (PEP 3147), or with `only` in the source's place as
    `module.pyc`, the one location Python imports sourceless bytecode from.
    """
    sources = [name for name, member in files.items() if member.source is not None and not _is_test_file(name)]
    results = compile_sources(python, [(f"{root}/{a}", files[a].source or b"") for a in sources], WORKERS)
    done = [(a, a[: -len(".py")] + ".pyc" if only else pyc_arcname(a, target.python_version), pyc, files[a].package)
            for a, (ok, pyc) in zip(sources, results, strict=True) if ok]
    with ThreadPoolExecutor(WORKERS) as pool:
        entries = pool.map(lambda job: compress(job[1], job[2], False), done)
        for (source, arcname, _, package), entry in zip(done, entries, strict=True):
            files[arcname] = _Member(entry, package)
            if only:
                del files[source]


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
    cache: Path, pins: list[Pin], target: Target, prefix: str, lambda_root: str, python: str | None, display: str,
    bytecode: str = "alongside", tests: bool = True,
) -> tuple[list[Entry], dict[str, str]]:
    """The installed dependencies as zip entries, from the tree cache or built now.

    `bytecode` is the artifact's dependency_bytecode; without an interpreter it is "none".
    """
    if python is None:
        bytecode = "none"
    key = tree_key(pins, target, prefix, lambda_root, bytecode, tests,
                   identity(python) if python is not None and bytecode != "none" else "")
    final = cache / "trees" / key
    if (final / "index.json").is_file():
        return load_tree(final)
    wheels = ensure_wheels(cache, target, pins, display)
    (cache / "tmp").mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(dir=cache / "tmp"))
    try:
        files = _unpack(wheels, target, prefix, tests)
        if python is not None and bytecode != "none":
            _compile(files, python, target, lambda_root, only=bytecode == "only")
        names = sorted(files)
        staging = workdir / "tree"
        staging.mkdir()
        rows, offset = [], 0
        with open(staging / "pack.bin", "wb") as pack:
            for entry in (files[name].entry for name in names):
                assert entry.payload is not None
                pack.write(entry.payload)
                rows.append([entry.arcname, int(entry.executable), entry.crc, entry.size, entry.csize, entry.method, offset])
                offset += entry.csize
        packages = {name: files[name].package for name in names}
        (staging / "index.json").write_text(json.dumps({"entries": rows, "packages": packages}))
        publish_dir(staging, final)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return load_tree(final)
