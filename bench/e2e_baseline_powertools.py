"""Baseline (a): the handler most users would write with AWS Lambda Powertools.

Powertools' BatchProcessor with a pydantic model for the Kinesis record (the documented pattern:
a payload model whose `data` is the event model, decoded by a before-validator with Powertools'
base64_decode and `json.loads`), a record handler that turns each valid event into a row, records
that fail the model sent to the dead-letter queue, then psycopg `executemany` of
INSERT ... ON CONFLICT (event_id) DO NOTHING RETURNING the counter keys, and the per page/minute
counters from the rows that were actually inserted, all in one transaction.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from aws_lambda_powertools.shared.functions import base64_decode
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.parser.models import KinesisDataStreamRecord, KinesisDataStreamRecordPayload
from e2e_baseline_common import SCHEMA_SQL, connect, send_poison, sqs_client
from psycopg.types.json import Jsonb
from pydantic import AwareDatetime, BaseModel, Field, field_validator

Identifier = Annotated[str, Field(min_length=1, max_length=128)]


class ClickEvent(BaseModel):
    event_id: UUID
    event_type: Literal["page_view", "click", "scroll", "add_to_cart", "remove_from_cart", "checkout", "purchase",
                        "search"]
    timestamp: AwareDatetime
    user_id: Identifier
    session_id: Identifier
    page: Annotated[str, Field(min_length=1, max_length=2048, pattern="^/")]
    referrer: Annotated[str, Field(max_length=2048)] | None = None
    user_agent: Annotated[str, Field(max_length=512)] | None = None
    duration_ms: Annotated[int, Field(ge=0, le=86_400_000)] | None = None
    properties: dict[str, Any] | None = None


class ClickPayload(KinesisDataStreamRecordPayload):
    data: ClickEvent

    @field_validator("data", mode="before")
    def data_base64_decode(cls, value: str) -> Any:
        """Replaces Powertools' own before-validator of `data` (it would run after this one): base64, then JSON."""
        return json.loads(base64_decode(value))


class ClickRecord(KinesisDataStreamRecord):
    kinesis: ClickPayload


INSERT_SQL = """
INSERT INTO clickstream_events (event_id, event_type, occurred_at, user_id, session_id, page, referrer, user_agent,
                                duration_ms, properties, shard_id, partition_key, sequence_number, arrived_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (event_id) DO NOTHING
RETURNING page, event_type, date_trunc('minute', occurred_at, 'UTC')
"""
COUNTERS_SQL = """
INSERT INTO page_minute_counts AS c (page, event_type, minute, events) VALUES (%s, %s, %s, %s)
ON CONFLICT (page, event_type, minute) DO UPDATE SET events = c.events + excluded.events
"""


class Baseline:
    """One per process, like a Lambda execution environment."""

    def __init__(self) -> None:
        self.processor = BatchProcessor(event_type=EventType.KinesisDataStreams, model=ClickRecord)
        self.queue_url = os.environ["DLQ_URL"]
        self.conn: Any = None
        self.sqs: Any = None
        self.rows: list[tuple] = []

    def connect(self) -> None:
        self.conn = connect()

    def ensure_schema(self) -> None:
        with self.conn.transaction():
            self.conn.execute(SCHEMA_SQL)

    def make_sqs(self) -> None:
        self.sqs = sqs_client()

    def record_handler(self, record: ClickRecord) -> None:
        event, kinesis = record.kinesis.data, record.kinesis
        self.rows.append((event.event_id, event.event_type, event.timestamp, event.user_id, event.session_id,
                          event.page, event.referrer, event.user_agent, event.duration_ms,
                          None if event.properties is None else Jsonb(event.properties),
                          record.eventID.split(":", 1)[0], kinesis.partitionKey, kinesis.sequenceNumber,
                          datetime.fromtimestamp(kinesis.approximateArrivalTimestamp, UTC)))

    def handler(self, event: dict, context: Any) -> dict:
        if self.conn is None:
            self.connect()
            self.ensure_schema()
        if self.sqs is None:
            self.make_sqs()
        self.rows = []
        with self.processor(records=event["Records"], handler=self.record_handler, lambda_context=context):
            self.processor.process()
        poison = [(failed.raw_event["kinesis"], repr(error[1]))
                  for failed, error in zip(self.processor.fail_messages, self.processor.exceptions, strict=True)]
        send_poison(self.sqs, self.queue_url, poison)
        with self.conn.transaction(), self.conn.cursor() as cursor:
            cursor.executemany(INSERT_SQL, self.rows, returning=True)
            counts: Counter[tuple] = Counter()
            while True:
                counts.update(map(tuple, cursor.fetchall()))
                if not cursor.nextset():
                    break
            cursor.executemany(COUNTERS_SQL, [(*key, n) for key, n in sorted(counts.items())])
        return {"batchItemFailures": []}
