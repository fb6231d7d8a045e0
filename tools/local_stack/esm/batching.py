"""Batch assembly for one shard: batch size, the 6 MB payload limit, and parallelization lanes.

With ParallelizationFactor > 1 Lambda processes several batches of a shard at
once but keeps records with the same partition key in order; hashing the key
to a lane that handles its batches one at a time gives exactly that.
"""

from __future__ import annotations

import hashlib
from collections import deque

from local_stack.esm.kinesis_records import MAX_PAYLOAD_BYTES, StreamRecord


def lane_for(partition_key: str, lanes: int) -> int:
    """Stable across processes (unlike hash()), so a key always lands in the same lane."""
    if lanes <= 1:
        return 0
    digest = hashlib.md5(partition_key.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big") % lanes


def take_batch(pending: deque[StreamRecord], batch_size: int, max_payload: int = MAX_PAYLOAD_BYTES) -> list[StreamRecord]:
    """Pop the next batch: at most batch_size records and max_payload bytes, never empty if pending isn't."""
    batch: list[StreamRecord] = []
    size = 0
    while pending and len(batch) < batch_size:
        record = pending[0]
        if batch and size + record.payload_bytes > max_payload:
            break
        batch.append(pending.popleft())
        size += record.payload_bytes
    return batch


def batch_is_ready(pending: deque[StreamRecord], batch_size: int, waited_s: float, window_s: float,
                   max_payload: int = MAX_PAYLOAD_BYTES) -> bool:
    """Lambda invokes when the batch is full, the payload limit is reached, or the window has passed."""
    if not pending:
        return False
    if len(pending) >= batch_size or waited_s >= window_s:
        return True
    return sum(record.payload_bytes for record in pending) >= max_payload
