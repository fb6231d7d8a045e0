"""A shard poller with a tumbling window, reading a scripted shard: batches end at window boundaries,
each window ends with one final invocation, and the checkpoint moves only with it."""

from __future__ import annotations

import json
from typing import Any

from local_stack.esm.batch_retry import Discard, RetryPolicy
from local_stack.esm.kinesis_records import StreamRecord
from local_stack.esm.shard_poller import ShardPoller
from local_stack.runtime.worker import InvokeResult
from waiting import wait_until

from tests.unit.local_stack.test_shard_poller_filtering import SHARD, ScriptedShard

ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"


class Summing:
    """Sums `value` per partition key into the state; remembers every event's records and window fields."""

    def __init__(self) -> None:
        self.events: list[tuple[list[int], dict[str, Any]]] = []

    def __call__(self, shard_id: str, records: list[StreamRecord], window: dict[str, Any]) -> InvokeResult:
        state = dict(window["state"])
        for r in records:
            state[r.partition_key] = state.get(r.partition_key, 0) + json.loads(r.data)["value"]
        self.events.append(([json.loads(r.data)["id"] for r in records], window))
        return InvokeResult("req", payload={"state": state})


def test_batches_end_at_window_boundaries_and_each_window_ends_with_one_final_invocation() -> None:
    shard = ScriptedShard()  # record n arrives at 1_700_000_000 + n, key-{n % 3}
    shard.put(*[json.dumps({"id": n, "value": n * 10}).encode() for n in range(1, 9)])
    function = Summing()
    discards: list[Discard] = []
    poller = ShardPoller(shard, "clicks", SHARD,
                         {"UUID": "m", "EventSourceArn": ARN, "StartingPosition": "TRIM_HORIZON", "BatchSize": 2,
                          "TumblingWindowInSeconds": 4},
                         invoke=function, discard=lambda shard_id, d: discards.append(d), policy=RetryPolicy(),
                         poll_interval_s=0.01)
    poller.start()
    try:
        wait_until(lambda: poller.idle() and poller.checkpoint.sequence_number == shard.last_sequence_number, 10,
                   "the poller to close every window")
    finally:
        poller.stop()
    # Windows of 4 s from 1_700_000_000 (a multiple of 4): records 1-3, 4-7, 8.
    assert [(ids, w["isFinalInvokeForWindow"]) for ids, w in function.events] == [
        ([1, 2], False), ([3], False), ([], True), ([4, 5], False), ([6, 7], False), ([], True), ([8], False), ([], True)]
    finals = [w for ids, w in function.events if w["isFinalInvokeForWindow"]]
    assert [w["state"] for w in finals] == [{"key-1": 10, "key-2": 20, "key-0": 30},
                                            {"key-1": 40 + 70, "key-2": 50, "key-0": 60}, {"key-2": 80}]
    assert [w["window"] for w in finals] == [{"start": "2023-11-14T22:13:20Z", "end": "2023-11-14T22:13:24Z"},
                                             {"start": "2023-11-14T22:13:24Z", "end": "2023-11-14T22:13:28Z"},
                                             {"start": "2023-11-14T22:13:28Z", "end": "2023-11-14T22:13:32Z"}]
    assert {(w["shardId"], w["eventSourceARN"]) for _, w in function.events} == {(SHARD, ARN)}
    assert discards == [] and poller.errors == []


def test_a_window_not_yet_ended_holds_the_checkpoint_and_the_shard_is_not_idle() -> None:
    shard = ScriptedShard()
    function = Summing()
    poller = ShardPoller(shard, "clicks", SHARD,
                         {"UUID": "m", "EventSourceArn": ARN, "StartingPosition": "TRIM_HORIZON",
                          "TumblingWindowInSeconds": 900},
                         invoke=function, discard=lambda shard_id, d: None, policy=RetryPolicy(), poll_interval_s=0.01)
    shard.records.append({"SequenceNumber": "5000", "PartitionKey": "k", "ApproximateArrivalTimestamp": 4_000_000_000.0,
                          "Data": json.dumps({"id": 1, "value": 1}).encode()})  # arrives in 2096: its window is open
    poller.start()
    try:
        wait_until(lambda: len(function.events) == 1 and poller.stats.at_tip, 10, "the aggregation invocation")
        assert not poller.idle()
        assert poller.checkpoint.sequence_number is None and poller.status().pending == 1
    finally:
        poller.stop()


class ClosedShard(ScriptedShard):
    """A shard that has ended (split or merged): after its records, no next iterator."""

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        response = super().get_records(ShardIterator, Limit)
        return {**response, "NextShardIterator": None if not response["Records"] else response["NextShardIterator"]}


def test_when_the_shard_ends_its_open_window_is_closed() -> None:
    shard = ClosedShard()
    shard.records.append({"SequenceNumber": "5000", "PartitionKey": "k", "ApproximateArrivalTimestamp": 4_000_000_000.0,
                          "Data": json.dumps({"id": 1, "value": 3}).encode()})  # its window would stay open until 2096
    function = Summing()
    poller = ShardPoller(shard, "clicks", SHARD,
                         {"UUID": "m", "EventSourceArn": ARN, "StartingPosition": "TRIM_HORIZON",
                          "TumblingWindowInSeconds": 900},
                         invoke=function, discard=lambda shard_id, d: None, policy=RetryPolicy(), poll_interval_s=0.01)
    poller.start()
    try:
        wait_until(lambda: poller.checkpoint.sequence_number == "5000", 10, "the window to close at the shard's end")
    finally:
        poller.stop()
    assert [(ids, w["isFinalInvokeForWindow"], w["state"]) for ids, w in function.events] == [
        ([1], False, {}), ([], True, {"k": 3})]
