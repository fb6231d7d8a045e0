"""The gate's report: one table row per interface change, then the verdict in one line."""

from __future__ import annotations

from text_table import render

from release.compat import Change, Verdict

HEADERS = ("module", "name", "change", "before", "after", "needs")
# Types and validation conditions can be long: they wrap within these widths.
MAX_WIDTHS = (24, 34, 44, 36, 36, 5)


def _module(path: str) -> str:
    return "(root)" if path == "." else path


def render_report(changes: list[Change], baseline: str, verdict: Verdict) -> str:
    lines = []
    if changes:
        rows = [(_module(c.module), c.name, c.change, c.before, c.after, str(c.level)) for c in changes]
        lines += [f"Interface changes since {baseline}:", "", render(HEADERS, rows, MAX_WIDTHS), ""]
    else:
        lines.append(f"No interface changes since {baseline}.")
    lines.append(f"compat: {'OK' if verdict.ok else 'FAIL'}: {verdict.message}")
    return "\n".join(lines)
