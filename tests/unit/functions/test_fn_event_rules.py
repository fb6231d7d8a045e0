"""The event rules at their edges: what the msgspec fast path must neither accept nor lose.

The fast path decodes straight into a typed struct; anything it rejects is re-decided by the
slow path (parse, convert, named reason). These cases pin the rules that the earlier
dict-based validator enforced, plus the forms where msgspec's own parsers differ from them.
"""

from __future__ import annotations

import binascii
import random

import orjson
import pytest
from kinesis_events import ACCEPTED_TIMESTAMPS, clickstream_events, kinesis_event
from stream_processor.events import ClickEvent, InvalidEvent, check_event, find_poison

GOOD = clickstream_events(1, seed=5)[0]


def verdict(payload: bytes, max_event_bytes: int = 16_384) -> tuple[str, str] | None:
    """(reason, detail) for a poison payload, None for a valid one."""
    poison = find_poison(kinesis_event([payload])["Records"], max_event_bytes)
    return None if not poison else (poison[0].reason, poison[0].detail)


def with_field(field: str, value: object) -> bytes:
    return orjson.dumps({**GOOD, field: value})


REJECTED_TIMESTAMPS = {
    "2026-11-26T12:00:00": "missing UTC offset",
    "2026-W48-4T12:00:00Z": "not an extended",
    "20261126T120000.123+00:00": "not an extended",
    "2026-11-26T12:00:00,5Z": "not an extended",
    "2026-02-30T12:00:00Z": "not ISO-8601",
    "2026-11-26T24:00:00Z": "not ISO-8601",
    "2026-11-26T12Z": "length >= 17",
    # msgspec's RFC 3339 datetime accepts a lowercase z; the rule (fromisoformat) never did.
    "2026-11-26T12:00:00z": "not ISO-8601",
}


@pytest.mark.parametrize("stamp", ACCEPTED_TIMESTAMPS)
def test_accepted_timestamps_are_valid(stamp):
    """PostgreSQL reads each of them too: tests/integration/functions/test_fn_timestamps_in_postgresql.py."""
    assert verdict(with_field("timestamp", stamp)) is None


@pytest.mark.parametrize(("stamp", "why"), REJECTED_TIMESTAMPS.items())
def test_rejected_timestamps_are_poison_with_the_reason(stamp, why):
    reason, detail = verdict(with_field("timestamp", stamp))
    assert reason == "invalid_event" and "timestamp" in detail and why in detail


@pytest.mark.parametrize(("field", "value", "valid"), [
    ("event_id", GOOD["event_id"].upper(), True),
    ("event_id", GOOD["event_id"].replace("-", ""), False),  # msgspec's uuid.UUID would accept it
    ("event_id", GOOD["event_id"][:-1] + "g", False),
    ("event_id", "{" + GOOD["event_id"][1:-1] + "}", False),
    ("event_type", "purchase", True),
    ("event_type", "Purchase", False),
    ("event_type", ["click"], False),
    ("user_id", "é" * 128, True),  # characters, not bytes
    ("user_id", "😀" * 128, True),
    ("user_id", "é" * 129, False),
    ("user_id", "", False),
    ("session_id", None, False),
    ("page", "products", False),
    ("page", "/" + "p" * 2047, True),
    ("page", "/" + "p" * 2048, False),
    ("referrer", None, True),
    ("referrer", 7, False),
    ("user_agent", "a" * 513, False),
    ("duration_ms", 0, True),
    ("duration_ms", None, True),
    ("duration_ms", 86_400_000, True),
    ("duration_ms", 86_400_001, False),
    ("duration_ms", -1, False),
    ("duration_ms", 5.0, False),
    ("duration_ms", True, False),
    ("properties", None, True),
    ("properties", {}, True),
    ("properties", ["a"], False),
    ("unknown_extra", {"kept": "ignored"}, True),
])
def test_field_rules(field, value, valid):
    result = verdict(with_field(field, value))
    if valid:
        assert result is None
    else:
        assert result is not None and result[0] == "invalid_event" and field in result[1], result


def test_wrong_properties_type_is_named():
    assert verdict(with_field("properties", ["a"])) == (
        "invalid_event", "Expected `object | null`, got `array` - at `$.properties`")


def test_missing_required_field_is_named():
    payload = orjson.dumps({k: v for k, v in GOOD.items() if k != "session_id"})
    assert verdict(payload) == ("invalid_event", "event missing required field `session_id`")


def test_duplicate_keys_follow_json_last_one_wins_like_jsonb():
    body = orjson.dumps(GOOD)[1:]
    assert verdict(b'{"page": 5, ' + body) is None  # the struct decoder alone would reject the first page
    reason, detail = verdict(b"{" + body[:-1] + b', "page": 5}')
    assert reason == "invalid_event" and "page" in detail


