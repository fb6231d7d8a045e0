"""AWS Lambda limits checked on the built artifacts, before Terraform ever sees them.

Each violation names the artifact, the limit and the measured value, and lists the largest
contributors so the fix (drop a dependency, move it to a layer) is obvious from the table.
"""

from __future__ import annotations

from typing import NamedTuple

from pipeline_contract.manifest import DIRECT_UPLOAD_LIMIT

from .config import ArtifactConfig
from .errors import LimitViolation
from .report import size

UNZIPPED_LIMIT = 262_144_000
MAX_LAYERS = 5
TOP = 4


class Measured(NamedTuple):
    """One artifact as the checks see it."""

    name: str
    kind: str
    layers: list[str]
    zipped: int
    unzipped: int
    packages: dict[str, int]  # package (or "(own code)") -> unzipped bytes


def _top(packages: dict[str, int], label: str = "") -> list[tuple[int, str]]:
    return [(n, f"{label}{p}") for p, n in packages.items()]


def _contributors(items: list[tuple[int, str]]) -> str:
    ranked = sorted(items, key=lambda item: (-item[0], item[1]))[:TOP]
    return ", ".join(f"{label} {size(n)}" for n, label in ranked)


def violations(artifacts: dict[str, Measured], allow_s3: bool) -> list[list[str]]:
    """Rows of (artifact, limit, measured, largest contributors), empty when all is well."""
    rows: list[list[str]] = []
    for name, art in sorted(artifacts.items()):
        if art.zipped > DIRECT_UPLOAD_LIMIT and not allow_s3:
            rows.append([name, "50 MB zipped (direct upload; pass --allow-s3-upload to upload via S3)",
                         f"{art.zipped:,} B", _contributors(_top(art.packages))])
        if art.kind != "function":
            if art.unzipped > UNZIPPED_LIMIT:
                rows.append([name, "250 MB unzipped (262,144,000 B)", f"{art.unzipped:,} B", _contributors(_top(art.packages))])
            continue
        layers = [artifacts[layer] for layer in art.layers if layer in artifacts]
        total = art.unzipped + sum(layer.unzipped for layer in layers)
        if total > UNZIPPED_LIMIT:
            items = _top(art.packages) + [i for layer in layers for i in _top(layer.packages, f"{layer.name}:")]
            rows.append([name, "250 MB unzipped incl. layers (262,144,000 B)", f"{total:,} B", _contributors(items)])
        for layer in layers:
            shared = sorted((set(art.packages) & set(layer.packages)) - {"(own code)"})
            if shared:
                rows.append([name, f"no package both in the function and layer {layer.name}",
                             f"{len(shared)} duplicated", ", ".join(shared)])
    return rows


def config_violations(artifacts: list[ArtifactConfig]) -> list[list[str]]:
    """The limits the configs alone decide, checked before anything is read, downloaded or built."""
    return [
        [a.name, f"at most {MAX_LAYERS} layers", f"{len(a.layers)} layers", ", ".join(a.layers)]
        for a in artifacts
        if len(a.layers) > MAX_LAYERS
    ]


def enforce_config(artifacts: list[ArtifactConfig]) -> None:
    _raise(config_violations(artifacts))


def enforce(artifacts: dict[str, Measured], allow_s3: bool) -> None:
    _raise(violations(artifacts, allow_s3))


def _raise(rows: list[list[str]]) -> None:
    if rows:
        first = rows[0]
        raise LimitViolation(f"{first[0]}: exceeds AWS limit {first[1]}: {first[2]}", rows)
