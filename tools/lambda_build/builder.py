"""Build one artifact's zip: its own files (+ their bytecode) merged with its dependency tree."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from atomic_files import write_bytes_atomic
from pipeline_contract.manifest import Artifact

from . import manifest
from .bytecode import cache_tag, compile_sources, interpreter, pyc_arcname
from .config import ArtifactConfig
from .deptree import build_tree
from .errors import BuildError
from .handler_check import check_handler
from .lockfile import Pin, check_fresh, direct_requirements, read_lock
from .sources import SourceFile
from .targets import Target
from .zipwriter import Entry, compress, write_zip

RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})
SOURCE_PACKAGE = "(own code)"


@dataclass
class Built:
    """What the rest of the build needs to know about a finished zip."""

    name: str
    zip_path: Path
    artifact: Artifact  # its manifest entry
    bytecode: bool
    packages: dict[str, int] = field(default_factory=dict)  # package -> unzipped bytes
    seconds: float = 0.0


def display_dir(artifact: ArtifactConfig) -> str:
    return f"{artifact.kind}s/{artifact.name}"


def pins_for(artifact: ArtifactConfig) -> list[Pin]:
    """The lock's pins for the target, checked fresh; runtime-provided packages dropped unless opted in."""
    directory, display = artifact.directory, display_dir(artifact)
    requirements_in = directory / "requirements.in"
    lock = directory / "requirements.txt"
    direct = direct_requirements(requirements_in, f"{display}/requirements.in") if requirements_in.is_file() else None
    if not lock.is_file() and not direct:
        return []
    pins = read_lock(lock, f"{display}/requirements.txt", artifact.python_version, artifact.architecture)
    if direct is not None:
        check_fresh(direct, f"{display}/requirements.in", lock.read_text(encoding="utf-8"), f"{display}/requirements.txt",
                    pins, artifact.python_version, artifact.architecture)
    if not artifact.include_boto3:
        pins = [p for p in pins if p.name not in RUNTIME_PROVIDED]
    return pins


def _source_entries(
    artifact: ArtifactConfig, sources: list[SourceFile], python: str | None, cache: Path
) -> tuple[list[Entry], dict[str, bytes]]:
    """Own files plus their bytecode; pycs are cached by content and Lambda path, so only edits recompile."""
    prefix, display = artifact.arcname_prefix, display_dir(artifact)
    entries: list[Entry] = []
    python_files: dict[str, bytes] = {}
    pending: list[tuple[str, Path, str, bytes]] = []  # pyc arcname, cache path, Lambda path, source
    for source in sources:
        arcname = prefix + source.rel
        data = source.path.read_bytes()
        entries.append(compress(arcname, data, source.executable))
        if not arcname.endswith(".py"):
            continue
        python_files[arcname] = data
        if python is None:
            continue
        dfile = f"{artifact.lambda_root}/{arcname}"
        key = hashlib.sha256(f"{source.sha256}\0{dfile}\0{cache_tag(artifact.python_version)}".encode()).hexdigest()
        cached = cache / "pyc" / key[:2] / f"{key}.pyc"
        pyc_name = pyc_arcname(arcname, artifact.python_version)
        if cached.is_file():
            entries.append(compress(pyc_name, cached.read_bytes(), False))
        else:
            pending.append((pyc_name, cached, dfile, data))
    if python is not None and pending:
        results = compile_sources(python, [(dfile, data) for _, _, dfile, data in pending])
        for (pyc_name, cached, dfile, _), (ok, blob) in zip(pending, results, strict=True):
            if not ok:
                rel = dfile.removeprefix(artifact.lambda_root + "/")
                raise BuildError(f"{display}: {rel}: does not compile: {blob.decode(errors='replace')}")
            write_bytes_atomic(cached, blob)
            entries.append(compress(pyc_name, blob, False))
    return entries, python_files


def build(artifact: ArtifactConfig, sources: list[SourceFile], cache: Path, staging: Path) -> Built:
    """Write the artifact's zip into `staging` and describe it; raise BuildError on bad input."""
    display = display_dir(artifact)
    pins = pins_for(artifact)
    python = interpreter(artifact.python_version)
    target = Target(artifact.python_version, artifact.architecture)
    dep_entries, dep_packages = (
        build_tree(cache, pins, target, artifact.arcname_prefix, artifact.lambda_root, python, display,
                   artifact.dependency_bytecode, artifact.dependency_tests)
        if pins
        else ([], {})
    )
    own_entries, python_files = _source_entries(artifact, sources, python, cache)
    clash = {e.arcname for e in own_entries} & set(dep_packages)
    if clash:
        first = sorted(clash)[0]
        raise BuildError(f"{display}: {first} is both a source file and part of dependency {dep_packages[first]}; rename it")
    if artifact.handler is not None and not any(f in dep_packages for f in _handler_files(artifact.handler)):
        check_handler(artifact.handler, python_files, display)
    entries = own_entries + dep_entries
    zip_path = staging / f"{artifact.name}.zip"
    digest = write_zip(zip_path, entries)
    zipped = zip_path.stat().st_size
    packages: dict[str, int] = {}
    for e in entries:
        owner = dep_packages.get(e.arcname, SOURCE_PACKAGE)
        packages[owner] = packages.get(owner, 0) + e.size
    unzipped = sum(e.size for e in entries)
    return Built(artifact.name, zip_path, manifest.artifact(artifact, digest, zipped, unzipped), python is not None, packages)


def _handler_files(handler: str) -> list[str]:
    path = handler.rpartition(".")[0].replace(".", "/")
    return [f"{path}.py", f"{path}/__init__.py"]
