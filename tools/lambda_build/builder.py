"""Build one artifact's zip: its own files (+ their bytecode) merged with its dependency tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from atomic_files import write_bytes_atomic
from pipeline_contract.manifest import Artifact

from . import manifest
from .aws_limits import Sizes, largest
from .bytecode import cache_key, compile_sources, interpreter, pyc_arcname
from .config import ArtifactConfig
from .deptree import build_tree
from .errors import BuildError
from .handler_check import check_handler
from .lockfile import Pin, check_fresh, direct_requirements, read_lock
from .shadowing import top_level
from .sources import SourceFile
from .targets import Target
from .zipwriter import Entry, compress, stored_size, write_zip

RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer"})


@dataclass
class Built:
    """What the rest of the build needs to know about a finished zip."""

    name: str
    zip_path: Path
    artifact: Artifact  # its manifest entry
    bytecode: bool
    packages: Sizes = field(default_factory=dict)  # dependency -> [zipped, unzipped] bytes
    files: Sizes = field(default_factory=dict)  # the largest own files (repo path) -> [zipped, unzipped] bytes
    modules: dict[str, str] = field(default_factory=dict)  # importable top-level name -> who provides it
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
) -> tuple[list[Entry], dict[str, bytes], dict[str, str]]:
    """Own files plus their bytecode, all from the bytes `collect` read (never re-read from disk here).

    Pycs are cached under the hash of the very bytes compiled (and the interpreter), so only
    edits recompile and a cached pyc can never belong to other content than its key says.
    Also returns the .py sources by arcname, and the repo path each entry comes from (a pyc's
    is its source's).
    """
    prefix, display = artifact.arcname_prefix, display_dir(artifact)
    entries: list[Entry] = []
    python_files: dict[str, bytes] = {}
    owners: dict[str, str] = {}
    pending: list[tuple[str, Path, str, bytes]] = []  # pyc arcname, cache path, Lambda path, source
    for source in sources:
        arcname = prefix + source.rel
        entries.append(compress(arcname, source.data, source.executable))
        owners[arcname] = f"{display}/{source.rel}"
        if not arcname.endswith(".py"):
            continue
        python_files[arcname] = source.data
        if python is None:
            continue
        dfile = f"{artifact.lambda_root}/{arcname}"
        key = cache_key(source.data, dfile, python)
        cached = cache / "pyc" / key[:2] / f"{key}.pyc"
        pyc_name = pyc_arcname(arcname, artifact.python_version)
        owners[pyc_name] = owners[arcname]
        if cached.is_file():
            entries.append(compress(pyc_name, cached.read_bytes(), False))
        else:
            pending.append((pyc_name, cached, dfile, source.data))
    if python is not None and pending:
        results = compile_sources(python, [(dfile, data) for _, _, dfile, data in pending])
        for (pyc_name, cached, dfile, _), (ok, blob) in zip(pending, results, strict=True):
            if not ok:
                rel = dfile.removeprefix(artifact.lambda_root + "/")
                raise BuildError(f"{display}: {rel}: does not compile: {blob.decode(errors='replace')}")
            write_bytes_atomic(cached, blob)
            entries.append(compress(pyc_name, blob, False))
    return entries, python_files, owners


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
    own_entries, python_files, owners = _source_entries(artifact, sources, python, cache)
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
    packages: Sizes = {}
    files: Sizes = {}
    for e in entries:
        bucket, owner = (packages, dep_packages[e.arcname]) if e.arcname in dep_packages else (files, owners[e.arcname])
        sizes = bucket.setdefault(owner, [0, 0])
        sizes[0] += stored_size(e)
        sizes[1] += e.size
    unzipped = sum(e.size for e in entries)
    entry = manifest.artifact(artifact, digest, zipped, unzipped)
    modules = top_level((e.arcname for e in entries), artifact.arcname_prefix, dep_packages, display)
    return Built(artifact.name, zip_path, entry, python is not None, packages, largest(files, f"{display}/"), modules)


def _handler_files(handler: str) -> list[str]:
    path = handler.rpartition(".")[0].replace(".", "/")
    return [f"{path}.py", f"{path}/__init__.py"]
