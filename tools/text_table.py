"""The one plain-text table renderer of every report: build, plan checks, local stack, benchmarks.

Hand-written rather than tabulate: importing tabulate takes ~50 ms, the whole budget of a no-op
`make build` (measured with `python -X importtime -c "import tabulate"`).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+\s*(%|\u00d7|x|[KMG]?B|ms|s)?$")
_PLACEHOLDERS = ("", "-")  # "nothing here": neither text nor a number, so they do not decide a column's alignment


def is_number(cell: str) -> bool:
    """A number, optionally with a unit: "1,234", "4.8 MB", "12.5 ms", "3.1x", "40%"."""
    return bool(_NUMBER.match(cell.strip()))


def _numeric(column: list[str]) -> bool:
    """Mostly numbers: right-aligned, header included, so digits and units line up."""
    values = [c for c in column if c.strip() not in _PLACEHOLDERS]
    return bool(values) and 2 * sum(map(is_number, values)) > len(values)


def _wrap(cell: str, width: int) -> list[str]:
    """The cell's own lines, each wrapped at word boundaries to `width`."""
    out: list[str] = []
    for line in cell.splitlines() or [""]:
        out += textwrap.wrap(line, width, break_on_hyphens=False) if len(line) > width else [line]
    return out


def render(headers: Sequence[str], rows: Sequence[Sequence[object]], max_widths: Sequence[int] | None = None) -> str:
    """Headers, a dashed rule, then the rows; cells wider than their `max_widths` entry wrap onto more lines.

    A column whose cells are mostly numbers is right-aligned; every other column is left-aligned.
    """
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    if any(len(row) != len(headers) for row in cells):
        raise ValueError(f"every row needs {len(headers)} cells ({', '.join(headers)})")
    columns = [[row[i] for row in cells] for i in range(len(headers))]
    widths = [max(len(line) for c in column for line in c.splitlines() or [""]) for column in columns]
    if max_widths is not None:
        widths = [min(w, limit) for w, limit in zip(widths, max_widths, strict=True)]
    right = [_numeric(column[1:]) for column in columns]

    def lines(row: list[str]) -> list[str]:
        wrapped = [_wrap(c, w) for c, w in zip(row, widths, strict=True)]
        out = []
        for n in range(max(len(parts) for parts in wrapped)):
            parts = [p[n] if n < len(p) else "" for p in wrapped]
            out.append("  ".join(p.rjust(w) if r else p.ljust(w) for p, w, r in zip(parts, widths, right, strict=True)))
        return [line.rstrip() for line in out]

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([*lines(cells[0]), rule, *(line for row in cells[1:] for line in lines(row))])
