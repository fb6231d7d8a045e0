"""`make redrive` (operations.redrive) round trip on real SQS, S3, Kinesis and Lambda (moto server) and a real
PostgreSQL, with the processor's own BatchProcessor on both sides.

The rule that made records poison, and its fix, are the processor's own: records pass through a
BatchProcessor with MAX_EVENT_BYTES=1024 (valid events over 1 KB, one of ~300 KB whose message goes
to S3 behind a pointer, are dead-lettered as `oversize`, beside truly broken records); then the
deployed function's MAX_EVENT_BYTES is raised (a Lambda function in moto whose environment the
redrive reads), the redrive puts the now-valid records back, and a BatchProcessor with the raised
limit consumes them: every event stored exactly once, the broken records still in the queue. A
redrive killed after each step and run again loses nothing and stores nothing twice.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from collections import Counter
from typing import Any

import orjson
import pytest
from kinesis_events import FakeContext, clickstream_events, kinesis_record
from operations import redrive
from pipeline_common import aws_clients
from pipeline_common.retry import RetryPolicy
from repo_paths import REPO_ROOT
from stream_processor.batch import BatchLimits, BatchProcessor
from stream_processor.dead_letter import PayloadBucket, SqsDeadLetter
from stream_processor.postgres_sink import PostgresSink
from waiting import wait_until

LIMIT_BEFORE = 1_024  # MAX_EVENT_BYTES when the records were processed
LIMIT_NOW = 1_048_576  # and once raised: the processor's largest setting
KEYS = 12  # distinct partition keys of the oversize events: more than one SQS batch of deletes per put call
ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
# Runs a redrive in a child process that dies (os._exit: no cleanup, like kill -9) at the nth call of a step.
KILLED_AT = """
import os, sys
from operations import redrive
step, nth, seen = sys.argv[1], int(sys.argv[2]), []
def hook(at):
    seen.append(at)
    if seen.count(step) == nth:
        os._exit(137)
sys.exit(redrive.main(sys.argv[3:], hook=hook))
"""


def processor(database: Any, dlq_url: str, bucket: str, max_event_bytes: int) -> BatchProcessor:
    fast = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)
    return BatchProcessor(
        sink=PostgresSink(database.connect_kwargs),
        dead_letter=SqsDeadLetter(dlq_url, lambda: aws_clients.client("sqs"),
                                  PayloadBucket(bucket, "dead-letter/", lambda: aws_clients.client("s3")), policy=fast),
        limits=BatchLimits(max_event_bytes=max_event_bytes, sink_policy=fast, time_reserve_seconds=1.0))


def stream_records(name: str) -> dict[str, list[dict[str, Any]]]:
    """Every record of every shard, as GetRecords returns them."""
    kinesis = aws_clients.client("kinesis")
    found = {}
    for shard in kinesis.list_shards(StreamName=name)["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        found[shard["ShardId"]] = records = []
        while batch := kinesis.get_records(ShardIterator=iterator, Limit=10_000):
            records += batch["Records"]
            iterator = batch["NextShardIterator"]
            if not batch["Records"]:
                break
    return found


def consume(setup: dict[str, Any], max_event_bytes: int, skip: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """What the processor does with the stream's records not in `skip`: one batch per shard. Returns their (shard, sequence)."""
    seen = set()
    for shard, records in stream_records(setup["stream"]).items():
        fresh = [r for r in records if (shard, r["SequenceNumber"]) not in skip]
        if fresh:
            batch = [kinesis_record(r["Data"], int(r["SequenceNumber"]), r["PartitionKey"], setup["stream"], shard) for r in fresh]
            result = processor(setup["database"], setup["dlq"], setup["bucket"], max_event_bytes).process(batch, FakeContext())
            assert result.response == {"batchItemFailures": []}
        seen |= {(shard, r["SequenceNumber"]) for r in fresh}
    return seen


def queue_depth(url: str) -> tuple[int, int]:
    """(visible, in flight) messages."""
    attributes = aws_clients.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def deployed_processor(dlq_url: str, bucket: str, max_event_bytes: int) -> str:
    """A stream processor function as Terraform would deploy it, whose configuration carries the rule."""
    lam = aws_clients.client("lambda")
    role = aws_clients.client("iam").create_role(RoleName=f"processor-{uuid.uuid4().hex[:8]}",
                                                 AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("stream_processor/__init__.py", "")
    name = f"processor-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="stream_processor.lambda_handler.handler",
                        Code={"ZipFile": code.getvalue()}, Environment={"Variables": {
                            "DLQ_URL": dlq_url, "DLQ_PAYLOAD_BUCKET": bucket, "DB_HOST": "proxy.example", "DB_NAME": "clicks",
                            "DB_USER": "clicks_app", "MAX_EVENT_BYTES": str(max_event_bytes)}})
    return name


