"""The validator accepts exactly what the sink can store and read back (issue 10 items 4 and 5, issue 11 item 3).

Pure rules, no database: the timestamp grammar's shortest form, the UTC year range PostgreSQL and
Python can both read back, U+0000 that PostgreSQL's text and jsonb cannot hold, and the instant the
sink will store (microseconds since PostgreSQL's epoch, exactly as Python parsed it).
"""

from __future__ import annotations

import base64
import sys
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from repo_paths import REPO_ROOT

for source in (REPO_ROOT / "functions/stream_processor", REPO_ROOT / "layers/common"):
    if str(source) not in sys.path:
        sys.path.insert(0, str(source))

from stream_processor.events import decode_batch, find_poison  # noqa: E402

GOOD = {"event_id": "9b2f6c1e-3a4d-4c5b-8e7f-0a1b2c3d4e5f", "event_type": "click",
        "timestamp": "2026-11-26T12:00:00.123Z", "user_id": "user-1", "session_id": "sess-1", "page": "/cart",
        "referrer": None, "user_agent": "agent", "duration_ms": 5, "properties": {"device": "mobile"}}
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def record(payload: bytes) -> dict:
    return {"kinesis": {"data": base64.b64encode(payload).decode(), "partitionKey": "k",
                        "sequenceNumber": "1", "approximateArrivalTimestamp": 1.0}, "eventID": "shardId-0:1"}


def verdict(payload: bytes) -> tuple[str, str] | None:
    poison = find_poison([record(payload)], 16_384)
    return None if not poison else (poison[0].reason, poison[0].detail)


def with_field(field: str, value: object) -> bytes:
    return orjson.dumps({**GOOD, field: value})


@pytest.mark.parametrize("stamp", ["2026-03-01T12:00Z", "2026-03-01T12:00+05:30", "2026-03-01 12:00-01:00"])
def test_minutes_precision_is_accepted_as_the_grammar_allows(stamp):
    assert verdict(with_field("timestamp", stamp)) is None


@pytest.mark.parametrize("stamp", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-14:00",
                                   "0001-01-01T00:00:00+00:00:01"])
def test_instants_outside_utc_years_1_to_9999_are_poison_with_the_reason(stamp):
    reason, detail = verdict(with_field("timestamp", stamp))
    assert reason == "invalid_event" and "timestamp" in detail and "1-9999" in detail


@pytest.mark.parametrize(("stamp", "instant"), [
    ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
    ("0001-01-01T01:00:00+01:00", datetime(1, 1, 1, tzinfo=UTC)),
    ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)),
    ("9999-12-31T23:59:59.9999999Z", datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)),  # truncated
    ("2026-11-26T12:00:00+05:30:15.5", datetime(2026, 11, 26, 6, 29, 44, 500_000, tzinfo=UTC)),
    ("2026-03-01T12:00Z", datetime(2026, 3, 1, 12, tzinfo=UTC)),
])
def test_the_instant_to_store_is_the_one_python_parsed(stamp, instant):
    decoded = decode_batch([record(with_field("timestamp", stamp))], 16_384)
    assert decoded.poison == []
    assert PG_EPOCH + timedelta(microseconds=decoded.occurred_us[0]) == instant


@pytest.mark.parametrize(("field", "value"), [
    ("user_id", "a\u0000b"), ("session_id", "\u0000"), ("page", "/a\u0000"), ("referrer", "x\u0000"),
    ("user_agent", "\u0000ua"), ("properties", {"note": "a\u0000b"}), ("properties", {"k\u0000": 1}),
    ("properties", {"deep": [{"x": ["\u0000"]}]}),
])
def test_nul_characters_postgresql_cannot_store_are_poison_naming_the_field(field, value):
    reason, detail = verdict(with_field(field, value))
    assert reason == "invalid_event" and field in detail and "U+0000" in detail


def test_nul_in_a_field_that_is_not_stored_and_an_escaped_backslash_are_valid():
    assert verdict(orjson.dumps({**GOOD, "unknown": "a\u0000b"})) is None
    assert verdict(with_field("page", "/a\\u0000b")) is None  # a backslash, then the text u0000


def test_decode_batch_keeps_the_validated_event_and_marks_poison():
    records = [record(orjson.dumps(GOOD)), record(b"[1]"), record(with_field("properties", None))]
    decoded = decode_batch(records, 16_384)
    assert [p.index for p in decoded.poison] == [1]
    assert decoded.events[1] is None
    assert decoded.events[0].page == "/cart" and bytes(decoded.events[0].properties) == b'{"device":"mobile"}'
    assert bytes(decoded.events[2].properties) == b"null"
