"""Baseline (b): the fastest straightforward handler: orjson, a few checks, COPY, one INSERT ... SELECT.

Per record: base64 + orjson, a handful of type/shape checks (the same rules as the handler: UUID
form, event type, timestamp with offset, lengths, duration range, object properties), a row tuple.
Per batch: binary COPY of the rows into a temporary staging table (created once per connection,
emptied on commit), then one statement that inserts from it with ON CONFLICT (event_id) DO NOTHING
and increments the counters from the rows it returned; the poison goes to the dead-letter queue.
"""

from __future__ import annotations

import binascii
import os
import re
from datetime import UTC, datetime
from typing import Any

import orjson
from e2e_baseline_common import SCHEMA_SQL, connect, send_poison, sqs_client

EVENT_TYPES = frozenset({"page_view", "click", "scroll", "add_to_cart", "remove_from_cart", "checkout", "purchase",
                         "search"})
_uuid = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}").fullmatch

STAGING_SQL = """
CREATE TEMP TABLE IF NOT EXISTS staging (
    event_id text, event_type text, occurred_at timestamptz, user_id text, session_id text, page text,
    referrer text, user_agent text, duration_ms bigint, properties jsonb, partition_key text,
    sequence_number text, arrived_at timestamptz
) ON COMMIT DELETE ROWS
"""
STAGING_TYPES = ["text", "text", "timestamptz", "text", "text", "text", "text", "text", "int8", "jsonb", "text",
                 "text", "timestamptz"]
INSERT_SQL = """
WITH inserted AS (
    INSERT INTO clickstream_events (event_id, event_type, occurred_at, user_id, session_id, page, referrer,
                                    user_agent, duration_ms, properties, shard_id, partition_key, sequence_number,
                                    arrived_at)
    SELECT event_id::uuid, event_type, occurred_at, user_id, session_id, page, referrer, user_agent, duration_ms,
           properties, %s, partition_key, sequence_number, arrived_at
    FROM staging
    ON CONFLICT (event_id) DO NOTHING
    RETURNING page, event_type, date_trunc('minute', occurred_at, 'UTC') AS minute
)
INSERT INTO page_minute_counts AS c (page, event_type, minute, events)
SELECT page, event_type, minute, count(*) FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
ON CONFLICT (page, event_type, minute) DO UPDATE SET events = c.events + excluded.events
"""


def _text(value: object, limit: int, required: bool = True) -> bool:
    return (type(value) is str and (not required or value != "") and len(value) <= limit) or \
        (not required and value is None)


def row(data: str, kinesis: dict) -> tuple | str:
    """The staging row of one record, or why it is poison."""
    try:
        document = orjson.loads(binascii.a2b_base64(data))
    except (binascii.Error, orjson.JSONDecodeError) as error:
        return f"undecodable: {error}"
    if type(document) is not dict:
        return "not an object"
    get = document.get
    event_id, stamp, page, duration, properties = (get("event_id"), get("timestamp"), get("page"),
                                                   get("duration_ms"), get("properties"))
    if not (type(event_id) is str and _uuid(event_id) and get("event_type") in EVENT_TYPES
            and _text(get("user_id"), 128) and _text(get("session_id"), 128)
            and type(page) is str and page.startswith("/") and len(page) <= 2048
            and _text(get("referrer"), 2048, False) and _text(get("user_agent"), 512, False)
            and (duration is None or (type(duration) is int and 0 <= duration <= 86_400_000))
            and (properties is None or type(properties) is dict) and type(stamp) is str):
        return "invalid event"
    try:
        occurred = datetime.fromisoformat(stamp)
    except ValueError:
        return "invalid timestamp"
    if occurred.tzinfo is None:
        return "timestamp without offset"
    return (event_id, document["event_type"], occurred, document["user_id"], document["session_id"], page,
            get("referrer"), get("user_agent"), duration, properties,
            kinesis["partitionKey"], kinesis["sequenceNumber"],
            datetime.fromtimestamp(kinesis["approximateArrivalTimestamp"], UTC))


class Baseline:
    """One per process, like a Lambda execution environment."""

    def __init__(self) -> None:
        self.queue_url = os.environ["DLQ_URL"]
        self.conn: Any = None
        self.sqs: Any = None

    def connect(self) -> None:
        from psycopg.types.json import set_json_dumps

        self.conn = connect()
        set_json_dumps(orjson.dumps, self.conn)

    def ensure_schema(self) -> None:
        with self.conn.transaction():
            self.conn.execute(SCHEMA_SQL)
            self.conn.execute(STAGING_SQL)

    def make_sqs(self) -> None:
        self.sqs = sqs_client()

    def handler(self, event: dict, context: Any) -> dict:
        if self.conn is None:
            self.connect()
            self.ensure_schema()
        if self.sqs is None:
            self.make_sqs()
        records = event["Records"]
        rows, poison = [], []
        for record in records:
            kinesis = record["kinesis"]
            result = row(kinesis["data"], kinesis)
            if type(result) is str:
                poison.append((kinesis, result))
            else:
                rows.append(result)
        send_poison(self.sqs, self.queue_url, poison)
        shard_id = records[0]["eventID"].split(":", 1)[0] if records else ""
        with self.conn.transaction(), self.conn.cursor() as cursor:
            with cursor.copy("COPY staging FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(STAGING_TYPES)
                for values in rows:
                    copy.write_row(values)
            cursor.execute(INSERT_SQL, (shard_id,))
        return {"batchItemFailures": []}
