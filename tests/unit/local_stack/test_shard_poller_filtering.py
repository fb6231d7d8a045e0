"""A shard poller with FilterCriteria, reading a scripted shard: filtered-out records are counted,
checkpointed and never delivered, and they never hold the shard up."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from local_stack.esm.batch_retry import Discard, RetryPolicy
from local_stack.esm.event_filter import FilterCriteriaError
from local_stack.esm.kinesis_records import StreamRecord
from local_stack.esm.shard_poller import ShardPoller
from local_stack.runtime.worker import InvokeResult
from waiting import wait_until

SHARD = "shardId-000000000000"
KEEP_OK = {"Filters": [{"Pattern": json.dumps({"data": {"mode": ["ok"]}})}]}


class ScriptedShard:
    """One shard answering GetShardIterator and GetRecords as Kinesis does: iterators are positions."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def put(self, *payloads: bytes) -> None:
        with self._lock:
            for payload in payloads:
                number = len(self.records) + 1
                self.records.append({"SequenceNumber": str(1000 + number), "PartitionKey": f"key-{number % 3}",
                                     "Data": payload, "ApproximateArrivalTimestamp": 1_700_000_000.0 + number})

    @property
    def last_sequence_number(self) -> str:
        with self._lock:
            return str(self.records[-1]["SequenceNumber"])

    def get_shard_iterator(self, **kwargs: Any) -> dict[str, str]:
        assert kwargs["ShardIteratorType"] == "TRIM_HORIZON"
        return {"ShardIterator": "0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        start = int(ShardIterator)
        with self._lock:
            batch = self.records[start:start + Limit]
        return {"Records": batch, "NextShardIterator": str(start + len(batch)), "MillisBehindLatest": 0}


def ok(n: int) -> bytes:
    return json.dumps({"id": n, "mode": "ok"}).encode()


def skipped(n: int) -> bytes:
    return json.dumps({"id": n, "mode": "skip"}).encode()


class Harness:
    def __init__(self, mapping: dict[str, Any]) -> None:
        self.shard = ScriptedShard()
        self.batches: list[list[int]] = []
        self.events: Counter[str] = Counter()
        self.polls_with_filter_count = 0
        self.poller = ShardPoller(self.shard, "clicks", SHARD, {"UUID": "m", "StartingPosition": "TRIM_HORIZON", **mapping},
                                  invoke=self.invoke, discard=self.discard, policy=RetryPolicy(), poll_interval_s=0.01,
                                  count_events=self.count)

    def invoke(self, shard_id: str, records: list[StreamRecord]) -> InvokeResult:
        self.batches.append([json.loads(r.data)["id"] for r in records])  # a non-JSON record here would raise
        return InvokeResult("req", payload={})

    def discard(self, shard_id: str, batch: Discard) -> None:
        raise AssertionError(f"nothing may be discarded: {batch}")

    def count(self, metric: str, events: int) -> None:
        self.events[metric] += events
        self.polls_with_filter_count += metric == "FilteredOutEventCount"

    def settled(self) -> bool:
        return self.poller.idle() and self.poller.checkpoint.sequence_number == self.shard.last_sequence_number

    def delivered(self) -> list[int]:
        return [i for batch in self.batches for i in batch]


@pytest.fixture
def harness() -> Iterator[Harness]:
    running = Harness({"BatchSize": 4, "FilterCriteria": KEEP_OK})
    yield running
    running.poller.stop()


def test_filtered_out_records_are_counted_checkpointed_and_never_delivered(harness: Harness) -> None:
    harness.shard.put(ok(0), skipped(1), b"not json", ok(2), skipped(3), ok(4), b"\xff", skipped(5))
    harness.poller.start()
    wait_until(harness.settled, 10, "the poller to finish the shard")
    assert harness.delivered() == [0, 2, 4]
    assert harness.batches == [[0, 2, 4]], "filtering happens before batching: the survivors share one batch"
    assert harness.events["PolledEventCount"] == 8
    assert harness.events["FilteredOutEventCount"] == 5
    assert harness.events["InvokedEventCount"] == 3
    assert harness.poller.stats.filtered_out == 5 and harness.poller.stats.records_read == 8
    assert harness.poller.checkpoint.pending == 0
    assert harness.polls_with_filter_count >= 2, "FilteredOutEventCount is reported on every poll, 0 included"


def test_a_batch_that_filters_to_nothing_invokes_nothing_and_later_records_still_arrive(harness: Harness) -> None:
    harness.poller.start()
    harness.shard.put(ok(0))
    wait_until(harness.settled, 10, "the first record")
    harness.shard.put(*[skipped(i) for i in range(1, 30)], b"{broken json")
    wait_until(harness.settled, 10, "the checkpoint to move past records that are all filtered out")
    assert harness.batches == [[0]], "no invocation for a poll whose records were all filtered out"
    harness.shard.put(skipped(30), ok(31))
    wait_until(harness.settled, 10, "a matching record after the filtered ones")
    assert harness.delivered() == [0, 31]
    assert harness.events["FilteredOutEventCount"] == 31


def test_a_mapping_without_filter_criteria_delivers_everything_and_counts_no_filtered_events() -> None:
    unfiltered = Harness({"BatchSize": 10})
    unfiltered.shard.put(ok(0), skipped(1))
    unfiltered.poller.start()
    try:
        wait_until(unfiltered.settled, 10, "the poller to finish the shard")
    finally:
        unfiltered.poller.stop()
    assert unfiltered.delivered() == [0, 1]
    assert "FilteredOutEventCount" not in unfiltered.events


def test_a_pattern_aws_would_refuse_stops_the_poller_before_it_reads() -> None:
    with pytest.raises(FilterCriteriaError, match=r'event source mapping m: filter 1: "data" must be an object pattern'):
        Harness({"FilterCriteria": {"Filters": [{"Pattern": '{"data": ["ok"]}'}]}})
