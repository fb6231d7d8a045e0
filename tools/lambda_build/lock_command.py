"""`lock`: regenerate each named artifact's requirements.txt from its requirements.in with pip-tools.

pip-compile runs in the artifact directory with relative paths and without its own header (which
names the command line and Python that ran it); the header is written here instead, from the
runtime and the requirements parsed out of requirements.in, so the same inputs give the same file
on any machine and the build can tell when requirements.in changed since (lockfile.py).
"""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from collections.abc import Callable

from atomic_files import write_bytes_atomic
from packaging.requirements import InvalidRequirement, Requirement

from .config import ArtifactConfig
from .errors import BuildError
from .lockfile import direct_requirements, lock_header

# --only-binary: the build never builds from source, so neither may the lock (nor run a package's
# setup code to learn its dependencies); a version without a wheel is refused here already.
PIP_COMPILE_FLAGS = [
    "--quiet", "--generate-hashes", "--allow-unsafe", "--strip-extras", "--no-header", "--no-emit-index-url",
    "--no-emit-find-links", "--no-emit-trusted-host", "--no-emit-options", "--pip-args", "--only-binary=:all:",
]
_NOT_FOUND = re.compile(r"No matching distribution found for (\S+)")
_VERSIONS = re.compile(r"\(from versions: ([^)]*)\)")
_EXCEPTION_NAME = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|NotFound|Candidate)\w*: ")


def select(artifacts: dict[str, ArtifactConfig], names: list[str]) -> list[ArtifactConfig]:
    """Exactly the named artifacts (all when none): a function's layers have locks of their own."""
    unknown = [n for n in names if n not in artifacts]
    if unknown:
        raise BuildError(f"unknown artifact {unknown[0]!r}; known: {', '.join(sorted(artifacts)) or 'none'}")
    return [artifacts[n] for n in sorted(set(names or artifacts))]


def lock(artifacts: list[ArtifactConfig], upgrade: bool, progress: Callable[[str], None]) -> list[str]:
    """Lock every artifact that has a requirements.in; return the names locked."""
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    locked = []
    for artifact in artifacts:
        display = f"{artifact.kind}s/{artifact.name}"
        requirements_in = artifact.directory / "requirements.in"
        if not requirements_in.is_file():
            continue
        if artifact.python_version != running:
            raise BuildError(
                f"{display}: locks for {artifact.runtime} must be made by Python {artifact.python_version}; "
                f"this is Python {running} (run through .venv of that version)"
            )
        requirements = direct_requirements(requirements_in, f"{display}/requirements.in")
        command = [sys.executable, "-m", "piptools", "compile", *PIP_COMPILE_FLAGS]
        if upgrade:
            command.append("--upgrade")
        command += ["--output-file", "requirements.txt", "requirements.in"]
        progress(f"locking {display}/requirements.txt ...")
        result = subprocess.run(command, cwd=artifact.directory, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BuildError(f"{display}: pip-compile failed: {pip_compile_reason(result.stderr)}")
        lock_file = artifact.directory / "requirements.txt"
        body = lock_file.read_text(encoding="utf-8")
        write_bytes_atomic(lock_file, (lock_header(artifact.runtime, requirements) + body).encode())
        locked.append(artifact.name)
    return locked


def pip_compile_reason(stderr: str) -> str:
    """What went wrong, in one line and in the build's words, never a pip exception class name.

    pip-compile resolves for this machine (its Python and manylinux platform), so a requirement
    it cannot satisfy is named with that platform, with the versions that do have a wheel.
    """
    found = _NOT_FOUND.search(stderr)
    if found:
        try:
            requirement = Requirement(found.group(1))
            exact = [s.version for s in requirement.specifier if s.operator == "=="]
            what = f"{requirement.name} {exact[0]}" if len(exact) == 1 else str(requirement)
        except InvalidRequirement:
            what = found.group(1)
        versions = _VERSIONS.search(stderr)
        have = [v for v in (versions.group(1).split(", ") if versions else []) if v and v != "none"]
        wheel = f"cp{sys.version_info[0]}{sys.version_info[1]} wheel for {what} on manylinux {platform.machine()}"
        return (f"no {wheel} (versions with one: {', '.join(have[-3:])}); change requirements.in" if have
                else f"no {wheel} on the package index (unknown package, or no wheels at all); change requirements.in")
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and "WARNING" not in ln]
    return _EXCEPTION_NAME.sub("", lines[-1]) if lines else "see pip-compile's output"
