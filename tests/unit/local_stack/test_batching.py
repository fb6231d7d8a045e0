"""Batch assembly limits and partition-key lanes."""

from __future__ import annotations

from collections import deque

from local_stack.esm.batching import batch_is_ready, lane_for, take_batch
from local_stack.esm.kinesis_records import MAX_PAYLOAD_BYTES, StreamRecord


def record(i: int, size: int = 10, key: str = "k") -> StreamRecord:
    return StreamRecord(str(i), key, b"x" * size, 0.0)


def test_batch_size_caps_the_batch_and_keeps_stream_order() -> None:
    pending = deque(record(i) for i in range(7))
    assert [r.sequence_number for r in take_batch(pending, 3)] == ["0", "1", "2"]
    assert len(pending) == 4


def test_six_megabyte_payload_limit_splits_batches_but_never_returns_an_empty_one() -> None:
    big = 1_000_000  # base64 of 1 MB is ~1.33 MB in the event
    pending = deque(record(i, big) for i in range(10))
    first = take_batch(pending, 10_000)
    assert len(first) == 4 and sum(r.payload_bytes for r in first) <= MAX_PAYLOAD_BYTES
    oversized = deque([record(99, 5_000_000)])
    assert len(take_batch(oversized, 10)) == 1


def test_batching_window_waits_unless_the_batch_is_full() -> None:
    pending = deque(record(i) for i in range(5))
    assert not batch_is_ready(pending, batch_size=10, waited_s=0.5, window_s=1.0)
    assert batch_is_ready(pending, batch_size=10, waited_s=1.0, window_s=1.0)
    assert batch_is_ready(pending, batch_size=5, waited_s=0.0, window_s=1.0)
    assert not batch_is_ready(deque(), batch_size=1, waited_s=9.0, window_s=0.0)


def test_a_partition_key_always_maps_to_the_same_lane_and_keys_spread() -> None:
    lanes = {lane_for(f"user-{i}", 4) for i in range(200)}
    assert lanes == {0, 1, 2, 3}
    assert all(lane_for("user-7", 4) == lane_for("user-7", 4) for _ in range(3))
    assert lane_for("anything", 1) == 0
