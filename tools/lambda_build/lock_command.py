"""`lock`: regenerate each artifact's requirements.txt from requirements.in with pip-tools.

Runs in the artifact directory with relative paths so the generated header names no path of
this machine, and with the flags that keep index/find-links settings out of the file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from .config import ArtifactConfig
from .errors import BuildError

PIP_COMPILE_FLAGS = [
    "--quiet", "--generate-hashes", "--allow-unsafe", "--strip-extras", "--no-emit-index-url",
    "--no-emit-find-links", "--no-emit-trusted-host",
]


def lock(artifacts: list[ArtifactConfig], upgrade: bool, progress: Callable[[str], None]) -> list[str]:
    """Lock every artifact that has a requirements.in; return the names locked."""
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    locked = []
    for artifact in artifacts:
        display = f"{artifact.kind}s/{artifact.name}"
        if not (artifact.directory / "requirements.in").is_file():
            continue
        if artifact.python_version != running:
            raise BuildError(
                f"{display}: locks for {artifact.runtime} must be made by Python {artifact.python_version}; "
                f"this is Python {running} (run through .venv of that version)"
            )
        command = [sys.executable, "-m", "piptools", "compile", *PIP_COMPILE_FLAGS]
        if upgrade:
            command.append("--upgrade")
        command += ["--output-file", "requirements.txt", "requirements.in"]
        progress(f"locking {display}/requirements.txt ...")
        env = {**os.environ, "CUSTOM_COMPILE_COMMAND": "make lock"}
        result = subprocess.run(command, cwd=artifact.directory, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            lines = [ln for ln in result.stderr.splitlines() if ln.strip() and "WARNING" not in ln]
            raise BuildError(f"{display}: pip-compile failed: {lines[-1].strip() if lines else 'see pip-compile output'}")
        locked.append(artifact.name)
    return locked
