"""Locate a CPython interpreter of a given version without assuming where it lives.

Lambda runs a specific Python (3.12 by default); build steps that compile
bytecode and the local stack's workers need that exact interpreter, which is
often installed beside the default one (pyenv, deadsnakes, uv) but not on PATH.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path


def _reports_version(executable: str, version: str) -> bool:
    try:
        out = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=20, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def _candidates(version: str) -> list[str]:
    names = [f"python{version}"]
    found = [p for p in (shutil.which(n) for n in names) if p]
    roots = [os.environ.get("PYENV_ROOT", ""), "~/.pyenv", "~/.local/share/uv/python"]
    pyenv = shutil.which("pyenv")
    if pyenv:
        out = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        roots.insert(0, out.stdout.strip())
    for root in filter(None, roots):
        base = Path(root).expanduser()
        pattern_sets = (f"versions/{version}.*/bin/python{version}", f"cpython-{version}.*/bin/python{version}")
        for pattern in pattern_sets:
            found.extend(sorted(glob.glob(str(base / pattern)), reverse=True))
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        found.insert(0, sys.executable)
    return found


def find_python(version: str) -> str | None:
    """Path of a working `python<version>`, or None when this machine has none."""
    for candidate in _candidates(version):
        if _reports_version(candidate, version):
            return candidate
    return None


def main(argv: list[str]) -> int:
    version = argv[0] if argv else "3.12"
    path = find_python(version)
    if path is None:
        print(f"error: no Python {version} found on PATH or under pyenv/uv; install CPython {version}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