@pytest.mark.parametrize(("payload", "reason"), [
    (b'{"event_id": "\xff"}', "malformed_json"),  # msgspec raises UnicodeDecodeError here, not DecodeError
    (with_field("user_id", 5)[:-10], "malformed_json"),  # a bad field before the truncation: still malformed
    (b"\xef\xbb\xbf" + orjson.dumps(GOOD), "malformed_json"),
    (b"[1, 2]", "invalid_event"),
    (b'"text"', "invalid_event"),
])
def test_json_level_failures(payload, reason):
    assert verdict(payload)[0] == reason


def test_oversize_is_measured_on_decoded_bytes():
    payload = with_field("properties", {"pad": "x" * 600})
    assert verdict(payload, max_event_bytes=len(payload)) is None
    assert verdict(payload, max_event_bytes=len(payload) - 1)[0] == "oversize"


def test_check_event_on_a_parsed_document_matches_the_fast_path():
    assert isinstance(check_event(GOOD), ClickEvent)
    with pytest.raises(InvalidEvent, match="event_id"):
        check_event({**GOOD, "event_id": GOOD["event_id"].replace("-", "")})


def test_base64_that_only_the_lenient_decoder_reads_is_still_valid():
    """msgspec's base64 (the fast path) rejects line breaks; binascii, the rule, skips them."""
    record = kinesis_event([orjson.dumps(GOOD)])["Records"][0]
    data = record["kinesis"]["data"]
    record["kinesis"]["data"] = "\n".join(data[i:i + 76] for i in range(0, len(data), 76))
    assert find_poison([record], 16_384) == []
    record["kinesis"]["data"] = data[:-1]
    assert find_poison([record], 16_384)[0].reason == "malformed_base64"


def test_nesting_deeper_than_orjson_allows_is_malformed_not_a_crash():
    """msgspec alone would accept ~1,000-3,000 levels and raise RecursionError beyond that."""
    for depth in (1_100, 6_000):
        payload = with_field("properties", None)[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
        assert verdict(payload)[0] == "malformed_json"
    assert verdict(with_field("properties", {"deep": [[[[1]]]]})) is None


def test_invalid_utf8_in_a_skipped_field_is_malformed():
    """msgspec skips unknown fields and property values without checking their UTF-8."""
    body = orjson.dumps(GOOD)
    assert verdict(body[:-1] + b', "extra": "\xff"}')[0] == "malformed_json"
    assert verdict(body[:-1] + b', "extra": "\xed\xa0\x80"}')[0] == "malformed_json"
    assert verdict(body[:-1] + ', "extra": "ünïcödé"}'.encode()) is None


def rules_verdict(data: str, max_event_bytes: int) -> str | None:
    """The rules alone, slowly: binascii's base64, orjson's JSON, check_event's fields."""
    try:
        raw = binascii.a2b_base64(data)
    except binascii.Error:
        return "malformed_base64"
    if len(raw) > max_event_bytes:
        return "oversize"
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "malformed_json"
    try:
        check_event(document)
    except InvalidEvent:
        return "invalid_event"
    return None


JUNK = [b"\\", b'"', b"{", b"}", b"[", b"]", b",", b":", b"\x00", b"\x1f", b"\xff", b"\xc3\xa9", b"\xed\xa0\x80", b" ",
        b"\x0b", b"0", b"-", b"e", b".", b"+", b"n", b"\\u0000", b"\\ud800", b"\\u00e9", b"\\/", b"Z", b"z", b"T"]


def test_fast_path_agrees_with_the_rules_on_random_corruptions():
    """Seeded byte-level corruption of real events (and of their base64): the msgspec fast path
    must give the verdict of the slow rules for every one, never accept what they reject."""
    rng = random.Random(20261126)
    goods = [orjson.dumps(e) for e in clickstream_events(20)]
    records, expected = [], []
    for _ in range(4_000):
        payload = bytearray(rng.choice(goods))
        for _ in range(rng.randint(1, 3)):
            at, roll = rng.randrange(len(payload)), rng.random()
            if roll < 0.4:
                payload[at:at + 1] = rng.choice(JUNK)
            elif roll < 0.7:
                payload[at:at] = rng.choice(JUNK)
            else:
                del payload[at:at + rng.randint(1, 3)]
        record = kinesis_event([bytes(payload)])["Records"][0]
        if rng.random() < 0.1:
            data, at = record["kinesis"]["data"], rng.randrange(len(record["kinesis"]["data"]))
            record["kinesis"]["data"] = data[:at] + rng.choice(["\n", "=", " ", "-", "", "A"]) + data[at + 1:]
        records.append(record)
        expected.append(rules_verdict(record["kinesis"]["data"], 520))
    got = [None] * len(records)
    for poison in find_poison(records, 520):
        got[poison.index] = poison.reason
    assert got == expected
    assert expected.count(None) > 100 and len(set(expected)) == 5  # every outcome is exercised
