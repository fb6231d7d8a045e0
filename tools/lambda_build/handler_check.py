"""Check statically that a function's handler exists in its built zip.

Importing the handler would run the author's module-level code (connections, env lookups) on
the build machine with the wrong Python; parsing it finds the common mistakes without that.
"""

from __future__ import annotations

import ast

from .errors import BuildError


def _defines(tree: ast.Module, name: str) -> bool:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return True
        if isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return True
        if isinstance(node, ast.Import | ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names):
            return True
        if isinstance(node, ast.If | ast.Try) and _defines(ast.Module(body=_branch_bodies(node), type_ignores=[]), name):
            return True
    return False


def _branch_bodies(node: ast.If | ast.Try) -> list[ast.stmt]:
    bodies = [*node.body, *node.orelse]
    if isinstance(node, ast.Try):
        bodies += [s for h in node.handlers for s in h.body] + node.finalbody
    return bodies


def check_handler(handler: str, sources: dict[str, bytes], display: str) -> None:
    """`sources` maps zip arcnames to the bytes of the .py files in the function zip."""
    module, _, function = handler.rpartition(".")
    path = module.replace(".", "/")
    candidates = [f"{path}.py", f"{path}/__init__.py"]
    found = next((c for c in candidates if c in sources), None)
    if found is None:
        raise BuildError(f"{display}: handler {handler!r}: module {module!r} not found in the zip (looked for {candidates[0]})")
    try:
        tree = ast.parse(sources[found], filename=found)
    except SyntaxError as exc:
        raise BuildError(f"{display}: {found}:{exc.lineno}: syntax error: {exc.msg}") from None
    if not _defines(tree, function):
        raise BuildError(f"{display}: handler {handler!r}: {found} defines no top-level {function!r}")
