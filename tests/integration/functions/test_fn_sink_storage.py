"""Every value the validator accepts is stored and read back by the real PostgreSQL; what the database
still refuses costs a bisection of the chunk and is poison for that record only (issues 10 and 11)."""

from __future__ import annotations

import json
import math
import random
import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from kinesis_events import clickstream_events, kinesis_event
from pipeline_common import aws_clients
from pipeline_common.retry import RetryPolicy
from stream_processor.batch import BatchLimits, BatchProcessor
from stream_processor.dead_letter import PayloadBucket, SqsDeadLetter
from stream_processor.postgres_sink import PostgresSink

FAST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)


class CountingSink(PostgresSink):
    """The real sink, counting the statements it sends."""

    writes = 0

    def write(self, *args, **kwargs) -> int:
        self.writes += 1
        return super().write(*args, **kwargs)


def make_processor(database, dlq_url: str, chunk_size: int = 1_000) -> BatchProcessor:
    bucket = f"payloads-{uuid.uuid4().hex[:10]}"  # for poison too large for SQS (none of these tests sends one)
    aws_clients.client("s3").create_bucket(Bucket=bucket)
    return BatchProcessor(
        sink=CountingSink(database.connect_kwargs),
        dead_letter=SqsDeadLetter(dlq_url, lambda: aws_clients.client("sqs"),
                                  PayloadBucket(bucket, "dead-letter/", lambda: aws_clients.client("s3")),
                                  policy=FAST_RETRY),
        limits=BatchLimits(chunk_size=chunk_size, sink_policy=FAST_RETRY, time_reserve_seconds=1.0),
    )


def events_with(count: int, changes: dict[int, dict]) -> list[dict]:
    events = clickstream_events(count, seed=11)
    for index, fields in changes.items():
        events[index] = {**events[index], **fields}
    return events


def test_a_page_of_1200_cjk_characters_is_stored_and_counted(database, dlq_url):
    """3.6 KB of UTF-8 (varied, so compression cannot shrink it): over the ~2.7 KB a btree row holds, so the
    counters cannot be keyed by the page itself."""
    rng = random.Random(10)
    page = "/" + "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(1_200))
    event = kinesis_event([orjson.dumps(e) for e in events_with(5, {2: {"page": page}})])
    result = make_processor(database, dlq_url).process(event["Records"])
    assert result.response == {"batchItemFailures": []} and result.summary["poison"] == 0
    assert database.query("SELECT events FROM page_minute_counts WHERE page = %s", (page,)) == [(1,)]
    assert database.query("SELECT count(*) FROM clickstream_events WHERE page = %s", (page,)) == [(1,)]


@pytest.mark.parametrize("junk", ["*", ".", "=", "=="])
def test_base64_only_the_lenient_decoder_reads_is_stored_as_it_decodes(database, dlq_url, junk):
    good = events_with(1, {})[0]
    event = kinesis_event([orjson.dumps(good)])
    data = event["Records"][0]["kinesis"]["data"]
    event["Records"][0]["kinesis"]["data"] = data[:8] + junk + data[8:]
    result = make_processor(database, dlq_url).process(event["Records"])
    assert result.summary["stored"] == 1 and result.summary["poison"] == 0
    assert database.query("SELECT user_id FROM clickstream_events") == [(good["user_id"],)]


EDGE_INSTANTS = {
    "0001-01-01T00:00:00Z": datetime(1, 1, 1, tzinfo=UTC),
    "0001-01-01T05:30:00+05:30": datetime(1, 1, 1, tzinfo=UTC),
    "9999-12-31T23:59:59.999999Z": datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    "9999-12-31T23:59:59.9999999Z": datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    "2026-11-26T12:00:00+05:30:15.5": datetime(2026, 11, 26, 6, 29, 44, 500_000, tzinfo=UTC),
    "2026-03-01T12:00Z": datetime(2026, 3, 1, 12, tzinfo=UTC),
    "2026-03-01 12:00:00.5-00:30": datetime(2026, 3, 1, 12, 30, 0, 500_000, tzinfo=UTC),
}


