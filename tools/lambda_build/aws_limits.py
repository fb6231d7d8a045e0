"""AWS Lambda limits and the project's packaging rule, checked before Terraform ever sees the artifacts.

Each violation names the artifact, the limit (in bytes where it is a size) and the measured
value, lists the largest contributors in the same unit as the limit (zipped for the upload
limit, unzipped for the 250 MB ones; own files by path, dependencies by package), and its
one-line message says what to do. The layer count needs only the configs, so it is checked
before anything is built.
"""

from __future__ import annotations

from typing import NamedTuple

from pipeline_contract.manifest import DIRECT_UPLOAD_LIMIT

from .config import FUNCTION_FILE, ArtifactConfig
from .errors import LimitViolation
from .report import size

UNZIPPED_LIMIT = 262_144_000
MAX_LAYERS = 5
TOP = 4
ZIPPED, UNZIPPED = 0, 1  # indexes into a contributor's sizes

Sizes = dict[str, list[int]]  # contributor -> [zipped, unzipped] bytes


class Measured(NamedTuple):
    """One artifact as the checks see it."""

    name: str
    kind: str
    layers: list[str]
    zipped: int
    unzipped: int
    packages: Sizes  # dependency -> sizes
    files: Sizes  # own files by repo path (the largest ones, see `largest`) -> sizes


class Violation(NamedTuple):
    artifact: str
    limit: str
    measured: str
    details: str  # largest contributors, or what breaks the rule
    message: str  # one line: what is wrong and how to fix it


def largest(files: Sizes, prefix: str) -> Sizes:
    """The TOP largest files by each measure, the rest summed as one "(N other files)" entry under `prefix`."""
    keep = {name for index in (ZIPPED, UNZIPPED) for name in sorted(files, key=lambda n: (-files[n][index], n))[:TOP]}
    kept = {name: files[name] for name in sorted(keep)}
    rest = [sizes for name, sizes in files.items() if name not in keep]
    if rest:
        kept[f"{prefix} ({len(rest)} other files)"] = [sum(s[ZIPPED] for s in rest), sum(s[UNZIPPED] for s in rest)]
    return kept


def _contributors(measure: int, items: list[tuple[str, Sizes]]) -> str:
    """"largest, zipped: functions/f/blob.bin 51.0 MB, orjson 312.0 KB" over several artifacts' contributors."""
    ranked = sorted(((sizes[measure], f"{name}{suffix}") for suffix, group in items for name, sizes in group.items()),
                    key=lambda item: (-item[0], item[1]))[:TOP]
    unit = "zipped" if measure == ZIPPED else "unzipped"
    return f"largest, {unit}: " + ", ".join(f"{label} {size(n)}" for n, label in ranked)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def violations(artifacts: dict[str, Measured], allow_s3: bool) -> list[Violation]:
    """Every size limit and packaging rule the built artifacts break; empty when all is well."""
    found: list[Violation] = []
    for name, art in sorted(artifacts.items()):
        own = [("", art.files), ("", art.packages)]
        if art.zipped > DIRECT_UPLOAD_LIMIT and not allow_s3:
            found.append(Violation(
                name, f"50 MB zipped for direct upload ({DIRECT_UPLOAD_LIMIT:,} B)", f"{art.zipped:,} B zipped",
                _contributors(ZIPPED, own),
                f"{name}: {name}.zip is {art.zipped:,} B, over the AWS limit of {DIRECT_UPLOAD_LIMIT:,} B (50 MB) "
                "for a direct upload; pass --allow-s3-upload to upload it via S3, or shrink it (largest contributors "
                "in the table)",
            ))
        if art.kind != "function":
            if art.unzipped > UNZIPPED_LIMIT:
                found.append(Violation(
                    name, f"250 MB unzipped ({UNZIPPED_LIMIT:,} B)", f"{art.unzipped:,} B unzipped",
                    _contributors(UNZIPPED, own),
                    f"{name}: the layer unzips to {art.unzipped:,} B, over the AWS limit of {UNZIPPED_LIMIT:,} B "
                    "(250 MB); drop its largest contributors (in the table) or split it into two layers",
                ))
            continue
        layers = [artifacts[layer] for layer in art.layers if layer in artifacts]
        total = art.unzipped + sum(layer.unzipped for layer in layers)
        if total > UNZIPPED_LIMIT:
            # A layer's files are named by their path already; its packages need the layer's name.
            theirs = [item for layer in layers for item in (("", layer.files), (f" (layer {layer.name})", layer.packages))]
            found.append(Violation(
                name, f"250 MB unzipped incl. layers ({UNZIPPED_LIMIT:,} B)", f"{total:,} B unzipped",
                _contributors(UNZIPPED, own + theirs),
                f"{name}: the function and its layers unzip to {total:,} B, over the AWS limit of {UNZIPPED_LIMIT:,} B "
                "(250 MB); drop the largest contributors (in the table) or move them out of the function",
            ))
        for layer in layers:
            shared = sorted(set(art.packages) & set(layer.packages))
            if shared:
                listed = ", ".join(shared)
                subject = f"package {listed} is" if len(shared) == 1 else f"packages {listed} are"
                found.append(Violation(
                    name, "each package in one place (project rule)", f"{_plural(len(shared), 'package')} in both",
                    f"{listed} (layer {layer.name})",
                    f"{name}: {subject} installed both in the function and in its layer {layer.name}, against the "
                    "project rule of one copy per package (the function's copy would shadow the layer's); remove "
                    f"{'it' if len(shared) == 1 else 'them'} from functions/{name}/requirements.in and run `make lock`, "
                    "or from the layer",
                ))
    return found


def config_violations(artifacts: list[ArtifactConfig]) -> list[Violation]:
    """The limits the configs alone decide, checked before anything is read, downloaded or built."""
    return [
        Violation(
            a.name, f"at most {MAX_LAYERS} layers per function (AWS)", _plural(len(a.layers), "layer"), ", ".join(a.layers),
            f"{a.name}: uses {len(a.layers)} layers, but AWS allows at most {MAX_LAYERS} per function; remove one from "
            f"`layers` in functions/{a.name}/{FUNCTION_FILE} or merge two of them",
        )
        for a in artifacts
        if len(a.layers) > MAX_LAYERS
    ]


def enforce_config(artifacts: list[ArtifactConfig]) -> None:
    _raise(config_violations(artifacts))


def enforce(artifacts: dict[str, Measured], allow_s3: bool) -> None:
    _raise(violations(artifacts, allow_s3))


def _raise(found: list[Violation]) -> None:
    if found:
        more = f" ({_plural(len(found) - 1, 'more violation')} in the table)" if len(found) > 1 else ""
        raise LimitViolation(found[0].message + more, [list(v) for v in found])