@pytest.fixture
def setup(aws: Any, database: Any, dlq_url: str, payload_bucket: str) -> dict[str, Any]:
    """A two-shard stream processed with MAX_EVENT_BYTES=1024: 6 small events stored; 14 larger valid events
    (12 keys, one of them with three events; one ~300 KB, kept in S3) and 2 broken records dead-lettered."""
    kinesis = aws_clients.client("kinesis")
    name = f"redrive-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})
    events = clickstream_events(22, seed=41)
    small = events[:6]
    large = [dict(e, properties={"note": "x" * (300_000 if i == 3 else 2_000 + i)}) for i, e in enumerate(events[6:20])]
    large_keys = [f"key-{i:02d}" for i in range(KEYS)] + ["key-00", "key-00"]  # one key with three: three put calls
    broken = [b"{not json", orjson.dumps(dict(events[20], event_id="not-a-uuid"))]
    payloads = [orjson.dumps(e) for e in small] + [orjson.dumps(e) for e in large] + broken
    keys = [e["user_id"] for e in small] + large_keys + ["key-broken-1", "key-broken-2"]
    for payload, key in zip(payloads, keys, strict=True):  # one by one: the order per key is the order written
        kinesis.put_record(StreamName=name, Data=payload, PartitionKey=key)
    setup = {"stream": name, "database": database, "dlq": dlq_url, "bucket": payload_bucket,
             "large": {e["event_id"]: (orjson.dumps(e), k) for e, k in zip(large, large_keys, strict=True)},
             "small": {e["event_id"] for e in small}}
    setup["original"] = consume(setup, LIMIT_BEFORE, skip=set())
    assert database.query("SELECT count(*) FROM clickstream_events") == [(6,)]
    assert queue_depth(dlq_url) == (16, 0)
    setup["function"] = deployed_processor(dlq_url, payload_bucket, LIMIT_NOW)
    return setup


def redriven(setup: dict[str, Any]) -> list[dict[str, Any]]:
    """The records put back since the processor's first pass, in stream order per shard."""
    return [r for shard, records in stream_records(setup["stream"]).items() for r in records
            if (shard, r["SequenceNumber"]) not in setup["original"]]


def assert_every_event_stored_once_and_only_the_broken_left(setup: dict[str, Any], duplicates: int, ordered: bool = True) -> None:
    records = redriven(setup)
    counts = Counter(orjson.loads(r["Data"])["event_id"] for r in records)
    assert set(counts) == set(setup["large"]), "every valid poison record is back in the stream, nothing else"
    assert sum(counts.values()) - len(counts) == duplicates and max(counts.values()) <= 2
    for record in records:
        payload, key = setup["large"][orjson.loads(record["Data"])["event_id"]]
        assert (record["Data"], record["PartitionKey"]) == (payload, key), "whole payload, original partition key"
    firsts: dict[str, list[str]] = {}
    for record in records:  # first appearances per key: the original order
        event_id = orjson.loads(record["Data"])["event_id"]
        if event_id not in firsts.setdefault(record["PartitionKey"], []):
            firsts[record["PartitionKey"]].append(event_id)
    if ordered:
        assert firsts == {key: [e for e, (_, k) in setup["large"].items() if k == key] for key in firsts}
    consume(setup, LIMIT_NOW, skip=setup["original"])
    stored = setup["database"].query("SELECT event_id::text, count(*) FROM clickstream_events GROUP BY 1")
    assert dict(stored) == dict.fromkeys(setup["small"] | set(setup["large"]), 1)
    assert queue_depth(setup["dlq"]) == (2, 0), "only the broken records stay, visible"


def run(setup: dict[str, Any], *args: str) -> list[str]:
    return ["--aws", "--queue", setup["dlq"], "--function", setup["function"], *args]


