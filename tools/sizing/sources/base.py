"""The interface every measurement source implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

from sizing.measurement import Measurement


class MeasurementSource(ABC):
    """Produces the measurements the model sizes from; raises SizingError on bad input."""

    @abstractmethod
    def measurements(self) -> list[Measurement]:
        """Every measurement, in any order; repeated (memory, batch) points are averaged by the model."""

    @abstractmethod
    def describe(self) -> str:
        """Where the numbers came from, for the report: a reader must be able to tell measured from typed in."""