def test_accepted_instants_are_stored_and_read_back_exactly(database, dlq_url):
    """Python parses the timestamp once; PostgreSQL stores that instant (no second parser to disagree)."""
    stamps = list(EDGE_INSTANTS)
    events = events_with(len(stamps), {i: {"timestamp": stamp} for i, stamp in enumerate(stamps)})
    result = make_processor(database, dlq_url).process(kinesis_event([orjson.dumps(e) for e in events])["Records"])
    assert result.summary["stored"] == len(stamps) and result.summary["poison"] == 0
    stored = dict(database.query("SELECT event_id::text, occurred_at FROM clickstream_events"))
    assert {stamp: stored[e["event_id"]] for stamp, e in zip(stamps, events, strict=True)} == EDGE_INSTANTS


@pytest.mark.parametrize("chunk_size", [1, 4])
def test_separator_characters_empty_strings_and_nulls_round_trip(database, dlq_url, chunk_size):
    """Text columns travel joined by a separator character: values holding the candidates must still split right."""
    every_early_candidate = "\x1f\x1e\x1d\x1c" + "".join(map(chr, range(0xE000, 0xE300)))
    tricky = ["\x1f", "a\x1fb\x1e", "\x1e", "", "None", "\ue0ff", "x" * 2_000, every_early_candidate]
    events = events_with(len(tricky) + 1, {
        i: {"user_id": value[:128] or "u", "referrer": value, "user_agent": None if i % 2 else value[:512],
            "properties": {"note": value}} for i, value in enumerate(tricky)})
    events[-1] = {**events[-1], "referrer": None, "user_agent": None, "properties": None}
    processor = make_processor(database, dlq_url, chunk_size=chunk_size)
    result = processor.process(kinesis_event([orjson.dumps(e) for e in events])["Records"])
    assert result.summary["stored"] == len(events) and result.summary["poison"] == 0
    rows = {row[0]: row[1:] for row in database.query(
        "SELECT event_id::text, user_id, referrer, user_agent, properties, duration_ms FROM clickstream_events")}
    assert {e["event_id"]: (e["user_id"], e.get("referrer"), e.get("user_agent"), e.get("properties"),
                            e.get("duration_ms")) for e in events} == rows


def test_a_row_the_database_refuses_costs_a_bisection_not_a_pass_row_by_row(database, dlq_url, queue_messages):
    """A constraint only the database knows: the refused record is poison with the reason, the rest is stored."""
    events = events_with(1_000, {637: {"user_id": "forbidden"}})
    processor = make_processor(database, dlq_url)
    processor.process(kinesis_event([orjson.dumps(clickstream_events(1, seed=3)[0])])["Records"])  # schema
    database.query("TRUNCATE clickstream_events, page_minute_counts")
    database.query("ALTER TABLE clickstream_events ADD CONSTRAINT no_forbidden CHECK (user_id <> 'forbidden')")
    processor.sink.writes = 0
    event = kinesis_event([orjson.dumps(e) for e in events])
    result = processor.process(event["Records"])

    assert result.response == {"batchItemFailures": []}
    assert result.summary["poison_reasons"] == {"sink_rejected": 1} and result.summary["stored"] == 999
    assert processor.sink.writes <= 2 * math.ceil(math.log2(1_000)) + 1
    assert database.query("SELECT count(*) FROM clickstream_events") == [(999,)]
    assert database.query("SELECT sum(events) FROM page_minute_counts") == [(999,)]
    [message] = queue_messages(dlq_url)
    body = orjson.loads(message["Body"])
    assert body["sequenceNumber"] == event["Records"][637]["kinesis"]["sequenceNumber"]
    assert body["reason"] == "sink_rejected" and "23514" in body["detail"] and "no_forbidden" in body["detail"]


