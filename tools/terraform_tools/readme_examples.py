"""Check the HCL examples in the documentation against the modules they call.

A consumer copies a README's `module` block first, so every input it passes must be one the
module declares, every required input must be there, and `module.<call>.<output>` must name an
output the module has (modules that read build artifacts require `artifact_root`, so an example
that omits it is reported). `python -m terraform_tools.readme_examples [--root DIR]`; exit 1 with one line per problem.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from repo_paths import REPO_ROOT

from terraform_tools.module_docs import PARSE_OPTIONS, DocsError, read_outputs, read_variables

FENCE = re.compile(r"^```hcl[^\n]*\n(.*?)^```", re.M | re.S)
SUBDIR_SOURCE = re.compile(r"//modules/([\w-]+)")
OUTPUT_REFERENCE = re.compile(r"\bmodule\.([\w-]+)\.([\w-]+)")
META_ARGUMENTS = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})
DOCUMENTS = ("README.md", "docs/**/*.md", "modules/**/*.md", "examples/**/*.md")
SKIPPED_PARTS = frozenset({".terraform", ".venv", "node_modules", "dist", "build"})


@dataclass(frozen=True)
class Call:
    """One `module` block of a document, with the module directory its source names."""

    document: Path
    line: int
    name: str
    module_dir: Path
    arguments: frozenset[str]


def documents(root: Path) -> list[Path]:
    found = {p for pattern in DOCUMENTS for p in root.glob(pattern)}
    return sorted(p for p in found if not SKIPPED_PARTS & set(p.relative_to(root).parts))


def module_dir_of(source: str, document: Path, root: Path) -> Path | None:
    """The repository module a source points at (git/registry `//modules/<name>` or a local path), else None."""
    match = SUBDIR_SOURCE.search(source)
    if match:
        candidate = root / "modules" / match.group(1)
    elif source.startswith(("./", "../")):
        candidate = (document.parent / source).resolve()
    else:
        return None
    return candidate if (candidate / "variables.tf").is_file() else None


def _calls(document: Path, root: Path, problems: list[str]) -> Iterator[Call]:
    text = document.read_text()
    rel = document.relative_to(root)
    for fence in FENCE.finditer(text):
        line = text.count("\n", 0, fence.start()) + 1
        try:
            parsed: dict[str, Any] = hcl2.loads(fence.group(1), serialization_options=PARSE_OPTIONS)
        except Exception as exc:  # the parser raises several unrelated types
            problems.append(f"{rel}:{line}: the hcl example does not parse ({type(exc).__name__}); fix its syntax")
            continue
        for block in parsed.get("module", []):
            for name, body in block.items():
                source = body.get("source")
                module_dir = module_dir_of(source, document, root) if isinstance(source, str) else None
                if module_dir is not None:
                    yield Call(rel, line, name, module_dir, frozenset(body) - META_ARGUMENTS)


def _label(module_dir: Path, root: Path) -> Path:
    return module_dir.relative_to(root) if module_dir.is_relative_to(root) else module_dir


def check_document(document: Path, root: Path) -> list[str]:
    """One line per problem in this document's hcl examples."""
    problems: list[str] = []
    calls = list(_calls(document, root, problems))
    for call in calls:
        where = f"{call.document}:{call.line}: module \"{call.name}\""
        module = _label(call.module_dir, root)
        variables = {v.name: v for v in read_variables(call.module_dir)}
        for argument in sorted(call.arguments - set(variables)):
            problems.append(f"{where} passes {argument}, which {module} does not declare; see its variables.tf")
        for missing in sorted(n for n, v in variables.items() if v.required and n not in call.arguments):
            problems.append(f"{where} omits {missing}, which {module} requires")
    text = "\n".join(fence.group(1) for fence in FENCE.finditer(document.read_text()))
    called = {call.name: call.module_dir for call in calls}
    for call_name, output in sorted(set(OUTPUT_REFERENCE.findall(text))):
        module_dir = called.get(call_name)
        if module_dir is not None and output not in {o.name for o in read_outputs(module_dir)}:
            problems.append(f"{document.relative_to(root)}: module.{call_name}.{output} is not an output of "
                            f"{_label(module_dir, root)}; see its outputs.tf")
    return problems


def check(root: Path) -> list[str]:
    return [problem for document in documents(root) for problem in check_document(document, root)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terraform_tools.readme_examples", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        problems = check(args.root.resolve())
    except DocsError as exc:
        print(f"readme-examples: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"readme-examples: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
