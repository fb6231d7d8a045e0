"""Measurements read from a JSON file: a run saved earlier, or numbers measured elsewhere."""

from __future__ import annotations

from pathlib import Path

from sizing import measurement
from sizing.measurement import Measurement
from sizing.sources.base import MeasurementSource


class FileSource(MeasurementSource):
    def __init__(self, path: Path) -> None:
        self.path = path

    def measurements(self) -> list[Measurement]:
        return measurement.load(self.path)

    def describe(self) -> str:
        return f"file {self.path.name}"
