"""Fetch the exact wheels a lock pins, for the Lambda target, into a content-addressed cache.

pip does the downloading (it honours the machine's index configuration and checks hashes);
everything after that is offline: a wheel is found again by the sha256 the lock already lists,
and the choice pip made for a target is remembered so later builds pick the same file.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from atomic_files import write_bytes_atomic
from packaging.utils import canonicalize_name, parse_wheel_filename

from .errors import BuildError
from .lockfile import Pin
from .targets import Target


def _wheel_dir(cache: Path, sha: str) -> Path:
    return cache / "wheels" / sha


def _selection_file(cache: Path, target: Target, pin: Pin) -> Path:
    return cache / "selected" / target.key / f"{pin.name}=={pin.version}"


def cached_wheel(cache: Path, target: Target, pin: Pin) -> Path | None:
    """The wheel pip chose earlier for this pin and target, if it is still in the cache."""
    selection = _selection_file(cache, target, pin)
    if not selection.is_file():
        return None
    sha = selection.read_text().strip()
    if sha not in pin.hashes:
        return None
    files = list(_wheel_dir(cache, sha).glob("*.whl"))
    return files[0] if len(files) == 1 else None


def _pip_error(stderr: str, missing: list[Pin], target: Target, display: str) -> BuildError:
    by_name = {p.name: p for p in missing}
    found = re.search(r"No matching distribution found for ([A-Za-z0-9._-]+)", stderr)
    if found:
        pin = by_name.get(canonicalize_name(found.group(1)))
        what = f"{pin.name}=={pin.version}" if pin else found.group(1)
        return BuildError(
            f"{display}: no wheel of {what} for {target.describe()} on the package index "
            "(unknown package or version, or source-only); pin a version that has a manylinux wheel and run `make lock`"
        )
    if "DO NOT MATCH THE HASHES" in stderr:
        bad = re.search(r"^\s+([A-Za-z0-9._-]+==\S+) from ", stderr, re.MULTILINE)
        what = bad.group(1) if bad else "a downloaded wheel"
        return BuildError(f"{display}: {what} does not match the lock's hashes; run `make lock`")
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip().startswith("ERROR")]
    reason = lines[-1] if lines else "pip download failed"
    return BuildError(f"{display}: {reason}")


def _download(missing: list[Pin], target: Target, workdir: Path, display: str) -> None:
    requirements = workdir / "requirements.txt"
    requirements.write_text(
        "".join(
            f"{p.name}=={p.version} " + " ".join(f"--hash=sha256:{h}" for h in sorted(p.hashes)) + "\n"
            for p in missing
        )
    )
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--dest", str(workdir / "out"), "--no-deps", "--only-binary=:all:", "--require-hashes",
        "--implementation", "cp", "--python-version", target.python_version,
        "--abi", f"cp{target.python_version.replace('.', '')}",
        *[arg for platform in target.platforms for arg in ("--platform", platform)],
        "-r", str(requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise _pip_error(result.stderr, missing, target, display)


def ensure_wheels(cache: Path, target: Target, pins: list[Pin], display: str) -> dict[str, Path]:
    """Canonical name -> cached wheel path for every pin, downloading only what is missing."""
    found: dict[str, Path] = {}
    missing: list[Pin] = []
    for pin in pins:
        wheel = cached_wheel(cache, target, pin)
        if wheel is None:
            missing.append(pin)
        else:
            found[pin.name] = wheel
    if not missing:
        return found
    (cache / "tmp").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache / "tmp") as tmp:
        workdir = Path(tmp)
        _download(missing, target, workdir, display)
        by_name = {p.name: p for p in missing}
        for wheel in sorted((workdir / "out").glob("*.whl")):
            name = canonicalize_name(parse_wheel_filename(wheel.name)[0])
            pinned = by_name.get(name)
            sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
            if pinned is None or sha not in pinned.hashes:
                raise BuildError(f"{display}: pip returned {wheel.name}, which the lock does not pin; run `make lock`")
            final = _wheel_dir(cache, sha) / wheel.name
            if not final.exists():
                write_bytes_atomic(final, wheel.read_bytes())
            write_bytes_atomic(_selection_file(cache, target, pinned), (sha + "\n").encode())
            found[name] = final
    absent = [p for p in missing if p.name not in found]
    if absent:
        raise BuildError(f"{display}: pip did not return a wheel for {absent[0].name}=={absent[0].version}")
    return found
