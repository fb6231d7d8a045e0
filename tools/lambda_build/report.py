"""Byte counts as people read them (1.5 MB), for the build's terminal reports."""

from __future__ import annotations


def size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"