def test_a_program_limit_error_is_the_records_fault_not_an_outage(database, dlq_url, queue_messages):
    """SQLSTATE class 54 (here an index row too large) arrives as psycopg's OperationalError: still poison."""
    processor = make_processor(database, dlq_url)
    processor.process(kinesis_event([orjson.dumps(clickstream_events(1, seed=3)[0])])["Records"])  # schema
    database.query("CREATE INDEX page_lookup ON clickstream_events (page)")
    rng = random.Random(54)
    page = "/" + "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(2_047))  # 6 KB of UTF-8 pglz cannot shrink
    event = kinesis_event([orjson.dumps(e) for e in events_with(20, {9: {"page": page}})])
    result = processor.process(event["Records"])
    assert result.response == {"batchItemFailures": []}
    assert result.summary["poison_reasons"] == {"sink_rejected": 1} and result.summary["stored"] == 19
    [message] = queue_messages(dlq_url)
    assert "54000" in orjson.loads(message["Body"])["detail"]


def test_counters_keyed_by_page_before_are_rekeyed_keeping_their_counts(database, dlq_url):
    event = events_with(1, {})[0]
    minute = datetime.fromisoformat(event["timestamp"]).replace(second=0, microsecond=0)
    database.query("CREATE TABLE page_minute_counts (page text NOT NULL, event_type text NOT NULL, "
                   "minute timestamptz NOT NULL, events bigint NOT NULL, PRIMARY KEY (page, event_type, minute))")
    database.query("INSERT INTO page_minute_counts VALUES (%s, %s, %s, 41), ('/old', 'click', %s, 7)",
                   (event["page"], event["event_type"], minute, minute - timedelta(days=1)))
    make_processor(database, dlq_url).process(kinesis_event([orjson.dumps(event)])["Records"])
    assert database.query("SELECT page, events FROM page_minute_counts ORDER BY page") == sorted(
        [(event["page"], 42), ("/old", 7)])
    assert database.query("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                          "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'page_minute_counts'::regclass "
                          "AND i.indisprimary ORDER BY a.attname") == [("event_type",), ("minute",), ("page_key",)]


def test_offsets_are_applied_once(database, dlq_url):
    """The same instant written with different offsets is the same stored value."""
    base = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    stamps = [base.astimezone(timezone(timedelta(hours=h, minutes=m))).isoformat() for h, m in
              ((0, 0), (5, 30), (-9, -30), (14, 0), (-12, 0))]
    events = events_with(len(stamps), {i: {"timestamp": s} for i, s in enumerate(stamps)})
    make_processor(database, dlq_url).process(kinesis_event([orjson.dumps(e) for e in events])["Records"])
    assert database.query("SELECT DISTINCT occurred_at FROM clickstream_events") == [(base,)]


def test_large_properties_are_compressed_with_lz4_unless_the_table_chose_otherwise(database, dlq_url):
    compression = ("SELECT attcompression FROM pg_attribute WHERE attrelid = 'clickstream_events'::regclass "
                   "AND attname = 'properties'")
    make_processor(database, dlq_url).process(kinesis_event([orjson.dumps(events_with(1, {})[0])])["Records"])
    assert database.query(compression) == [("l",)]
    database.query("ALTER TABLE clickstream_events ALTER COLUMN properties SET COMPRESSION pglz")
    make_processor(database, dlq_url).process(kinesis_event([orjson.dumps(events_with(2, {})[1])])["Records"])
    assert database.query(compression) == [("p",)]


def test_a_record_whose_envelope_cannot_be_encoded_is_poison_alone(database, dlq_url, queue_messages):
    """The validator vouches for the payload, not for Kinesis' envelope: a partition key PostgreSQL cannot take
    (here a lone surrogate, which UTF-8 cannot encode) costs a bisection and poisons that record only."""
    event = kinesis_event([orjson.dumps(e) for e in events_with(10, {})])
    event["Records"][6]["kinesis"]["partitionKey"] = "key-\ud800"
    result = make_processor(database, dlq_url).process(event["Records"])
    assert result.response == {"batchItemFailures": []}
    assert result.summary["poison_reasons"] == {"sink_rejected": 1} and result.summary["stored"] == 9
    body = json.loads(queue_messages(dlq_url)[0]["Body"])  # the key as a JSON escape, which orjson refuses to read
    assert body["partitionKey"] == "key-\ud800" and "surrogates not allowed" in body["detail"]
