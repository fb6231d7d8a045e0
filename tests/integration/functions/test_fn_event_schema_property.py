"""Property: every event the validator accepts is stored and read back by the real PostgreSQL, unchanged;
every event it refuses has a reason (issue 10's property test).

Hypothesis draws documents around the schema's edges: any Unicode text (U+0000 included), lengths
across each limit, timestamps of every accepted and refused form with offsets down to microseconds
and instants near the years 1 and 9999, wrong types, missing and unknown fields, nested properties.
The fast path's verdict must also be the rules' own (check_event on the parsed document).
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from stream_processor.events import EVENT_TYPES, InvalidEvent, check_event, decode_batch
from stream_processor.postgres_sink import PostgresSink

REASONS = {"malformed_json", "invalid_event", "oversize"}
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)  # lone surrogates are not JSON text


def sized_text(limit: int) -> st.SearchStrategy[str]:
    return st.one_of(text, st.integers(limit - 2, limit + 1).flatmap(
        lambda n: st.text(st.characters(exclude_categories=("Cs",)), min_size=max(n, 0), max_size=max(n, 0))))


offsets = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59))
instants = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999_999),
                        timezones=offsets.map(timezone))


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    when = draw(st.one_of(instants, st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))))
    stamp = when.isoformat(sep=draw(st.sampled_from("T t")),
                           timespec=draw(st.sampled_from(["minutes", "seconds", "milliseconds", "microseconds"])))
    if draw(st.booleans()):
        stamp = stamp.replace("+00:00", draw(st.sampled_from(["Z", "z", "+0000", "-00:00"])))
    if draw(st.integers(0, 9)) == 0 and "." in stamp:
        stamp = stamp.replace(".", "." + draw(st.text("0123456789", min_size=1, max_size=4)), 1)
    return stamp


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | text, lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12)

# Per field: (a value the schema allows, a value at or past its edges or of another type).
FIELDS = {
    "event_id": (st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper()), text),
    "event_type": (st.sampled_from(EVENT_TYPES), text),
    "timestamp": (timestamps(), text),
    "user_id": (st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20), sized_text(128)),
    "session_id": (st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20), sized_text(128)),
    "page": (text.map(lambda t: "/" + t), sized_text(2_048).map(lambda t: "/" + t[1:]) | text),
    "referrer": (st.none() | text, sized_text(2_048) | st.integers(-(2**63), 2**64 - 1)),
    "user_agent": (st.none() | text, sized_text(512) | st.booleans()),
    "duration_ms": (st.none() | st.integers(0, 86_400_000), st.integers(-2, 86_400_002) | st.floats(0, 10)
                    | st.booleans()),
    "properties": (st.none() | st.dictionaries(text, json_values, max_size=5), json_values),
}


@st.composite
def documents(draw: st.DrawFn) -> dict:
    """Mostly events within the schema (each field is off its edge one time in 16), some fields missing or extra."""
    within = st.sampled_from([True] * 15 + [False])  # shrinks towards True: a valid field
    document = {field: draw(allowed if draw(within) else edge) for field, (allowed, edge) in FIELDS.items()}
    for field in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=2)):
        if draw(st.booleans()):
            document.pop(field, None)
    if draw(st.booleans()):
        document[draw(text)] = draw(json_values)
    return document


def rules_accept(payload: bytes) -> bool:
    try:
        check_event(orjson.loads(payload))
    except (orjson.JSONDecodeError, InvalidEvent):
        return False
    return True


@pytest.fixture
def sink(database):
    sink = PostgresSink(database.connect_kwargs)
    yield sink
    sink.close()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents())
def test_accepted_events_are_stored_and_read_back_refused_ones_have_a_reason(sink, database, document):
    payload = orjson.dumps(document)
    kinesis = {"data": base64.b64encode(payload).decode(), "partitionKey": "key", "sequenceNumber": "1",
               "approximateArrivalTimestamp": 1_795_000_000.123}
    decoded = decode_batch([{"kinesis": kinesis, "eventID": "shardId-000000000000:1"}], 16_384)
    assert (not decoded.poison) == rules_accept(payload)
    if decoded.poison:
        [poison] = decoded.poison
        assert poison.reason in REASONS and poison.detail
        event(f"refused: {poison.reason}: {poison.detail.split(':')[0][:30]}")
        return
    event("accepted")
    assert sink.write("shardId-000000000000", [kinesis], decoded.events, decoded.occurred_us) == 1
    row = database.query(
        "SELECT event_type, occurred_at, user_id, session_id, page, referrer, user_agent, duration_ms, "
        "properties = %s::jsonb, properties IS NULL FROM clickstream_events WHERE event_id = %s",
        (orjson.dumps(document.get("properties")).decode(), document["event_id"]))
    database.query("DELETE FROM clickstream_events WHERE event_id = %s", (document["event_id"],))
    properties = document.get("properties")
    expected = (document["event_type"], datetime.fromisoformat(document["timestamp"]).astimezone(UTC),
                document["user_id"], document["session_id"], document["page"], document.get("referrer"),
                document.get("user_agent"), document.get("duration_ms"),
                None if properties is None else True, properties is None)
    assert row == [expected]
    assert uuid.UUID(document["event_id"])  # stored under its canonical form
