"""The records a measurement runs through the function: the project's clickstream traffic, or records
read back from a stream (`--from-stream`), shaped into events as the mapping runner shapes them.

Generated records are all valid events (the demo's malformed share is 0 here): a poison record sends
the function to its dead-letter queue, which costs an SQS call the steady path never makes.
"""

from __future__ import annotations

import time
from typing import Any

from local_stack.demo.clickstream import generate
from local_stack.esm.kinesis_records import StreamRecord, event_record

from sizing.errors import SizingError

SHARD_ID = "shardId-000000000000"
SEQUENCE_BASE = 49_600_000_000_000_000_000  # a Kinesis-like decimal sequence number
USERS = 1000  # distinct partition keys of generated traffic, as `make send` uses


def generated(count: int, seed: int = 15) -> list[StreamRecord]:
    """`count` clickstream records from the demo's generator, as GetRecords would return them."""
    now = time.time()
    return [StreamRecord(str(SEQUENCE_BASE + i), key, data, now)
            for i, (key, data, _) in enumerate(generate(count, USERS, 0.0, seed))]


def recorded(kinesis: Any, stream: str, count: int, needed: int) -> list[StreamRecord]:
    """Up to `count` records from the start of `stream`'s shards (GetRecords from TRIM_HORIZON), shard after shard;
    SizingError when there are fewer than `needed`."""
    try:
        shards = [s["ShardId"] for page in kinesis.get_paginator("list_shards").paginate(StreamName=stream) for s in page["Shards"]]
        records: list[StreamRecord] = []
        for shard in shards:
            iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while iterator and len(records) < count:
                response = kinesis.get_records(ShardIterator=iterator, Limit=min(10_000, count - len(records)))
                records += [StreamRecord.from_get_records(r) for r in response["Records"]]
                if not response["Records"] and response.get("MillisBehindLatest", 0) == 0:
                    break  # at the tip of this shard
                iterator = response.get("NextShardIterator")
    except Exception as exc:  # botocore's errors: no such stream, no credentials, no endpoint
        raise SizingError(f"--from-stream {stream}: cannot read it ({exc}): check the name and the AWS environment "
                          "(AWS_ENDPOINT_URL, AWS_REGION, credentials)") from None
    if len(records) < needed:
        raise SizingError(f"--from-stream {stream}: holds {len(records):,} records, the grid needs {needed:,}: "
                          "send more, or lower --batch-sizes or --batches-per-cell")
    return records


def average_bytes(records: list[StreamRecord]) -> float:
    return sum(len(r.data) for r in records) / len(records)


def batch_event(records: list[StreamRecord], stream_arn: str, region: str, role_arn: str) -> dict[str, Any]:
    """The Kinesis event of one batch, as the local stack's mapping runner builds it."""
    return {"Records": [event_record(r, SHARD_ID, stream_arn, region, role_arn) for r in records]}
