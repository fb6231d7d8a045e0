"""Generate the inputs/outputs tables of the module READMEs from the Terraform code.

Hand-written tables drift from the code the first time someone adds a variable;
generating them (and failing CI when a README is stale) keeps the registry docs
true. Tables go between BEGIN_TF_DOCS/END_TF_DOCS markers, so the prose around
them stays hand-written. `python -m terraform_tools.module_docs [--check] [--root DIR]`.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from atomic_files import write_text_atomic
from hcl2 import SerializationOptions
from repo_paths import REPO_ROOT

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
PARSE_OPTIONS = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)


class DocsError(Exception):
    """A problem the user must fix by hand (missing README or marker, unparsable HCL)."""


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    type: str
    default: object
    required: bool


@dataclass(frozen=True)
class Output:
    name: str
    description: str


def targets(root: Path) -> list[tuple[Path, Path]]:
    """(module directory, document) pairs: every module's and bootstrap configuration's README, and
    docs/modules.md for the root module."""
    pairs = [(d, d / "README.md") for parent in ("modules", "bootstrap") if (root / parent).is_dir()
             for d in sorted((root / parent).iterdir()) if (d / "main.tf").is_file()]
    if (root / "main.tf").is_file() and (root / "docs" / "modules.md").is_file():
        pairs.append((root, root / "docs" / "modules.md"))
    return pairs


def _blocks(module_dir: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for tf in sorted(module_dir.glob("*.tf")):
        try:
            with tf.open() as handle:
                parsed = hcl2.load(handle, serialization_options=PARSE_OPTIONS)
        except Exception as exc:  # the parser raises several unrelated types
            raise DocsError(f"{tf}: cannot parse HCL ({type(exc).__name__}: {str(exc).splitlines()[0]}); run `terraform validate` there") from exc
        for block in parsed.get(kind, []):
            found.extend(block.items())
    return found


def _type(raw: object) -> str:
    text = str(raw) if raw is not None else "any"
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def read_variables(module_dir: Path) -> list[Variable]:
    result = []
    for name, body in _blocks(module_dir, "variable"):
        if "description" not in body:
            raise DocsError(f"{module_dir}: variable {name!r} has no description; add one")
        result.append(Variable(name, body["description"], _type(body.get("type")), body.get("default"), "default" not in body))
    return sorted(result, key=lambda v: (not v.required, v.name))


def read_outputs(module_dir: Path) -> list[Output]:
    result = []
    for name, body in _blocks(module_dir, "output"):
        if "description" not in body:
            raise DocsError(f"{module_dir}: output {name!r} has no description; add one")
        result.append(Output(name, body["description"]))
    return sorted(result, key=lambda o: o.name)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _hcl_value(value: object) -> str:
    """Defaults as HCL literals; the parser gives interpolations as ${...}, shown bare."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return json.dumps(value, separators=(", ", ": "))


def render(module_dir: Path) -> str:
    """The generated section, markers included."""
    lines = [BEGIN, "## Inputs", "", "| Name | Description | Type | Default | Required |", "|---|---|---|---|:---:|"]
    for v in read_variables(module_dir):
        default = "n/a" if v.required else f"`{_cell(_hcl_value(v.default))}`"
        lines.append(f"| `{v.name}` | {_cell(v.description)} | `{_cell(v.type)}` | {default} | {'yes' if v.required else 'no'} |")
    lines += ["", "## Outputs", "", "| Name | Description |", "|---|---|"]
    lines += [f"| `{o.name}` | {_cell(o.description)} |" for o in read_outputs(module_dir)]
    lines.append(END)
    return "\n".join(lines)


def updated_text(module_dir: Path, document: Path) -> str:
    if not document.is_file():
        raise DocsError(f"{document} is missing; create it with a usage example and the lines {BEGIN} and {END}")
    text = document.read_text()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise DocsError(f"{document} lacks the {BEGIN} ... {END} markers; add them where the tables belong")
    return text[:start] + render(module_dir) + text[end + len(END):]


def run(root: Path, check: bool) -> int:
    """Regenerate every table (or, with check, report the stale ones); returns the exit code."""
    try:
        pending = [(doc, new) for module_dir, doc in targets(root)
                   if (new := updated_text(module_dir, doc)) != doc.read_text()]
    except DocsError as exc:
        print(f"tfdocs: {exc}", file=sys.stderr)
        return 2
    for doc, new in pending:
        rel = doc.relative_to(root)
        if check:
            print(f"tfdocs: {rel} is stale; run `make docs`", file=sys.stderr)
        else:
            write_text_atomic(doc, new)
            print(f"tfdocs: updated {rel}")
    return 1 if check and pending else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terraform_tools.module_docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a README is stale instead of rewriting it")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    return run(args.root.resolve(), args.check)


if __name__ == "__main__":
    raise SystemExit(main())
