"""The contract between a measurement source and the model: one batch run at one memory size.

A measurement loop (the built function run as the local stack runs it, at each memory size's CPU
share) produces these; so does a JSON file. Kept JSON-serialisable and strictly parsed so a file
written by hand or by an older loop fails with one line naming the entry and the field.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from sizing.errors import SizingError, read_json

FORMAT = 1
_FIELDS = ("memory_mb", "batch_size", "duration_ms", "records", "max_memory_used_mb")
_OPTIONAL = ("init_duration_ms", "cycle_ms")


@dataclass(frozen=True)
class Measurement:
    memory_mb: int  # the memory size the run was given (and the CPU share that goes with it)
    batch_size: int  # the mapping's batch_size setting of the run
    duration_ms: float  # handler time for one batch, as Lambda reports Duration
    records: int  # records in that batch: fewer than batch_size when the 6 MB payload or the stream cut it
    max_memory_used_mb: float  # peak memory of the execution environment, as Lambda's "Max Memory Used"
    # Init Duration of the cold start of the environment that ran the batch (not part of duration_ms); optional
    init_duration_ms: float | None = None
    # How long the batch held its lane: from the event sent to the reply read, so Duration plus the runtime's
    # handoff and any wait for the CPU quota between requests; what a lane sustains back to back. Optional.
    cycle_ms: float | None = None

    def to_dict(self) -> dict[str, int | float]:
        return {name: value for name, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, raw: object, where: str) -> Measurement:
        if not isinstance(raw, dict):
            raise SizingError(f"{where}: is not an object with {', '.join(_FIELDS)}")
        missing = [f for f in _FIELDS if f not in raw]
        if missing:
            raise SizingError(f"{where}: lacks {', '.join(missing)}: every measurement needs {', '.join(_FIELDS)}")
        unknown = sorted(set(raw) - set(_FIELDS) - set(_OPTIONAL))
        if unknown:
            raise SizingError(f"{where}: unknown field(s) {', '.join(unknown)}: remove them "
                              f"(fields: {', '.join(_FIELDS + _OPTIONAL)})")
        for name in _FIELDS + tuple(o for o in _OPTIONAL if o in raw):
            value = raw[name]
            whole = name in ("memory_mb", "batch_size", "records")
            ok = isinstance(value, int) if whole else isinstance(value, int | float)
            if isinstance(value, bool) or not ok or value <= 0:
                kind = "a positive whole number" if whole else "a positive number"
                raise SizingError(f"{where}.{name}: must be {kind} (got {value!r})")
        if raw["records"] > raw["batch_size"]:
            raise SizingError(f"{where}.records: {raw['records']} is more than batch_size {raw['batch_size']}: "
                              "records counts the records of the one batch measured")
        if "cycle_ms" in raw and raw["cycle_ms"] < raw["duration_ms"]:
            raise SizingError(f"{where}.cycle_ms: {raw['cycle_ms']!r} is less than duration_ms {raw['duration_ms']!r}: "
                              "a batch holds its lane at least for its Duration")
        init, cycle = raw.get("init_duration_ms"), raw.get("cycle_ms")
        return cls(raw["memory_mb"], raw["batch_size"], float(raw["duration_ms"]), raw["records"],
                   float(raw["max_memory_used_mb"]), None if init is None else float(init),
                   None if cycle is None else float(cycle))


def dumps(measurements: list[Measurement]) -> str:
    return json.dumps({"format": FORMAT, "measurements": [m.to_dict() for m in measurements]}, indent=2) + "\n"


def load(path: Path) -> list[Measurement]:
    """The measurements of a file written by dumps() (or by hand); SizingError names the first bad entry."""
    data = read_json(path, f"{path}: no measurements file here: pass --measurements FILE (format: docs/sizing.md)",
                     f"{path}: not readable JSON ({{exc}}): fix the file (format: docs/sizing.md)")
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("measurements"), list):
        raise SizingError(f'{path}: must be {{"format": {FORMAT}, "measurements": [...]}} (docs/sizing.md)')
    items = [Measurement.from_dict(raw, f"{path.name}: measurements[{i}]") for i, raw in enumerate(data["measurements"])]
    if not items:
        raise SizingError(f"{path}: has no measurements: measure at least one memory size and batch size")
    return items
