"""Enhanced fan-out on the emulator: a mapping whose EventSourceArn is a registered stream consumer reads
through it, beside a mapping on the stream itself, with readers, checkpoints and status of its own.

The consumer's function fails every invocation until the test lets it through (its failure budget), so
the shared stream would hold the direct mapping back if the two shared a reader or a checkpoint.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from waiting import wait_until

from tests.integration.emulated_stack import Stack, bodies

SHARDS = ("shardId-000000000000", "shardId-000000000001")


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def last_sequence_numbers(stack: Stack, stream: str) -> dict[str, str | None]:
    last: dict[str, str | None] = {}
    for shard in SHARDS:
        iterator = stack.kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = stack.kinesis.get_records(ShardIterator=iterator, Limit=10000)["Records"]
        last[shard] = records[-1]["SequenceNumber"] if records else None
    return last


def test_a_mapping_through_a_consumer_and_one_on_the_stream_each_get_every_record_with_checkpoints_of_their_own(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=len(SHARDS))
    consumer = stack.kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="fanout")["Consumer"]["ConsumerARN"]
    held = stack.tmp / "fanout-failures"
    held.write_text("1000000")
    direct_out, fanout_out = stack.tmp / "direct.jsonl", stack.tmp / "fanout.jsonl"
    stack.function("direct", "sink", env={"OUT_FILE": str(direct_out)})
    stack.function("fanout", "sink", env={"OUT_FILE": str(fanout_out), "FAIL_BUDGET": str(held)})
    for function, source in (("direct", arn), ("fanout", consumer)):
        stack.lam.create_event_source_mapping(EventSourceArn=source, FunctionName=function, StartingPosition="TRIM_HORIZON", BatchSize=10)
    sent = bodies(80, keys=8)
    stack.put("clicks", sent)
    last = last_sequence_numbers(stack, "clicks")
    direct_labels = [f"clicks/{shard}" for shard in SHARDS]
    fanout_labels = [f"clicks/consumer/fanout/{shard}" for shard in SHARDS]

    with stack.runner() as runner:
        def status() -> dict[str, tuple[str | None, int]]:
            return {s.shard: (s.checkpoint, s.pending) for s in runner.shard_status()}

        wait_until(lambda: [status()[label][0] for label in direct_labels] == [last[s] for s in SHARDS], 60,
                   "the direct mapping to finish every record while the consumer's function fails")
        assert sorted(status()) == sorted(direct_labels + fanout_labels)
        wait_until(lambda: sum(status()[label][1] for label in fanout_labels) == len(sent), 30,
                   "the consumer's readers to hold every record, unfinished")
        assert [status()[label][0] for label in fanout_labels] == [None, None], "the consumer's checkpoints moved past failed records"
        assert lines(fanout_out) == []

        held.write_text("0")
        assert runner.wait_idle(60), "the consumer's mapping did not catch up once its function recovered"
        assert runner.all_errors() == []
        assert [status()[label][0] for label in fanout_labels] == [last[s] for s in SHARDS]

    for delivered in (lines(direct_out), lines(fanout_out)):
        assert sorted(r["id"] for r in delivered) == list(range(len(sent)))
        assert {r["source"] for r in delivered} == {arn}, "eventSourceARN is the stream's ARN, also through a consumer"
        by_key: defaultdict[str, list[int]] = defaultdict(list)
        for record in delivered:
            by_key[record["key"]].append(record["id"])
        assert all(ids == sorted(ids) for ids in by_key.values())


def test_a_mapping_on_a_deregistered_consumer_delivers_nothing_and_says_why_once(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    consumer = stack.kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="gone")["Consumer"]["ConsumerARN"]
    direct_out, fanout_out = stack.tmp / "direct.jsonl", stack.tmp / "fanout.jsonl"
    stack.function("direct", "sink", env={"OUT_FILE": str(direct_out)})
    stack.function("fanout", "sink", env={"OUT_FILE": str(fanout_out)})
    stack.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="direct", StartingPosition="TRIM_HORIZON")
    orphan = stack.lam.create_event_source_mapping(EventSourceArn=consumer, FunctionName="fanout", StartingPosition="TRIM_HORIZON")
    stack.kinesis.deregister_stream_consumer(ConsumerARN=consumer)
    stack.put("clicks", bodies(10, keys=2))

    with stack.runner() as runner:
        assert runner.wait_idle(60)
        errors = runner.all_errors()
        labels = [s.shard for s in runner.shard_status()]
    [error] = errors
    assert orphan["UUID"] in error and consumer in error and "does not exist" in error
    assert labels == ["clicks/shardId-000000000000"]
    assert sorted(r["id"] for r in lines(direct_out)) == list(range(10))
    assert lines(fanout_out) == []
