"""The grid `make size --measure` runs (memory sizes x batch sizes), and the CPU scaling used where
the host has no cgroups to give each memory size its CPU share.

Pure functions: the measurement loop (sources/built_function.py) does the running.
"""

from __future__ import annotations

from dataclasses import dataclass

from local_stack.runtime.compute_model import MB_PER_VCPU

from sizing.errors import SizingError

DEFAULT_MEMORY_SIZES = (128, 256, 512, 1024, 1769, 3008)
DEFAULT_BATCH_SIZES = (10, 100, 500)
DEFAULT_BATCHES_PER_CELL = 3
# A cell runs batches back to back for at least this long: a CPU quota is granted per 100 ms period, and
# a few small batches fit in one period's quota and run unthrottled. Over ten periods the bursts average out.
DEFAULT_MIN_CELL_SECONDS = 1.0
DEFAULT_RECORDS_PER_CELL = 12_000  # distinct records a cell may use (its batches stop there if time has not run out)
MEMORY_RANGE = (128, 10_240)  # Lambda's memory sizes, MB
BATCH_RANGE = (1, 10_000)  # a Kinesis mapping's BatchSize


def parse_sizes(text: str, option: str, low: int, high: int) -> tuple[int, ...]:
    """`"128,512"` -> (128, 512): whole numbers within [low, high], sorted, each once; SizingError names the option."""
    values: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not low <= int(part) <= high:
            raise SizingError(f"{option}: {part!r} is not a whole number from {low} to {high}: "
                              f"pass a comma-separated list such as {option} {low},{min(high, low * 4)}")
        values.add(int(part))
    return tuple(sorted(values))


@dataclass(frozen=True)
class Grid:
    memory_sizes: tuple[int, ...] = DEFAULT_MEMORY_SIZES
    batch_sizes: tuple[int, ...] = DEFAULT_BATCH_SIZES
    batches_per_cell: int = DEFAULT_BATCHES_PER_CELL
    min_cell_seconds: float = DEFAULT_MIN_CELL_SECONDS
    records_per_cell: int = DEFAULT_RECORDS_PER_CELL
    warmup_batches: int = 1  # per cell, not measured: the first batch after a batch size change or a cold start

    def __post_init__(self) -> None:
        if not self.memory_sizes or not self.batch_sizes:
            raise SizingError("the grid is empty: pass at least one --memory-sizes and one --batch-sizes value")
        if self.batches_per_cell < 1:
            raise SizingError(f"--batches-per-cell {self.batches_per_cell}: must be at least 1")

    @property
    def cells(self) -> list[tuple[int, int]]:
        """(memory, batch size) in the order measured: each memory size's environment runs all its batch sizes."""
        return [(memory, batch) for memory in self.memory_sizes for batch in self.batch_sizes]

    @property
    def min_records(self) -> int:
        """Records without which some cell cannot run its warm-up and measured batches (each cell has an equal slice)."""
        return (self.warmup_batches + self.batches_per_cell) * max(self.batch_sizes) * len(self.batch_sizes)

    @property
    def wanted_records(self) -> int:
        """Records one memory size's run may use: every cell's slice. Each memory size reuses them on a fresh sink."""
        return max(self.min_records, self.records_per_cell * len(self.batch_sizes))

    def cell_slices(self, count: int) -> list[tuple[int, int]]:
        """[start, end) of each batch size's records in a pool of `count`, in batch_sizes order."""
        size = count // len(self.batch_sizes)
        return [(i * size, (i + 1) * size) for i in range(len(self.batch_sizes))]

    def cell_done(self, measured: int, elapsed_s: float) -> bool:
        """Enough batches of a cell: at least batches_per_cell, over at least min_cell_seconds."""
        return measured >= self.batches_per_cell and elapsed_s >= self.min_cell_seconds


def cpu_scale(memory_mb: int) -> float:
    """How much longer CPU work takes at `memory_mb` than with a whole vCPU: 1,769 / memory, never below 1
    (the handler is one Python thread: more than one vCPU does not make it faster)."""
    return max(1.0, MB_PER_VCPU / memory_mb)


def scaled_duration_ms(duration_ms: float, cpu_ms: float, memory_mb: int) -> float:
    """An unconstrained run's Duration as it would be at `memory_mb`'s CPU share: the CPU part stretched
    by cpu_scale, the rest (waiting on the database) as measured. CPU time beyond the wall time (other
    threads) is counted as at most the wall time."""
    cpu = min(max(cpu_ms, 0.0), duration_ms)
    return duration_ms - cpu + cpu * cpu_scale(memory_mb)
