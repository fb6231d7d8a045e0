"""A shard's checkpoint: the highest sequence number below which every record is finished.

With parallel lanes, batches finish out of order; the checkpoint only moves
past a record once it and everything before it are done (processed or sent
to the on-failure destination), so a restart never skips an unfinished record.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class ShardCheckpoint:
    def __init__(self, start_after: str | None = None) -> None:
        self._outstanding: OrderedDict[str, bool] = OrderedDict()
        self._lock = threading.Lock()
        self.sequence_number = start_after

    def fetched(self, sequence_numbers: list[str]) -> None:
        with self._lock:
            for sequence_number in sequence_numbers:
                self._outstanding[sequence_number] = False

    def finished(self, sequence_numbers: list[str]) -> None:
        with self._lock:
            for sequence_number in sequence_numbers:
                if sequence_number in self._outstanding:
                    self._outstanding[sequence_number] = True
            while self._outstanding:
                first, done = next(iter(self._outstanding.items()))
                if not done:
                    break
                self._outstanding.popitem(last=False)
                self.sequence_number = first

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._outstanding)
