"""The one plain-text table renderer of every report: build, plan checks, local stack, benchmarks.

Hand-written rather than tabulate: importing tabulate takes ~50 ms, the whole budget of a no-op
`make build` (measured with `python -X importtime -c "import tabulate"`).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+\s*(%|\u00d7|x|[KMG]?B|ms|s)?$")


def is_number(cell: str) -> bool:
    """Numbers (optionally with a unit) are right-aligned so their digits line up."""
    return bool(_NUMBER.match(cell.strip()))


def render(headers: Sequence[str], rows: Sequence[Sequence[object]], max_widths: Sequence[int] | None = None) -> str:
    """Headers, a dashed rule, then the rows; cells wider than their `max_widths` entry wrap onto more lines."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    if max_widths is not None:
        widths = [min(w, limit) for w, limit in zip(widths, max_widths, strict=True)]

    def lines(row: list[str], align_numbers: bool) -> list[str]:
        wrapped = [textwrap.wrap(c, w, break_on_hyphens=False) or [""] if len(c) > w else [c]
                   for c, w in zip(row, widths, strict=True)]
        out = []
        for n in range(max(len(parts) for parts in wrapped)):
            parts = [(p[n] if n < len(p) else "") for p in wrapped]
            out.append("  ".join(
                p.rjust(w) if align_numbers and is_number(p) else p.ljust(w)
                for p, w in zip(parts, widths, strict=True)).rstrip())
        return out

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([*lines(cells[0], False), rule, *(line for row in cells[1:] for line in lines(row, True))])
