"""dist/manifest.json (docs/contracts.md §2): its model, its strict reader, its one writer.

build.py writes the file through `write`; the plan checker and the local stack read it through
`load`; tests build their manifests with `Manifest`/`Artifact` and `write`. Terraform reads the
same file, and tests/unit/pipeline_contract fails when its `artifact` types (locals.tf,
modules/lambda-function, modules/lambda-layer) or its format version disagree with this model.
Adding a field means: a field on `Artifact`, a value for it in lambda_build/manifest.py, and the
field in those Terraform types.
"""

# No `from __future__ import annotations`: Artifact's annotations stay real types, so the loader
# reads them without typing.get_type_hints (~2 ms that every no-op build would pay).
import json
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from atomic_files import write_bytes_atomic

from pipeline_contract.errors import ManifestError

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
DIRECT_UPLOAD_LIMIT = 52_428_800  # bytes: a larger zip cannot be uploaded directly and must go through S3
KINDS = ("function", "layer")
FIX = "run `make build`"


# NamedTuples, not dataclasses: as immutable and as typed, and a no-op build (which loads the
# manifest) does not pay the ~13 ms import of dataclasses.
class Artifact(NamedTuple):
    """One entry of the manifest: a zip build.py wrote and what Terraform needs to deploy it.

    `name` is the entry's key under "artifacts", not a field inside the entry; every other field
    is one key of the entry, written in the order declared here.
    """

    name: str
    kind: str  # one of KINDS
    path: str  # of the zip, relative to the repository root (the parent of dist/), "/"-separated
    source_code_hash: str  # filebase64sha256 of the zip
    zipped_bytes: int
    unzipped_bytes: int
    runtime: str
    architecture: str
    handler: str | None  # None for layers
    layers: tuple[str, ...]  # names of layer artifacts the function uses
    aws_services: tuple[str, ...]  # AWS APIs the code calls
    upload_via_s3: bool  # zipped_bytes > DIRECT_UPLOAD_LIMIT

    def entry(self) -> dict[str, object]:
        """The JSON object of this artifact, keys in declaration order (the bytes depend on content only)."""
        values = {name: getattr(self, name) for name in ENTRY_FIELDS}
        return {name: list(value) if isinstance(value, tuple) else value for name, value in values.items()}


def entry_types() -> dict[str, object]:
    """Each entry field's Python type, in file order (what the Terraform types are checked against)."""
    return {name: hint for name, hint in Artifact.__annotations__.items() if name != "name"}


# What a JSON value of each field type looks like, and how the loader recognises it. A field of a
# type missing here fails at import, so the loader can never silently accept an unchecked field.
_JSON_SHAPES: dict[object, tuple[str, Callable[[object], bool]]] = {
    str: ("a string", lambda v: isinstance(v, str)),
    int: ("an integer", lambda v: type(v) is int),
    bool: ("true or false", lambda v: type(v) is bool),
    str | None: ("a string or null", lambda v: v is None or isinstance(v, str)),
    tuple[str, ...]: ("a list of strings", lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v)),
}
_ENTRY_SHAPES = {name: _JSON_SHAPES[hint] for name, hint in entry_types().items()}
ENTRY_FIELDS = tuple(_ENTRY_SHAPES)


class Manifest(NamedTuple):
    """The whole file: every artifact by name, sorted. Build one with `Manifest.of` or `load`.

    `root` is the directory artifact paths are relative to (the repository root, parent of dist/),
    known for a manifest read from a file; it is not part of the file's content.
    """

    artifacts: Mapping[str, Artifact]
    root: Path | None = None

    @classmethod
    def of(cls, artifacts: Iterable[Artifact], root: Path | None = None) -> "Manifest":
        by_name: dict[str, Artifact] = {}
        for artifact in artifacts:
            if by_name.setdefault(artifact.name, artifact) is not artifact:
                raise ValueError(f"two artifacts named {artifact.name!r}")
        return cls(MappingProxyType(dict(sorted(by_name.items()))), root)

    def zip_path(self, artifact: Artifact) -> Path:
        if self.root is None:
            raise ValueError("a manifest that was not loaded from a file has no root for its zip paths")
        return self.root / artifact.path


def dumps(manifest: Manifest) -> bytes:
    """The file's bytes: artifacts sorted by name, each entry's keys in a fixed order."""
    artifacts = sorted(manifest.artifacts.values(), key=lambda a: a.name)
    body = {"format_version": FORMAT_VERSION, "artifacts": {a.name: a.entry() for a in artifacts}}
    return (json.dumps(body, indent=2) + "\n").encode()


def write(path: Path, manifest: Manifest) -> None:
    """Write atomically: Terraform and the tools see the previous manifest or this one, never a prefix."""
    write_bytes_atomic(path, dumps(manifest))


def _error(path: Path, problem: str) -> ManifestError:
    return ManifestError(f"manifest {path} {problem}: {FIX}")


def from_entry(name: str, entry: object, path: Path) -> Artifact:
    """One entry, validated like `load` does (the build state of lambda_build keeps entries too)."""
    if not isinstance(entry, dict):
        raise _error(path, f"artifact {name!r} is not a JSON object")
    unknown = sorted(set(entry) - set(ENTRY_FIELDS))
    if unknown:
        raise _error(path, f"artifact {name!r} has unknown field {unknown[0]!r} (this checkout knows {', '.join(ENTRY_FIELDS)})")
    for key, (shape, matches) in _ENTRY_SHAPES.items():
        if key not in entry or not matches(entry[key]):
            raise _error(path, f"artifact {name!r} has no valid {key!r} (expected {shape})")
    if entry["kind"] not in KINDS:
        raise _error(path, f"artifact {name!r} has kind {entry['kind']!r}, not {' or '.join(KINDS)}")
    values: dict[str, Any] = {key: tuple(value) if isinstance(value, list) else value for key, value in entry.items()}
    return Artifact(name=name, **values)


def load(path: Path) -> Manifest:
    """Read and validate the manifest at `path`; ManifestError (one line, with the fix) when it breaks the contract."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise _error(path, "not found") from None
    except OSError as exc:
        raise _error(path, f"cannot be read ({exc.strerror})") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise _error(path, f"is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _error(path, "is not a JSON object")
    if data.get("format_version") != FORMAT_VERSION:
        raise _error(path, f"is not format_version {FORMAT_VERSION} (it has {data.get('format_version')!r}; docs/contracts.md §2)")
    unknown = sorted(set(data) - {"format_version", "artifacts"})
    if unknown:
        raise _error(path, f"has unknown field {unknown[0]!r} (only format_version and artifacts)")
    artifacts = data.get("artifacts")
    if not isinstance(artifacts, dict):
        raise _error(path, "has no 'artifacts' object")
    root = path.resolve().parent.parent
    return Manifest.of((from_entry(name, entry, path) for name, entry in artifacts.items()), root)


class ZipState(Enum):
    """How a zip on disk compares with the hash the manifest (or the build state) records for it."""

    CURRENT = "current"
    MISSING = "missing"
    CHANGED = "changed"


def zip_state(zip_path: Path, artifact: Artifact) -> ZipState:
    """The one stale-zip check: is the file at `zip_path` still the zip `artifact` describes?"""
    from pipeline_contract.artifact_hash import filebase64sha256  # not needed by a no-op build

    if not zip_path.is_file():
        return ZipState.MISSING
    return ZipState.CURRENT if filebase64sha256(zip_path) == artifact.source_code_hash else ZipState.CHANGED
