"""One shard of one mapping: a reader thread polling GetRecords, and lane threads invoking batches.

Each lane handles its batches strictly one after another, and a partition
key always maps to the same lane, so order per key holds even with
ParallelizationFactor > 1. The checkpoint advances only over finished records;
records the mapping's FilterCriteria filter out are finished as soon as they are read.
With a tumbling window, each lane's `ShardWindows` carries the window's state and checkpoints a
window's records once its final invocation succeeds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from local_stack.esm.batch_retry import BatchOutcome, Discard, RetryPolicy, failed_index, process_batch
from local_stack.esm.batching import batch_is_ready, lane_for, take_batch
from local_stack.esm.checkpoint import ShardCheckpoint
from local_stack.esm.event_filter import DEFAULT_FILTER_QUOTA, mapping_filter
from local_stack.esm.kinesis_records import StreamRecord
from local_stack.esm.stream_source import StreamSource
from local_stack.esm.tumbling_window import TIP_GRACE_S, ShardWindows, require_state, window_seconds
from local_stack.runtime.worker import InvokeResult


@dataclass
class ShardStats:
    records_read: int = 0
    filtered_out: int = 0  # read, then dropped by the mapping's FilterCriteria
    millis_behind_latest: int = 0
    batches: int = 0
    outcome: BatchOutcome = field(default_factory=BatchOutcome)
    at_tip: bool = False
    tip_seen_at: float = 0.0  # wall clock when the last GetRecords that found nothing new was sent
    iterator_age_ms: int = 0  # Lambda's IteratorAge: age of the last record of the latest invocation
    max_iterator_age_ms: int = 0
    ended: bool = False  # a closed shard read to its end (GetRecords returned no NextShardIterator)


@dataclass(frozen=True)
class ShardStatus:
    """One shard at one moment, as `make status` and the demo summary show it."""

    shard: str  # stream/shardId
    records_read: int
    checkpoint: str | None
    pending: int  # read, not yet finished (buffered, in flight or waiting for an earlier record)
    millis_behind_latest: int
    in_flight: int  # batches being invoked or retried
    idle: bool  # read up to the tip, nothing buffered or in flight
    tip_seen_at: float
    ended: bool = False  # a closed shard read to its end: it will never have more records


@dataclass
class ShardPoller:
    kinesis: Any
    stream_name: str
    shard_id: str
    mapping: dict[str, Any]
    invoke: Callable[..., InvokeResult]  # (shard id, records[, the event's tumbling window fields])
    discard: Callable[[str, Discard], None]
    policy: RetryPolicy
    poll_interval_s: float = 0.2
    count_events: Callable[[str, int], None] = lambda metric, count: None  # the mapping's event counts (metric name, events)
    report_iterator_age: Callable[[int], None] = lambda age_ms: None  # Lambda's IteratorAge of each invocation
    filters_per_mapping: int = DEFAULT_FILTER_QUOTA  # the account's quota for FilterCriteria
    checkpoint: ShardCheckpoint = field(default_factory=ShardCheckpoint)
    stats: ShardStats = field(default_factory=ShardStats)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._filter = mapping_filter(self.mapping, self.filters_per_mapping)  # a refused pattern raises here
        self._lanes: list[deque[StreamRecord]] = [deque() for _ in range(int(self.mapping.get("ParallelizationFactor", 1)))]
        self._busy = [False] * len(self._lanes)
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._horizon = 0.0  # the shard is read up to here: latest arrival read, or a read that found the tip
        seconds = window_seconds(self.mapping)
        self._windows = [ShardWindows(seconds, self.shard_id, StreamSource.of(self.mapping["EventSourceArn"]).stream_arn, self._invoke,
                                      self.checkpoint.finished, self._backoff)
                         for _ in self._lanes] if seconds else []

    def start(self) -> None:
        name = f"{self.stream_name}/{self.shard_id}"
        self._threads = [threading.Thread(target=self._read, name=f"read {name}", daemon=True)]
        self._threads += [threading.Thread(target=self._lane, args=(i,), name=f"lane{i} {name}", daemon=True)
                          for i in range(len(self._lanes))]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)

    def idle(self) -> bool:
        """Read up to the tip and nothing buffered or in flight."""
        with self._cond:
            return self._idle()

    def _idle(self) -> bool:  # with self._cond held
        return (self.stats.at_tip and not any(self._lanes) and not any(self._busy)
                and all(w.window is None for w in self._windows))

    def finished(self) -> bool:
        """A closed shard read to its end with every record finished: its children may start."""
        with self._cond:
            return self.stats.ended and self._idle() and self.checkpoint.pending == 0

    def status(self) -> ShardStatus:
        with self._cond:
            return ShardStatus(
                shard=f"{self.stream_name}/{self.shard_id}", records_read=self.stats.records_read,
                checkpoint=self.checkpoint.sequence_number, pending=self.checkpoint.pending,
                millis_behind_latest=self.stats.millis_behind_latest, in_flight=sum(self._busy),
                idle=self._idle(),
                tip_seen_at=self.stats.tip_seen_at, ended=self.stats.ended)

    def _iterator(self) -> str:
        kwargs: dict[str, Any] = {"StreamName": self.stream_name, "ShardId": self.shard_id}
        if self.checkpoint.sequence_number:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=self.checkpoint.sequence_number)
        elif self.mapping.get("StartingPosition") == "AT_TIMESTAMP":
            kwargs.update(ShardIteratorType="AT_TIMESTAMP", Timestamp=self.mapping["StartingPositionTimestamp"])
        else:
            kwargs["ShardIteratorType"] = self.mapping.get("StartingPosition", "LATEST")
        iterator: str = self.kinesis.get_shard_iterator(**kwargs)["ShardIterator"]
        return iterator

    def _read(self) -> None:
        try:
            iterator: str | None = self._iterator()
            while iterator and not self._stop.is_set():
                asked_at = time.time()
                response = self.kinesis.get_records(ShardIterator=iterator, Limit=10000)
                records = [StreamRecord.from_get_records(r) for r in response["Records"]]
                self.count_events("PolledEventCount", len(records))  # 0 for an empty poll, as Lambda emits it
                kept = records
                if self._filter is not None:  # filtered out: checkpointed, never delivered, never retried
                    kept = [r for r in records if self._filter.keeps(r)]
                    self.count_events("FilteredOutEventCount", len(records) - len(kept))
                iterator = response.get("NextShardIterator")
                self.checkpoint.fetched([r.sequence_number for r in records])
                if len(kept) < len(records):
                    delivered = {r.sequence_number for r in kept}
                    self.checkpoint.finished([r.sequence_number for r in records if r.sequence_number not in delivered])
                with self._cond:
                    for record in kept:
                        self._lanes[lane_for(record.partition_key, len(self._lanes))].append(record)
                    self.stats.records_read += len(records)
                    self.stats.filtered_out += len(records) - len(kept)
                    self.stats.millis_behind_latest = int(response.get("MillisBehindLatest", 0))
                    self.stats.at_tip = not records and self.stats.millis_behind_latest == 0
                    if self.stats.at_tip:
                        self.stats.tip_seen_at = asked_at
                    self._horizon = max([self._horizon, *(r.arrival for r in records),
                                         *([asked_at - TIP_GRACE_S] if self.stats.at_tip else [])])
                    self._cond.notify_all()
                if not records:
                    self._stop.wait(self.poll_interval_s)
            if iterator is None:  # closed by a reshard, read to its end: "Lambda considers the window closed"
                with self._cond:
                    self.stats.ended = self.stats.at_tip = True
                    self._horizon = math.inf
                    self._cond.notify_all()
        except Exception as exc:
            self.errors.append(f"reading {self.stream_name}/{self.shard_id}: {exc}")

    def _lane(self, index: int) -> None:
        pending = self._lanes[index]
        batch_size = int(self.mapping.get("BatchSize", 100))
        window = float(self.mapping.get("MaximumBatchingWindowInSeconds", 0))
        while not self._stop.is_set():
            with self._cond:
                first_seen = None
                while not self._stop.is_set():
                    if pending and first_seen is None:
                        first_seen = time.monotonic()
                    waited = time.monotonic() - first_seen if first_seen else 0.0
                    if self._windows and self._windows[index].due(pending, self._horizon):
                        break
                    if batch_is_ready(pending, self._batch_limit(index, batch_size), waited, window):
                        break
                    self._cond.wait(timeout=max(0.01, window - waited) if pending else None)
                if self._stop.is_set():
                    return
                closing = bool(self._windows) and self._windows[index].due(pending, self._horizon)
                batch = [] if closing else take_batch(pending, self._batch_limit(index, batch_size))
                self._busy[index] = True
            try:
                if closing:
                    self._windows[index].close(self.policy)
                else:
                    self._process(batch, index)
            except Exception as exc:
                self.errors.append(f"lane {index} of {self.stream_name}/{self.shard_id}: {exc}")
            finally:
                with self._cond:
                    self._busy[index] = False
                    self._cond.notify_all()

    def _batch_limit(self, lane: int, batch_size: int) -> int:
        """With a tumbling window a batch ends where its window does."""
        return self._windows[lane].batch_limit(self._lanes[lane], batch_size) if self._windows else batch_size

    def _invoke(self, records: list[StreamRecord], window: dict[str, Any] | None = None) -> InvokeResult:
        """Invoke, recording IteratorAge as Lambda does: when the event is sent, the age of its last record.
        `window`: the event's tumbling window fields (a window's final invocation has no records)."""
        if records:
            age_ms = max(0, int((time.time() - records[-1].arrival) * 1000))
            with self._cond:
                self.stats.iterator_age_ms = age_ms
                self.stats.max_iterator_age_ms = max(self.stats.max_iterator_age_ms, age_ms)
            self.report_iterator_age(age_ms)
        self.count_events("InvokedEventCount", len(records))
        if window is None:
            result = self.invoke(self.shard_id, records)
        else:
            result = require_state(self.invoke(self.shard_id, records, window))
        failed = self._failed_events(records, result)
        if failed:
            self.count_events("FailedInvokeEventCount", failed)
        return result

    def _failed_events(self, records: list[StreamRecord], result: InvokeResult) -> int:
        """Events of a failed invocation: all on a function error, else those a partial batch response
        returns for retry (from the lowest failed sequence number on)."""
        if result.error is not None:
            return len(records)
        if not self.policy.report_batch_item_failures:
            return 0
        index = failed_index(records, result.payload)
        return len(records) - (index if index is not None else 0)

    def _process(self, batch: list[StreamRecord], lane: int) -> None:
        discard = partial(self.discard, self.shard_id)
        if self._windows:  # checkpointed by the window's final invocation
            outcome = self._windows[lane].process(batch, self.policy, discard, self._backoff)
        else:
            outcome = process_batch(batch, self._invoke, discard, self.policy, sleep=self._backoff)
            if not outcome.abandoned:  # stopped mid-retry: the checkpoint stays before this batch
                self.checkpoint.finished([r.sequence_number for r in batch])
        with self._cond:
            self.stats.batches += 1
            self.stats.outcome.add(replace(outcome, retries=0))  # retries are counted by _backoff, as they begin

    def _backoff(self, delay_s: float) -> bool:
        """The wait before each retry, counted as it begins so that retries show while an outage lasts,
        not only once the batch is done; True when the poller is stopping."""
        with self._cond:
            self.stats.outcome.retries += 1
        return self._stop.wait(delay_s)
