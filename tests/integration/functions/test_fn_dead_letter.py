"""Poison payloads reach the dead-letter queue whole: inline when they fit in an SQS message, else in
S3 behind the SQS Extended Client Library's pointer; `replay --dead-letter` follows the pointer.
Real SQS, S3 and Kinesis (moto server), real PostgreSQL."""

from __future__ import annotations

import base64
import random
import uuid

import orjson
import pytest
from failure_handler import replay as replay_cli
from kinesis_events import FakeContext, clickstream_events, kinesis_event
from pipeline_common import aws_clients
from pipeline_common.retry import RetryPolicy
from pipeline_common.sqs_large_payload import SIZE_ATTRIBUTE, read_body, s3_pointer
from pipeline_contract.dead_letter import poison_message
from stream_processor.batch import BatchLimits, BatchProcessor
from stream_processor.dead_letter import PayloadBucket, SqsDeadLetter
from stream_processor.events import Poison
from stream_processor.postgres_sink import PostgresSink

PREFIX = "dead-letter/"


def processor(database, dlq_url: str, bucket: str) -> BatchProcessor:
    fast = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)
    return BatchProcessor(
        sink=PostgresSink(database.connect_kwargs),
        dead_letter=SqsDeadLetter(dlq_url, lambda: aws_clients.client("sqs"),
                                  PayloadBucket(bucket, PREFIX, lambda: aws_clients.client("s3")), policy=fast),
        limits=BatchLimits(sink_policy=fast, time_reserve_seconds=1.0),
    )


def batch_with(poison: bytes) -> dict:
    """Ten valid events with `poison` in the middle."""
    valid = [orjson.dumps(e) for e in clickstream_events(10, seed=31)]
    return kinesis_event([*valid[:5], poison, *valid[5:]], stream="clicks", shard="shardId-000000000003")


def payload_keys(bucket: str) -> list[str]:
    listed = aws_clients.client("s3").list_objects_v2(Bucket=bucket, Prefix=PREFIX)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_900_kb_poison_record_arrives_whole_through_the_reference(database, dlq_url, payload_bucket, queue_messages):
    raw = random.Random(9).randbytes(900 * 1024)  # over MAX_EVENT_BYTES (and not even JSON)
    event = batch_with(raw)
    poison = event["Records"][5]
    result = processor(database, dlq_url, payload_bucket).process(event["Records"], FakeContext())
    assert result.response == {"batchItemFailures": []}
    assert database.query("SELECT count(*) FROM clickstream_events") == [(10,)]

    [message] = queue_messages(dlq_url)
    key = f"{PREFIX}clicks/shardId-000000000003/{poison['kinesis']['sequenceNumber']}.json"
    assert s3_pointer(message["Body"]) == (payload_bucket, key)
    assert orjson.loads(message["Body"])[0] == "software.amazon.payloadoffloading.PayloadS3Pointer"
    body = read_body(message["Body"], aws_clients.client("s3"))
    assert message["MessageAttributes"][SIZE_ATTRIBUTE] == {"DataType": "Number", "StringValue": str(len(body.encode()))}
    assert message["MessageAttributes"]["reason"]["StringValue"] == "oversize"
    document = orjson.loads(body)
    assert base64.b64decode(document["data"]) == raw
    assert (document["reason"], document["eventID"], document["partitionKey"]) == (
        "oversize", poison["eventID"], poison["kinesis"]["partitionKey"])
    assert poison_message(message["Body"], aws_clients.client("s3")) == document, "the tools read it alike"


def test_a_redelivered_large_poison_record_overwrites_its_object(database, dlq_url, payload_bucket, queue_messages):
    event = batch_with(b"{" + b"x" * 400_000)
    sink = processor(database, dlq_url, payload_bucket)
    sink.process(event["Records"], FakeContext())
    sink.process(event["Records"], FakeContext())  # Kinesis redelivers the chunk
    messages = queue_messages(dlq_url)
    assert len(messages) == 2 and len({m["Body"] for m in messages}) == 1, "both point at one object"
    assert payload_keys(payload_bucket) == [s3_pointer(messages[0]["Body"])[1]]


def test_a_small_poison_record_stays_inline(database, dlq_url, payload_bucket, queue_messages):
    raw = b'{"event_id": "not-a-uuid"}' + b" " * 150_000  # poison, and its message still fits in SQS
    processor(database, dlq_url, payload_bucket).process(batch_with(raw)["Records"], FakeContext())
    [message] = queue_messages(dlq_url)
    assert s3_pointer(message["Body"]) is None and SIZE_ATTRIBUTE not in message["MessageAttributes"]
    body = orjson.loads(message["Body"])
    assert base64.b64decode(body["data"]) == raw and body["dataBase64Chars"] == len(body["data"])
    assert payload_keys(payload_bucket) == []


@pytest.fixture
def dead_lettered(aws, dlq_url, payload_bucket) -> dict:
    """A one-shard stream, and three of its records in the DLQ out of order (one ~900 KB, one delivered twice)."""
    kinesis = aws_clients.client("kinesis")
    name = f"poison-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})
    payloads = [b"{not json", random.Random(3).randbytes(900_000), b'{"event_id": "x"}']
    records = kinesis_event(payloads, ["k1", "k2", "k1"], stream=name)["Records"]
    dead_letter = SqsDeadLetter(dlq_url, lambda: aws_clients.client("sqs"),
                                PayloadBucket(payload_bucket, PREFIX, lambda: aws_clients.client("s3")))
    dead_letter.send([Poison(2, "invalid_event", "event_id"), Poison(1, "oversize", "900,000 bytes")], records)
    dead_letter.send([Poison(0, "malformed_json", "line 1"), Poison(2, "invalid_event", "event_id")], records)
    return {"stream": name, "payloads": payloads, "keys": ["k1", "k2", "k1"]}


def stream_contents(name: str) -> list[tuple[str, bytes]]:
    kinesis = aws_clients.client("kinesis")
    shard = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return [(r["PartitionKey"], r["Data"]) for r in kinesis.get_records(ShardIterator=iterator, Limit=100)["Records"]]


def test_redrive_puts_each_poison_record_back_whole_in_order_and_empties_the_queue(
        dead_lettered, dlq_url, payload_bucket, queue_messages, capsys):
    assert replay_cli.main(["--dead-letter", dlq_url, "--ordered"]) == 0
    assert "replayed 3 record(s)" in capsys.readouterr().out
    assert stream_contents(dead_lettered["stream"]) == list(zip(dead_lettered["keys"], dead_lettered["payloads"], strict=True))
    assert queue_messages(dlq_url) == []
    assert len(payload_keys(payload_bucket)) == 1, "the stored payload stays in the archive bucket"


def test_a_dry_run_redrive_puts_nothing_and_leaves_the_messages(dead_lettered, dlq_url, queue_messages, capsys):
    assert replay_cli.main(["--dead-letter", dlq_url, "--dry-run"]) == 0
    assert "would replay 3 record(s)" in capsys.readouterr().out
    assert stream_contents(dead_lettered["stream"]) == []
    assert len(queue_messages(dlq_url)) == 4


def test_replay_needs_exactly_one_source(capsys):
    for argv in ([], ["s3://bucket/key", "--dead-letter", "https://queue"]):
        with pytest.raises(SystemExit) as exited:
            replay_cli.main(argv)
        assert exited.value.code == 2
        assert "give either an s3://BUCKET/KEY archive or --dead-letter QUEUE_URL" in capsys.readouterr().err
