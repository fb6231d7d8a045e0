"""Compile .pyc for the target Python, deterministically and usable on a read-only filesystem.

The host interpreter may be another version (its bytecode would be ignored on Lambda), and
default pycs embed source mtimes. So: the target interpreter, PEP 552 unchecked-hash pycs (no
mtime, never re-validated on Lambda), the Lambda path as the recorded file name, a fixed hash
seed (set constants are ordered by hash), optimisation level 0. Sources and pycs travel through
pipes, not files: a dependency tree has hundreds of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from python_finder import find_python

from .errors import BuildError

# What py_compile does for PycInvalidationMode.UNCHECKED_HASH, framed over stdin/stdout.
_SCRIPT = """
import importlib.util, marshal, struct, sys
data, out, pos = sys.stdin.buffer.read(), sys.stdout.buffer, 0
while pos < len(data):
    (n,) = struct.unpack_from("<I", data, pos); dfile = data[pos + 4 : pos + 4 + n].decode(); pos += 4 + n
    (n,) = struct.unpack_from("<I", data, pos); source = data[pos + 4 : pos + 4 + n]; pos += 4 + n
    try:
        code = compile(source, dfile, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError) as exc:
        blob, ok = f"{type(exc).__name__}: {exc}".encode(), 0
    else:
        blob, ok = importlib.util.MAGIC_NUMBER + struct.pack("<I", 1) + importlib.util.source_hash(source) + marshal.dumps(code), 1
    out.write(struct.pack("<BI", ok, len(blob)) + blob)
"""


@lru_cache(maxsize=8)
def interpreter(python_version: str) -> str | None:
    """The target interpreter, searched once per process (searching spawns processes, pyenv among them)."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == python_version and sys.implementation.name == "cpython":
        return sys.executable
    return find_python(python_version)


# What decides a pyc's bytes besides its source, asked of the target interpreter itself.
_IDENTITY = "import importlib.util, sys; print(importlib.util.MAGIC_NUMBER.hex(), sys.version)"
OPTIMIZE = 0  # compile()'s level in _SCRIPT; part of every cache key


@lru_cache(maxsize=8)
def identity(python: str) -> str:
    """Magic number and exact build of `python`: two interpreters that differ here may compile differently."""
    if python == sys.executable:
        import importlib.util

        return f"{importlib.util.MAGIC_NUMBER.hex()} {sys.version}"
    result = subprocess.run([python, "-I", "-S", "-c", _IDENTITY], capture_output=True, text=True, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        raise BuildError(f"bytecode compiler ({python}) does not run: {result.stderr.strip()[-200:]}")
    return result.stdout.strip()


def cache_key(source: bytes, dfile: str, python: str) -> str:
    """Key of the pyc of exactly these source bytes, recorded as `dfile`, compiled by `python` at OPTIMIZE."""
    material = ["pyc-2", hashlib.sha256(source).hexdigest(), dfile, identity(python), OPTIMIZE]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()


def cache_tag(python_version: str) -> str:
    return "cpython-" + python_version.replace(".", "")


def pyc_arcname(source_arcname: str, python_version: str) -> str:
    """PEP 3147 location of the bytecode of `source_arcname`."""
    head, _, filename = source_arcname.rpartition("/")
    stem = filename[: -len(".py")]
    prefix = head + "/" if head else ""
    return f"{prefix}__pycache__/{stem}.{cache_tag(python_version)}.pyc"


def _run(python: str, jobs: list[tuple[str, bytes]]) -> list[tuple[bool, bytes]]:
    payload = b"".join(
        struct.pack("<I", len(d := dfile.encode())) + d + struct.pack("<I", len(source)) + source
        for dfile, source in jobs
    )
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run([python, "-I", "-S", "-c", _SCRIPT], input=payload, capture_output=True, env=env, check=False)
    if result.returncode != 0:
        last = result.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise BuildError(f"bytecode compiler ({python}) failed: {last}")
    out, pos = [], 0
    data = result.stdout
    while pos < len(data):
        ok, size = struct.unpack_from("<BI", data, pos)
        out.append((bool(ok), data[pos + 5 : pos + 5 + size]))
        pos += 5 + size
    if len(out) != len(jobs):
        raise BuildError(f"bytecode compiler ({python}) returned {len(out)} results for {len(jobs)} files")
    return out


def compile_sources(python: str, jobs: list[tuple[str, bytes]], workers: int = 1) -> list[tuple[bool, bytes]]:
    """(Lambda path, source) -> (True, pyc bytes) or (False, error message), in order."""
    if not jobs:
        return []
    if workers <= 1 or len(jobs) < 100:
        return _run(python, jobs)
    chunks = [jobs[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        parts = list(pool.map(lambda chunk: _run(python, chunk), chunks))
    merged: list[tuple[bool, bytes]] = [(False, b"")] * len(jobs)
    for index, part in enumerate(parts):
        merged[index::workers] = part
    return merged
