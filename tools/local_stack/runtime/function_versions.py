"""Which version of a function a caller's reference runs: $LATEST, a published version, or the alias's.

Event source mappings and subscriptions name a function by name or ARN, optionally qualified
by a version number or an alias. Lambda runs the code of that version, and resolves an alias on
every invocation, so moving the alias changes what the next invocation runs. Resolution is kept
apart from the API calls so it can be checked without an emulator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

LATEST = "$LATEST"
_VERSION = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class FunctionRef:
    """A function as a caller names it: name, plus the alias or version it qualifies it with."""

    name: str
    qualifier: str | None = None

    @classmethod
    def parse(cls, name_or_arn: str) -> FunctionRef:
        """From a name, `name:qualifier`, a full or partial ARN (`...:function:name[:qualifier]`)."""
        name, _, qualifier = name_or_arn.split(":function:", 1)[-1].partition(":")
        if not name or ":" in qualifier:
            raise ValueError(f"{name_or_arn!r} is not a function name or ARN (name, name:alias, or ...:function:name[:alias])")
        return cls(name, qualifier or None)

    @property
    def alias(self) -> str | None:
        """The alias this reference names; None for $LATEST and version numbers."""
        if self.qualifier is None or self.qualifier == LATEST or _VERSION.match(self.qualifier):
            return None
        return self.qualifier


def alias_version(alias: Mapping[str, Any], draw: float) -> str:
    """The version one invocation through this alias runs (a GetAlias response).

    A weighted alias (RoutingConfig.AdditionalVersionWeights, a canary) sends that share of
    invocations to the other version; `draw` in [0, 1) picks, as Lambda's router does.
    """
    threshold = 0.0
    for version, weight in ((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}).items():
        threshold += float(weight)
        if draw < threshold:
            return str(version)
    return str(alias["FunctionVersion"])


def code_version(ref: FunctionRef, get_alias: Callable[[str, str], Mapping[str, Any]], draw: float) -> str:
    """$LATEST, or the version number whose code an invocation of `ref` runs."""
    if ref.alias is not None:
        return alias_version(get_alias(ref.name, ref.alias), draw)
    return ref.qualifier or LATEST
