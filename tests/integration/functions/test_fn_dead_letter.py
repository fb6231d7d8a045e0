"""Poison payloads reach the dead-letter queue whole: inline when they fit in an SQS message, else in
S3 behind the SQS Extended Client Library's pointer, which the tools' reader follows (the redrive:
test_redrive.py). Real SQS, S3 and Kinesis (moto server), real PostgreSQL."""

from __future__ import annotations

import base64
import random

import orjson
import pytest
from failure_handler import replay as replay_cli
from kinesis_events import FakeContext, clickstream_events, kinesis_event
from pipeline_common import aws_clients
from pipeline_common.retry import RetryPolicy
from pipeline_common.sqs_large_payload import SIZE_ATTRIBUTE
from pipeline_contract.dead_letter import poison_message, s3_pointer
from stream_processor.batch import BatchLimits, BatchProcessor
from stream_processor.dead_letter import PayloadBucket, SqsDeadLetter
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
    [stored] = payload_keys(payload_bucket)
    body = aws_clients.client("s3").get_object(Bucket=payload_bucket, Key=stored)["Body"].read().decode()
    assert message["MessageAttributes"][SIZE_ATTRIBUTE] == {"DataType": "Number", "StringValue": str(len(body.encode()))}
    assert message["MessageAttributes"]["reason"]["StringValue"] == "oversize"
    document = orjson.loads(body)
    assert base64.b64decode(document["data"]) == raw
    assert (document["reason"], document["eventID"], document["partitionKey"]) == (
        "oversize", poison["eventID"], poison["kinesis"]["partitionKey"])
    assert poison_message(message["Body"], aws_clients.client("s3")) == document, "the tools' reader follows the pointer"


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


def test_replay_takes_an_archive_and_points_a_dead_letter_redrive_to_make_redrive(capsys):
    for argv, problem in (([], "give the s3://BUCKET/KEY of a failed-batch archive"),
                          (["--dead-letter", "https://queue"], "the dead-letter redrive is `make redrive ARGS='--queue QUEUE_URL'`")):
        with pytest.raises(SystemExit) as exited:
            replay_cli.main(argv)
        assert exited.value.code == 2
        assert problem in capsys.readouterr().err
