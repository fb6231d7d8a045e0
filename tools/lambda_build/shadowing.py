"""Names a function and its layers both provide: Lambda puts /var/task before /opt/python, so the function's wins.

A function carrying its own `common_lib/` beside a layer's `common_lib` never sees the layer's
copy, whatever the layer is updated to; that is legal, so it is a warning, said at every build
until one of them is renamed. (The same *package* installed in both is the packaging rule's
business, see aws_limits.)
"""

from __future__ import annotations

from collections.abc import Iterable

_NOT_MODULES = (".dist-info", ".data", ".libs", ".egg-info")


def top_level(arcnames: Iterable[str], prefix: str, owner: dict[str, str], display: str) -> dict[str, str]:
    """Importable top-level name -> who provides it ("functions/f/app/", "package orjson").

    `owner` maps a dependency's arcnames to its package; every other file is the artifact's own,
    named by its path in the repository (`display` is the artifact directory).
    """
    found: dict[str, str] = {}
    for arcname in arcnames:
        if not arcname.startswith(prefix):
            continue
        head, sep, tail = arcname[len(prefix):].partition("/")
        if sep:  # a package directory: it counts when it holds modules
            name, own_label = head, f"{display}/{head}/"
            if head == "__pycache__" or head.endswith(_NOT_MODULES) or not tail.endswith((".py", ".so")):
                continue
        elif head.endswith((".py", ".so")):  # a module file (extension modules: name.cpython-312-x86_64-linux-gnu.so)
            name, own_label = head.split(".", 1)[0], f"{display}/{head}"
        else:
            continue
        if name.isidentifier():
            found.setdefault(name, f"package {owner[arcname]}" if arcname in owner else own_label)
    return found


def warnings(function: str, modules: dict[str, str], layers: dict[str, dict[str, str]]) -> list[str]:
    """One line per name the function shadows in one of its layers (`layers`: layer name -> its modules)."""
    lines = []
    for layer, theirs in layers.items():
        for name in sorted(modules.keys() & theirs.keys()):
            mine, other = modules[name], theirs[name]
            if mine == other:  # the same package in both: refused by the packaging rule, not warned about
                continue
            lines.append(
                f"warning: {function}: {mine} shadows {other} of layer {layer} (Lambda imports the function's `{name}` "
                "first); rename one of them"
            )
    return lines
