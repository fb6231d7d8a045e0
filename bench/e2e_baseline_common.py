"""What both baselines of the end-to-end benchmark share with each other and with the handler's contract.

The same two tables as the handler (events keyed by event_id, per page/type/UTC-minute counters
incremented only from rows actually inserted), the same dead-letter message (payload, partition key,
sequence number, reason) sent to SQS in batches of ten, one warm connection: so every variant does
the same work and only the way it does it differs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import orjson

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS clickstream_events (
    event_id        uuid PRIMARY KEY,
    event_type      text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    user_id         text NOT NULL,
    session_id      text NOT NULL,
    page            text NOT NULL,
    referrer        text,
    user_agent      text,
    duration_ms     bigint,
    properties      jsonb,
    shard_id        text NOT NULL,
    partition_key   text NOT NULL,
    sequence_number text NOT NULL,
    arrived_at      timestamptz NOT NULL,
    stored_at       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS page_minute_counts (
    page        text NOT NULL,
    event_type  text NOT NULL,
    minute      timestamptz NOT NULL,
    events      bigint NOT NULL,
    PRIMARY KEY (page, event_type, minute)
);
"""


def connect() -> Any:
    """A connection configured like the handler's, from the same environment variables."""
    import psycopg

    return psycopg.connect(host=os.environ["DB_HOST"], port=int(os.environ["DB_PORT"]), dbname=os.environ["DB_NAME"],
                           user=os.environ["DB_USER"], sslmode=os.environ.get("DB_SSLMODE", "prefer"),
                           prepare_threshold=None, autocommit=False, application_name="bench-baseline")


def sqs_client() -> Any:
    import boto3

    return boto3.client("sqs", region_name=os.environ["AWS_REGION"], endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))


def send_poison(sqs: Any, queue_url: str, poison: Sequence[tuple[dict, str]]) -> int:
    """Send (Kinesis `kinesis` dict, reason) pairs to the dead-letter queue, ten per call; raise unless all arrive."""
    for start in range(0, len(poison), 10):
        entries = [{"Id": str(n), "MessageBody": orjson.dumps({
            "reason": reason[:1_000], "partitionKey": kinesis["partitionKey"],
            "sequenceNumber": kinesis["sequenceNumber"], "data": kinesis["data"]}).decode(),
            "MessageAttributes": {"reason": {"DataType": "String", "StringValue": "poison"}}}
            for n, (kinesis, reason) in enumerate(poison[start:start + 10])]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"SQS refused {len(response['Failed'])} poison messages")
    return len(poison)
