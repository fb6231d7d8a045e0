"""The interface of every module of the set: variables, outputs and version requirements, read from HCL.

The module set is the root module (`.`) and each `modules/<name>/`. python-hcl2 reads the files: it
is the project's locked HCL parser already (module README tables use it), while HashiCorp's
terraform-config-inspect is a Go program that is not installed here and would need a Go toolchain.
Files come as text by path, so the working tree and a release tag (through git) are read alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from release.errors import ReleaseError
from release.tf_types import TfType, parse_type
from release.tf_versions import parse_constraint

ROOT_MODULE = "."
TERRAFORM = "terraform"  # the requirement on the Terraform CLI, beside the providers'
_PARSE_OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
# Only files that declare part of an interface are parsed (parsing is the slow part of the gate).
_DECLARES = re.compile(r"^\s*(variable|output|terraform)\b", re.M)


@dataclass(frozen=True)
class Variable:
    type_text: str
    type: TfType
    required: bool
    default: str  # canonical JSON of the default ("" when required), so defaults compare as values
    nullable: bool
    validations: tuple[str, ...]  # the conditions, whitespace collapsed


@dataclass(frozen=True)
class Output:
    sensitive: bool


@dataclass(frozen=True)
class Requirement:
    source: str  # "" for Terraform itself
    constraint: str


@dataclass(frozen=True)
class ModuleInterface:
    path: str
    variables: dict[str, Variable]
    outputs: dict[str, Output]
    requirements: dict[str, Requirement]


def module_of(path: str) -> str | None:
    """The module a file belongs to when it is one of the module's own .tf files, else None."""
    parts = path.split("/")
    if not parts[-1].endswith(".tf"):
        return None
    if len(parts) == 1:
        return ROOT_MODULE
    if len(parts) == 3 and parts[0] == "modules":
        return f"modules/{parts[1]}"
    return None


def is_module_file(path: str) -> bool:
    return module_of(path) is not None


def read_working_tree(root: Path) -> dict[str, str]:
    """The module files on disk under `root`, by relative path: what Terraform would load there."""
    paths = [*root.glob("*.tf"), *root.glob("modules/*/*.tf")]
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(paths) if p.is_file()}


def _expression(raw: object) -> str:
    text = str(raw)
    return " ".join((text[2:-1] if text.startswith("${") and text.endswith("}") else text).split())


def _flag(raw: object, default: bool) -> bool:
    """A literal bool; python-hcl2 gives literals as bools, expressions as ${...} text."""
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    return _expression(raw) == "true"


def _variable(path: str, name: str, body: dict[str, Any]) -> Variable:
    type_text = _expression(body.get("type", "any"))
    try:
        parsed = parse_type(type_text)
    except ValueError as exc:
        raise ReleaseError(f"{path}: variable {name!r} has a type the gate cannot read ({type_text}: {exc}); "
                           "fix the type or report it") from None
    required = "default" not in body
    return Variable(
        type_text=type_text,
        type=parsed,
        required=required,
        default="" if required else json.dumps(body["default"], sort_keys=True, default=str),
        nullable=_flag(body.get("nullable"), True),
        validations=tuple(_expression(rule.get("condition", "")) for rule in body.get("validation", [])),
    )


def _requirements(path: str, block: dict[str, Any]) -> dict[str, Requirement]:
    found = {}
    if "required_version" in block:
        found[TERRAFORM] = Requirement("", _expression(block["required_version"]))
    for providers in block.get("required_providers", []):
        for name, spec in providers.items():
            # `aws = ">= 5.0"` is the pre-0.13 spelling of a version-only requirement.
            source, constraint = (spec.get("source", ""), spec.get("version", "")) if isinstance(spec, dict) else ("", spec)
            found[name] = Requirement(str(source), _expression(constraint) if constraint else "")
    for name, requirement in found.items():
        try:
            parse_constraint(requirement.constraint)
        except ValueError as exc:
            raise ReleaseError(f"{path}: the version requirement of {name} cannot be read ({exc}); "
                               "fix it with `terraform validate`") from None
    return found


def _parse(path: str, text: str) -> dict[str, Any]:
    try:
        parsed: dict[str, Any] = hcl2.loads(text, serialization_options=_PARSE_OPTIONS)
    except Exception as exc:  # the parser raises several unrelated types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ReleaseError(f"{path}: cannot parse HCL ({first}); run `terraform validate` there") from None
    return parsed


def read_module_set(files: Mapping[str, str]) -> dict[str, ModuleInterface]:
    """Every module among `files` (path -> text; other files are ignored), by module path."""
    modules: dict[str, ModuleInterface] = {}
    for path in sorted(files):
        module = module_of(path)
        if module is None:
            continue
        interface = modules.setdefault(module, ModuleInterface(module, {}, {}, {}))
        if not _DECLARES.search(files[path]):
            continue
        parsed = _parse(path, files[path])
        for block in parsed.get("variable", []):
            interface.variables.update({name: _variable(path, name, body) for name, body in block.items()})
        for block in parsed.get("output", []):
            interface.outputs.update({name: Output(_flag(body.get("sensitive"), False)) for name, body in block.items()})
        for block in parsed.get("terraform", []):
            interface.requirements.update(_requirements(path, block))
    return modules
