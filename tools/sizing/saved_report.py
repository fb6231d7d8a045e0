"""Read back a size report (build/size-report.json) for the checks that compare a plan with it.

Only what they need: the measured records/s per invocation at each (memory size, batch size), and
the record size the report assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sizing.errors import SizingError, read_json
from sizing.report import FORMAT

REPORT_FILE = Path("build/size-report.json")


@dataclass(frozen=True)
class SavedReport:
    path: Path
    record_bytes: int
    throughput: dict[tuple[int, int], float]  # (memory_mb, batch_size) -> records/s per concurrent invocation

    def records_per_second(self, memory_mb: int, batch_size: int) -> float | None:
        return self.throughput.get((memory_mb, batch_size))

    def measured(self) -> str:
        return ", ".join(f"{m} MB/batch {b}" for m, b in sorted(self.throughput)) or "nothing"


def load(path: Path = REPORT_FILE) -> SavedReport:
    """The report's usable measurements; SizingError (one line, with the fix) when it is missing or not a size report."""
    data = read_json(path, f"no size report at {path}: run `make size` first, or pass the report's path",
                     f"{path}: not a readable size report ({{exc}}): run `make size` again")
    try:
        if data["format"] != FORMAT:
            raise SizingError(f"{path}: size report format {data['format']!r}, expected {FORMAT}: run `make size` again")
        throughput = {
            (int(item["memory_mb"]), int(item["batch_size"])): float(item["records_per_second_per_invocation"])
            for item in data["measured"] if not item["excluded"]
        }
        return SavedReport(path, int(data["target"]["record_bytes"]), throughput)
    except (KeyError, TypeError, ValueError) as exc:
        raise SizingError(f"{path}: not a size report (missing or bad {exc}): run `make size` again") from None
