"""A stream resharded while traffic flows: split, merge and UpdateShardCount under a hot key.

Lambda reads a parent shard to its end before its children, so a key's records keep their order
across a reshard; the runner follows the shard lineage the same way, both in the shards it finds at
start and in those a reshard creates while it runs. A producer puts numbered records (most for one
hot key) one at a time, so each key's ids increase in the order they were put.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict

from waiting import wait_until

from tests.integration.emulated_stack import Stack

KEYS = ["hot"] * 7 + ["a", "b", "c"]


def test_a_reshard_under_traffic_loses_nothing_duplicates_nothing_and_keeps_each_keys_order(stack: Stack) -> None:
    stack.stream("clicks", shards=1)
    stack.function("sink", "sink")
    stack.lam.create_event_source_mapping(EventSourceArn=stack.kinesis.describe_stream(StreamName="clicks")[
        "StreamDescription"]["StreamARN"], FunctionName="sink", StartingPosition="TRIM_HORIZON", BatchSize=50,
        ParallelizationFactor=2)
    shard_of: dict[int, str] = {}  # record id -> the shard Kinesis put it in
    stop = threading.Event()

    def produce() -> None:
        i = 0
        while not stop.is_set():
            body = {"id": i, "key": KEYS[i % len(KEYS)], "mode": "ok"}
            put = stack.kinesis.put_record(StreamName="clicks", Data=json.dumps(body).encode(), PartitionKey=body["key"])
            shard_of[i] = put["ShardId"]
            i += 1

    def shards() -> dict[str, dict]:
        return {s["ShardId"]: s for s in stack.kinesis.list_shards(StreamName="clicks")["Shards"]}

    def open_shards() -> list[str]:
        return [i for i, s in shards().items() if "EndingSequenceNumber" not in s["SequenceNumberRange"]]

    def delivered_from(shard_ids: list[str]) -> bool:
        return any(shard_of.get(r["id"]) in shard_ids for r in stack.delivered())

    def put_into(shard_ids: list[str], count: int) -> bool:
        return sum(1 for shard in list(shard_of.values()) if shard in shard_ids) >= count

    producer = threading.Thread(target=produce, name="producer", daemon=True)
    producer.start()
    runner = stack.runner(shard_discovery_s=0.1)
    try:
        # The first split comes before the runner starts, with a backlog on both sides: the parent must be
        # finished first although the children have records from the start.
        [first] = open_shards()
        wait_until(lambda: put_into([first], 100), 30, "a backlog in the first shard")
        stack.kinesis.split_shard(StreamName="clicks", ShardToSplit=first, NewStartingHashKey=str(2**127))
        low, high = sorted(open_shards(), key=lambda i: int(shards()[i]["HashKeyRange"]["StartingHashKey"]))
        wait_until(lambda: put_into([low, high], 100), 30, "a backlog in the children")
        runner.start()
        wait_until(lambda: delivered_from([low, high]), 30, "records of the split's children delivered")
        stack.kinesis.merge_shards(StreamName="clicks", ShardToMerge=low, AdjacentShardToMerge=high)
        [merged] = open_shards()
        wait_until(lambda: delivered_from([merged]), 30, "records put after the merge delivered")
        stack.kinesis.update_shard_count(StreamName="clicks", TargetShardCount=2, ScalingType="UNIFORM_SCALING")
        final = open_shards()
        wait_until(lambda: delivered_from(final), 30, "records put after UpdateShardCount delivered")
        stop.set()
        producer.join(timeout=30)
        assert runner.wait_idle(60), "the runner never finished the records"
        assert runner.all_errors() == []
        status = {s.shard.split("/", 1)[1]: s for s in runner.shard_status()}
        lineage = shards()
    finally:
        stop.set()
        runner.stop()

    assert set(status) == set(lineage), "every shard was read, each by one poller"
    assert {i for i, s in status.items() if s.ended} == {first, low, high, merged}, "closed shards were read to their end"
    assert all(s.idle and s.pending == 0 for s in status.values())

    delivered = stack.delivered()
    ids = [r["id"] for r in delivered]
    assert len(ids) == len(set(ids)), "a record was delivered twice"
    assert sorted(ids) == list(range(len(shard_of))), "a record was lost"
    per_key: dict[str, list[int]] = defaultdict(list)
    for record in delivered:
        per_key[record["key"]].append(record["id"])
    assert all(got == sorted(got) for got in per_key.values()), "a key's records were delivered out of order"
    assert len(per_key["hot"]) > len(ids) / 2

    position: dict[str, list[int]] = defaultdict(list)  # delivery positions per shard
    for index, record in enumerate(delivered):
        position[shard_of[record["id"]]].append(index)
    for child, shard in lineage.items():
        for parent in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")):
            if parent and position[child] and position[parent]:
                assert min(position[child]) > max(position[parent]), f"{child} delivered before its parent {parent} was done"
    assert all(position[s] for s in (first, merged, *final)), "each generation had records, so the order check means something"
