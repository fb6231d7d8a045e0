"""The failure handler and `replay` against Kinesis and S3 on the moto server.

Parsing the on-failure message alone: tests/unit/functions/test_fn_on_failure_records.py."""

from __future__ import annotations

import base64
import importlib
import sys
import uuid

import pytest
from failure_handler import replay as replay_cli
from failure_handler.archive import decode
from kinesis_events import FakeContext, on_failure_sns_event
from pipeline_common import aws_clients


@pytest.fixture
def archive_handler(aws, monkeypatch):
    """The deployed handler module, imported with its environment (bucket on the emulator)."""
    bucket = f"archive-{uuid.uuid4().hex[:8]}"
    aws_clients.client("s3").create_bucket(Bucket=bucket)
    monkeypatch.setenv("ARCHIVE_BUCKET", bucket)
    monkeypatch.setenv("ARCHIVE_PREFIX", "failed/")
    module = importlib.reload(sys.modules["failure_handler.lambda_handler"]) \
        if "failure_handler.lambda_handler" in sys.modules else importlib.import_module("failure_handler.lambda_handler")
    return module, bucket


def read_archive(bucket: str, key: str) -> dict:
    return decode(aws_clients.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def test_failed_batch_is_reread_exactly_and_archived_once(stream, archive_handler):
    module, bucket = archive_handler
    event = on_failure_sns_event(stream, 10, 19)
    result = module.handler(event, FakeContext())
    key = f"failed/{stream['name']}/{stream['shard']}/{stream['sequences'][10]}-{stream['sequences'][19]}.json.gz"
    assert result["archived"][0]["key"] == key and result["archived"][0]["outcome"] == "written"

    document = read_archive(bucket, key)
    assert document["complete"] is True and document["record_count"] == 10
    assert [r["sequenceNumber"] for r in document["records"]] == stream["sequences"][10:20]
    assert [base64.b64decode(r["data"]) for r in document["records"]] == stream["payloads"][10:20]
    assert [r["partitionKey"] for r in document["records"]] == stream["keys"][10:20]
    assert document["on_failure"]["requestContext"]["condition"] == "RetryAttemptsExhausted"

    etag = aws_clients.client("s3").head_object(Bucket=bucket, Key=key)["ETag"]
    again = module.handler(event, FakeContext())
    assert again["archived"][0]["outcome"] == "kept"
    assert aws_clients.client("s3").head_object(Bucket=bucket, Key=key)["ETag"] == etag
    assert len(aws_clients.client("s3").list_objects_v2(Bucket=bucket)["Contents"]) == 1


def test_range_whose_end_is_gone_is_archived_as_incomplete(stream, archive_handler):
    module, bucket = archive_handler
    missing_end = str(int(stream["sequences"][-1]) + 10**20)
    result = module.handler(on_failure_sns_event(stream, 25, 29, end_sequence=missing_end), FakeContext())
    entry = result["archived"][0]
    assert (entry["complete"], entry["records"]) == (False, 5)
    assert read_archive(bucket, entry["key"])["note"].startswith("end sequence")


def test_replay_puts_the_archived_records_back_with_their_partition_keys(stream, archive_handler, capsys):
    module, bucket = archive_handler
    key = module.handler(on_failure_sns_event(stream, 3, 8), FakeContext())["archived"][0]["key"]
    assert replay_cli.main([f"s3://{bucket}/{key}"]) == 0
    assert "replayed 6 record(s)" in capsys.readouterr().out

    kinesis = aws_clients.client("kinesis")
    iterator = kinesis.get_shard_iterator(StreamName=stream["name"], ShardId=stream["shard"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    assert len(records) == 36
    replayed = sorted((r["PartitionKey"], r["Data"]) for r in records[30:])
    assert replayed == sorted(zip(stream["keys"][3:9], stream["payloads"][3:9], strict=True))


def test_ordered_replay_into_another_stream_keeps_order(stream, archive_handler):
    module, bucket = archive_handler
    key = module.handler(on_failure_sns_event(stream, 0, 11), FakeContext())["archived"][0]["key"]
    kinesis = aws_clients.client("kinesis")
    kinesis.create_stream(StreamName=f"{stream['name']}-replay", ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=f"{stream['name']}-replay", WaiterConfig={"Delay": 0.2})
    assert replay_cli.main([f"s3://{bucket}/{key}", "--stream", f"{stream['name']}-replay", "--ordered"]) == 0
    shard = kinesis.list_shards(StreamName=f"{stream['name']}-replay")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName=f"{stream['name']}-replay", ShardId=shard,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    assert [r["Data"] for r in records] == stream["payloads"][:12]


def test_replay_rejects_a_bad_url_and_a_missing_archive_with_one_line(aws, capsys):
    assert replay_cli.main(["bucket/key"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    assert replay_cli.main(["s3://no-such-bucket-x/key.json.gz"]) == 2
    assert "cannot read s3://no-such-bucket-x/key.json.gz" in capsys.readouterr().err

