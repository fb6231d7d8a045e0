"""A mapping with a tumbling window on the emulator: an aggregating function sums values per key into
`state`, per shard and per 1 s window aligned to the clock, and writes the window's totals at its final
invocation. A poison record is isolated by bisection and reported to the on-failure queue; its window
still closes, with the totals of the records that succeeded."""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections import defaultdict
from typing import Any

from waiting import wait_until

from tests.integration.emulated_stack import Stack

WINDOW_S = 1
POISON = 5


def window_start(arrival: float) -> str:
    start = math.floor(arrival / WINDOW_S) * WINDOW_S
    return dt.datetime.fromtimestamp(start, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_windows_per_shard_carry_state_end_with_one_final_invocation_and_isolate_a_poison_record(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=2)
    url, queue_arn = stack.queue("on-failure")
    stack.function("window_sum", "window_sum")
    stack.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="window_sum", StartingPosition="TRIM_HORIZON", BatchSize=2,
        TumblingWindowInSeconds=WINDOW_S, BisectBatchOnFunctionError=True, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})

    bodies = []
    with stack.runner() as runner:
        for wave in range(3):  # each wave in a window of its own, or two where a put straddles a boundary
            wave_bodies = [{"id": wave * 10 + i, "key": f"user-{i % 4}", "value": 1 + wave * 10 + i,
                            "mode": "crash" if wave * 10 + i == POISON else "ok"} for i in range(7)]
            stack.put("clicks", wave_bodies)
            bodies += wave_bodies
            next_boundary = math.floor(time.time() / WINDOW_S + 1) * WINDOW_S
            wait_until(lambda: time.time() >= next_boundary, 5, "the next window")  # noqa: B023
        assert runner.wait_idle(30), "every window's final invocation"
        assert runner.all_errors() == []
        checkpoints = {p.shard_id: p.checkpoint.sequence_number for p in runner.pollers}

    # The truth: each record's shard and ApproximateArrivalTimestamp, read back from the stream.
    by_id = {b["id"]: b for b in bodies}
    expected: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    poison_at: tuple[str, str] | None = None
    for shard in stack.kinesis.list_shards(StreamName="clicks")["Shards"]:
        iterator = stack.kinesis.get_shard_iterator(StreamName="clicks", ShardId=shard["ShardId"],
                                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        read = stack.kinesis.get_records(ShardIterator=iterator, Limit=10000)["Records"]
        assert checkpoints[shard["ShardId"]] == (read[-1]["SequenceNumber"] if read else None)
        for r in read:
            body = by_id[json.loads(r["Data"])["id"]]
            where = (shard["ShardId"], window_start(r["ApproximateArrivalTimestamp"].timestamp()))
            if body["id"] == POISON:
                poison_at = where
                continue
            expected[where][body["key"]] += body["value"]
    assert poison_at is not None

    lines = stack.delivered()
    assert {line["source"] for line in lines} == {arn}
    per_window: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        assert not line["early"]
        start, end = (dt.datetime.fromisoformat(line["window"][k]) for k in ("start", "end"))
        assert (end - start).total_seconds() == WINDOW_S and start.microsecond == 0
        per_window[(line["shard"], line["window"]["start"])].append(line)

    assert set(per_window) == set(expected) | {poison_at}, "a final invocation for every window of every shard"
    several = 0
    for where, window_lines in per_window.items():
        *aggregations, final = window_lines
        assert final["final"] and not any(line["final"] for line in aggregations), f"one final invocation, last: {where}"
        running: dict[str, int] = {}
        for line in aggregations:  # each invocation starts from the state the previous one returned
            assert line["state_in"] == running, where
            for i in line["ids"]:
                running[by_id[i]["key"]] = running.get(by_id[i]["key"], 0) + by_id[i]["value"]
        assert final["ids"] == [] and final["state_in"] == running == final["totals"] == expected[where], where
        several += len(aggregations) >= 2
    assert several >= 2, "with batches of 2, windows span several invocations"

    delivered = sorted(i for line in lines for i in line["ids"])
    assert delivered == sorted(i for i in by_id if i != POISON), "every record once, except the poison"
    [message] = stack.drain(url)
    assert message["KinesisBatchInfo"]["batchSize"] == 1 and message["KinesisBatchInfo"]["shardId"] == poison_at[0]