def test_round_trip_after_the_limit_is_raised(setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert redrive.main(run(setup)) == 0
    out = capsys.readouterr().out
    assert f"MAX_EVENT_BYTES={LIMIT_NOW} (from {setup['function']}'s configuration)" in out
    assert f"warning: {setup['function']} runs other code than this checkout's build" in out, "its zip is a stand-in"
    assert "16 message(s), 16 record(s)" in out and "put back 14 record(s) into arn:aws:kinesis:" in out
    assert "deleted 14 message(s)" in out
    table = out.split("still poison, left in the queue:\n", 1)[1].splitlines()
    assert table[0].split()[:3] == ["reason", "now", "records"]
    assert [row.split()[:3] for row in table[2:4]] == [["invalid_event", "1", "invalid_event"], ["malformed_json", "1", "malformed_json"]]
    assert_every_event_stored_once_and_only_the_broken_left(setup, duplicates=0)
    stored = aws_clients.client("s3").list_objects_v2(Bucket=setup["bucket"])["KeyCount"]
    assert stored == 1, "the ~300 KB record's message, kept in S3 behind its pointer, stays (as the extended client leaves it)"

    assert redrive.main(run(setup)) == 0, "a second run finds only the broken records"
    lines = capsys.readouterr().out.splitlines()
    assert "deleted 0 message(s) of records put back" in lines and not any(line.startswith("put back") for line in lines)
    assert len(redriven(setup)) == 14


def test_with_the_old_limit_nothing_moves(setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert redrive.main(["--aws", "--queue", setup["dlq"], "--max-event-bytes", str(LIMIT_BEFORE)]) == 0
    out = capsys.readouterr().out
    assert "oversize" in out and "deleted 0 message(s) of records put back" in out and redriven(setup) == []
    assert queue_depth(setup["dlq"]) == (16, 0)


def test_a_dry_run_puts_nothing_and_leaves_every_message_visible(setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert redrive.main(run(setup, "--dry-run")) == 0
    assert "dry run: 14 record(s) would be put back, 2 stay" in capsys.readouterr().out
    assert redriven(setup) == [] and queue_depth(setup["dlq"]) == (16, 0)


def test_a_run_capped_by_max_messages_leaves_the_rest_to_the_next(setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert redrive.main(run(setup, "--max-messages", "5")) == 0
    assert "5 message(s), 5 record(s) (--max-messages reached: run again for the rest)" in capsys.readouterr().out
    assert sum(queue_depth(setup["dlq"])) == 16 - len(redriven(setup)) and 3 <= len(redriven(setup)) <= 5
    assert redrive.main(run(setup)) == 0
    assert_every_event_stored_once_and_only_the_broken_left(setup, duplicates=0, ordered=False)  # order holds within a run


def test_duplicate_deliveries_of_one_record_are_put_once_and_all_deleted(setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    sqs = aws_clients.client("sqs")
    messages = sqs.receive_message(QueueUrl=setup["dlq"], MaxNumberOfMessages=10, VisibilityTimeout=0,
                                   MessageAttributeNames=["reason"])["Messages"]
    valid_now = next(m for m in messages if m["MessageAttributes"]["reason"]["StringValue"] == "oversize")
    sqs.send_message(QueueUrl=setup["dlq"], MessageBody=valid_now["Body"])  # SQS delivered it twice
    assert redrive.main(run(setup)) == 0
    assert "17 message(s), 16 record(s)" in capsys.readouterr().out
    assert_every_event_stored_once_and_only_the_broken_left(setup, duplicates=0)


@pytest.mark.parametrize(("step", "nth", "duplicates"), [
    ("received", 1, 0),  # everything received and hidden, nothing put
    ("put", 1, KEYS),  # the first PutRecords call (one record per key) confirmed, none of its messages deleted
    ("deleted", 1, KEYS - 10),  # mid-batch: the first ten of its messages deleted, the other two not
    ("put", 2, 1),  # the first call's messages all deleted; the second call (key-00's second record) put, not deleted
])
def test_a_redrive_killed_at_any_step_loses_nothing(setup: dict[str, Any], step: str, nth: int, duplicates: int,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    killed = subprocess.run([sys.executable, "-c", KILLED_AT, step, str(nth), *run(setup, "--visibility-timeout", "2")],
                            cwd=REPO_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False)
    assert killed.returncode == 137, killed.stderr
    wait_until(lambda: queue_depth(setup["dlq"])[1] == 0, 60, "the killed run's messages to reappear")
    assert redrive.main(run(setup)) == 0
    assert_every_event_stored_once_and_only_the_broken_left(setup, duplicates)


def test_an_interrupted_redrive_gives_its_messages_back_at_once(setup: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    def interrupt(step: str) -> None:
        if step == "put":
            raise KeyboardInterrupt

    assert redrive.main(run(setup, "--visibility-timeout", "600"), hook=interrupt) == 130
    assert "error: redrive interrupted; the messages not deleted are in the queue again" in capsys.readouterr().err
    assert queue_depth(setup["dlq"]) == (16, 0), "visible now, not in ten minutes"
    assert redrive.main(run(setup)) == 0
    assert_every_event_stored_once_and_only_the_broken_left(setup, duplicates=KEYS)


def test_the_messages_being_put_stay_hidden_past_their_visibility_timeout(setup: dict[str, Any]) -> None:
    """A slow run (a pause after each of its three put calls) renews the visibility of what it still holds
    every half timeout, so nothing it holds is seen by anyone else, also after the first timeout has ended."""
    started, checks = time.monotonic(), []

    def slow(step: str) -> None:
        if step == "put":
            time.sleep(1.8)  # the passage of time is what is tested (under half the 6 s timeout per pause)
            checks.append((time.monotonic() - started, queue_depth(setup["dlq"])))

    assert redrive.main(run(setup, "--visibility-timeout", "6"), hook=slow) == 0
    assert [depth for _, depth in checks] == [(2, 14), (2, 2), (2, 1)], "only the broken records visible, all along"
    assert checks[-1][0] > 6, "the last look came after the first visibility timeout had ended"
    assert_every_event_stored_once_and_only_the_broken_left(setup, duplicates=0)
