"""Load and validate `functions/<name>/function.toml` and `layers/<name>/layer.toml`.

Every mistake is caught here, before anything is downloaded or written, with a message naming
the file and the key: a typo'd key silently ignored would ship a different artifact than the
author thinks.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

from .errors import BuildError
from .runtimes import ARCHITECTURES, RUNTIMES

# How dependencies' modules ship (docs/build.md, "Size or cold start"): .py plus __pycache__ pyc
# (default), the pyc alone in place of the .py (smaller; no source in tracebacks), or .py alone.
DEPENDENCY_BYTECODE = ("alongside", "only", "none")

FUNCTION_FILE = "function.toml"
LAYER_FILE = "layer.toml"
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_HANDLER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+\Z")

# key -> (type, default); `None` default means required.
_COMMON: dict[str, tuple[type, Any]] = {
    "runtime": (str, "python3.12"),
    "architecture": (str, "x86_64"),
    "include": (list, ["**/*"]),
    "exclude": (list, ["tests/**"]),
    "include_boto3": (bool, False),
    "dependency_tests": (bool, True),
    "dependency_bytecode": (str, "alongside"),
}
_FUNCTION: dict[str, tuple[type, Any]] = {
    "handler": (str, None),
    "layers": (list, []),
    "aws_services": (list, []),
    **_COMMON,
}
_SCHEMAS = {"function": _FUNCTION, "layer": _COMMON}


class ArtifactConfig(NamedTuple):
    """One function or layer as declared by its TOML file (a NamedTuple: dataclasses cost a no-op build ~6 ms)."""

    name: str
    kind: str  # "function" | "layer"
    directory: Path
    config_path: Path
    runtime: str
    architecture: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    include_boto3: bool
    handler: str | None = None
    layers: tuple[str, ...] = ()
    aws_services: tuple[str, ...] = ()
    dependency_tests: bool = True  # ship the test suites inside dependencies (false: smaller zips)
    dependency_bytecode: str = "alongside"  # one of DEPENDENCY_BYTECODE: the size/cold-start choice

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def arcname_prefix(self) -> str:
        """Lambda extracts layers to /opt and imports from /opt/python."""
        return "python/" if self.kind == "layer" else ""

    @property
    def lambda_root(self) -> str:
        """Where the zip's root lands on Lambda; recorded in bytecode for tracebacks."""
        return "/opt" if self.kind == "layer" else "/var/task"


def _check_value(where: str, key: str, value: Any, kind: type) -> None:
    if kind is bool and not isinstance(value, bool):
        raise BuildError(f"{where}: `{key}` must be true or false, got {value!r}")
    if kind is str and not isinstance(value, str):
        raise BuildError(f'{where}: `{key}` must be a string, e.g. {key} = "..."; got {value!r}')
    if kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise BuildError(f'{where}: `{key}` must be a list of strings, e.g. {key} = ["..."]; got {value!r}')


def load_artifact(config_path: Path, kind: str, display: str) -> ArtifactConfig:
    """Parse one config file; `display` is the repo-relative path used in messages."""
    schema = _SCHEMAS[kind]
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{display}: invalid TOML: {exc}") from None
    unknown = sorted(set(raw) - set(schema))
    if unknown:
        raise BuildError(f"{display}: unknown key `{unknown[0]}`; allowed keys: {', '.join(sorted(schema))}")
    values: dict[str, Any] = {}
    for key, (kind_of, default) in schema.items():
        if key not in raw:
            if default is None:
                raise BuildError(f'{display}: missing required key `{key}` (e.g. {key} = "app.handler")')
            values[key] = tuple(default) if isinstance(default, list) else default
            continue
        _check_value(display, key, raw[key], kind_of)
        values[key] = tuple(raw[key]) if kind_of is list else raw[key]
    if values["runtime"] not in RUNTIMES:
        raise BuildError(f"{display}: runtime {values['runtime']!r} is not supported; use one of {', '.join(RUNTIMES)}")
    if values["dependency_bytecode"] not in DEPENDENCY_BYTECODE:
        raise BuildError(f"{display}: dependency_bytecode {values['dependency_bytecode']!r} is invalid; use one of "
                         f"{', '.join(DEPENDENCY_BYTECODE)}")
    if values["architecture"] not in ARCHITECTURES:
        raise BuildError(f"{display}: architecture {values['architecture']!r} is invalid; use x86_64 or arm64")
    if kind == "function" and not _HANDLER.match(values["handler"]):
        raise BuildError(f"{display}: handler {values['handler']!r} must look like module.function, e.g. app.handler")
    name = config_path.parent.name
    if not _NAME.match(name):
        raise BuildError(f"{display}: artifact name {name!r} may only use letters, digits, '-' and '_' (max 64)")
    return ArtifactConfig(name=name, kind=kind, directory=config_path.parent, config_path=config_path, **values)


def discover(root: Path) -> dict[str, ArtifactConfig]:
    """All artifacts of the repository at `root`, validated together (names, layer references)."""
    found: dict[str, ArtifactConfig] = {}
    for kind, folder, filename in (("function", "functions", FUNCTION_FILE), ("layer", "layers", LAYER_FILE)):
        base = root / folder
        if not base.is_dir():
            continue
        for directory in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))):
            config_path = directory / filename
            display = f"{folder}/{directory.name}/{filename}"
            if not config_path.is_file():
                raise BuildError(f"{folder}/{directory.name}/ has no {filename}; add one (see docs/build.md)")
            artifact = load_artifact(config_path, kind, display)
            if artifact.name in found:
                other = found[artifact.name]
                raise BuildError(
                    f"name clash: {folder}/{artifact.name} and {other.kind}s/{other.name} would both build "
                    f"dist/{artifact.name}.zip; rename one"
                )
            found[artifact.name] = artifact
    _check_layer_references(found)
    return found


def _check_layer_references(artifacts: dict[str, ArtifactConfig]) -> None:
    for artifact in artifacts.values():
        where = f"functions/{artifact.name}/{FUNCTION_FILE}"
        for layer_name in artifact.layers:
            layer = artifacts.get(layer_name)
            if layer is None or layer.kind != "layer":
                known = sorted(a.name for a in artifacts.values() if a.kind == "layer")
                raise BuildError(f"{where}: unknown layer {layer_name!r}; known layers: {', '.join(known) or 'none'}")
            if layer.architecture != artifact.architecture or layer.runtime != artifact.runtime:
                raise BuildError(
                    f"{where}: layer {layer_name!r} targets {layer.runtime}/{layer.architecture} but the function "
                    f"targets {artifact.runtime}/{artifact.architecture}; make them match"
                )
        if len(set(artifact.layers)) != len(artifact.layers):
            raise BuildError(f"{where}: a layer is listed twice in `layers`")
