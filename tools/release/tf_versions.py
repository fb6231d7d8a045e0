"""Terraform version constraints (`>= 5.100, < 7.0`, `~> 1.2`): the range they allow, and how a range moved.

A caller's lock file or Terraform binary fits the old range; a range that no longer holds all of it
(a raised minimum, a lowered maximum, a newly excluded version) can fail their `terraform init`.
Semantics as Terraform documents them: `~> 1.2` is >= 1.2.0 and < 2.0.0, `~> 1.2.3` is >= 1.2.3
and < 1.3.0, and a bare version means exactly that version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from release.semver import Level

_CLAUSE = re.compile(r"\s*(>=|<=|!=|~>|=|>|<)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?\s*")

# (major, minor, patch, 1 for a release or 0 for a pre-release, pre-release text): ordered as versions are.
Key = tuple[int, int, int, int, str]
# A bound: the version, and 0 when it is included or 1 when not (so a larger tuple is a stricter minimum).
Bound = tuple[Key, int]
LOWEST: Bound = ((0, 0, 0, 0, ""), 0)


@dataclass(frozen=True)
class Range:
    lower: Bound
    upper: Bound | None  # None: no maximum; else (version, 0 excluded / 1 included), larger is looser
    excluded: frozenset[Key]


def _text(key: Key) -> str:
    return f"{key[0]}.{key[1]}.{key[2]}" + key[4]


def parse_constraint(text: str) -> Range:
    """The range `text` allows; ValueError names the clause that is not a constraint."""
    lower, upper, excluded = LOWEST, None, set[Key]()
    for clause in [c for c in text.split(",") if c.strip()] if text.strip() else []:
        match = _CLAUSE.fullmatch(clause)
        if not match:
            raise ValueError(f"{clause.strip()!r} is not a version constraint")
        op, major, minor, patch, pre = match.groups()
        parts = (int(major), int(minor or 0), int(patch or 0))
        key: Key = (parts[0], parts[1], parts[2], 0 if pre else 1, pre or "")
        lows: list[Bound] = []
        highs: list[Bound] = []
        if op in (None, "="):
            lows, highs = [(key, 0)], [(key, 1)]
        elif op == "!=":
            excluded.add(key)
        elif op in (">=", ">"):
            lows = [(key, 0 if op == ">=" else 1)]
        elif op in ("<=", "<"):
            highs = [(key, 1 if op == "<=" else 0)]
        else:  # ~>: the last given part may grow; patch-level when all three are given, else minor-level
            ceiling: Key = (parts[0], parts[1] + 1, 0, 1, "") if patch is not None else (parts[0] + 1, 0, 0, 1, "")
            lows, highs = [(key, 0)], [(ceiling, 0)]
        lower = max([lower, *lows])
        upper = min([b for b in [upper, *highs] if b is not None], default=None)
    return Range(lower, upper, frozenset(excluded))


def compare_ranges(old_text: str, new_text: str) -> list[tuple[Level, str]]:
    """How the allowed range moved from `old_text` to `new_text`: MAJOR when it lost versions, MINOR when it gained some."""
    old, new = parse_constraint(old_text), parse_constraint(new_text)
    found: list[tuple[Level, str]] = []
    if new.lower != old.lower:
        raised = new.lower > old.lower
        found.append((Level.MAJOR if raised else Level.MINOR,
                      f"minimum {'raised' if raised else 'lowered'} from {_text(old.lower[0])} to {_text(new.lower[0])}"))
    if new.upper != old.upper:
        lowered = old.upper is None or (new.upper is not None and new.upper < old.upper)
        before = "none" if old.upper is None else _text(old.upper[0])
        after = "none" if new.upper is None else _text(new.upper[0])
        found.append((Level.MAJOR if lowered else Level.MINOR,
                      f"maximum {'lowered' if lowered else 'raised'} from {before} to {after}"))
    for key in sorted(new.excluded - old.excluded):
        found.append((Level.MAJOR, f"{_text(key)} excluded"))
    for key in sorted(old.excluded - new.excluded):
        found.append((Level.MINOR, f"{_text(key)} no longer excluded"))
    return found
