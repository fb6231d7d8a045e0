"""Compile .pyc for the target Python, deterministically and usable on a read-only filesystem.

The host interpreter may be another version (its bytecode would be ignored on Lambda), and
default pycs embed source mtimes. So: the target interpreter, PEP 552 unchecked-hash pycs (no
mtime, never re-validated on Lambda), the Lambda path as the recorded file name, a fixed hash
seed (set constants are ordered by hash).
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from tooling.find_python import find_python

from .errors import BuildError

_SCRIPT = """
import json, py_compile, sys
failed = []
for src, cfile, dfile in json.load(sys.stdin):
    try:
        py_compile.compile(src, cfile=cfile, dfile=dfile, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except py_compile.PyCompileError as exc:
        failed.append([dfile, str(exc.exc_value)])
json.dump(failed, sys.stdout)
"""


@lru_cache(maxsize=8)
def interpreter(python_version: str) -> str | None:
    """The target interpreter, searched once per process (searching spawns processes)."""
    return find_python(python_version)


def cache_tag(python_version: str) -> str:
    return "cpython-" + python_version.replace(".", "")


def pyc_arcname(source_arcname: str, python_version: str) -> str:
    """PEP 3147 location of the bytecode of `source_arcname`."""
    head, _, filename = source_arcname.rpartition("/")
    stem = filename[: -len(".py")]
    prefix = head + "/" if head else ""
    return f"{prefix}__pycache__/{stem}.{cache_tag(python_version)}.pyc"


def _run(python: str, jobs: list[tuple[str, str, str]]) -> list[list[str]]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(
        [python, "-I", "-S", "-c", _SCRIPT], input=json.dumps(jobs), capture_output=True, text=True,
        env=env, check=False,
    )
    if result.returncode != 0:
        raise BuildError(f"bytecode compiler ({python}) failed: {result.stderr.strip().splitlines()[-1:]}")
    return json.loads(result.stdout)


def compile_files(python: str, jobs: list[tuple[str, str, str]], workers: int = 1) -> list[list[str]]:
    """Compile (source, pyc path, Lambda path) jobs; returns [Lambda path, error] of failures."""
    if not jobs:
        return []
    if workers <= 1 or len(jobs) < 200:
        return _run(python, jobs)
    chunks = [jobs[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        return [failure for part in pool.map(lambda c: _run(python, c), chunks) for failure in part]
