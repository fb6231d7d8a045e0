"""Decide, record by record, which Kinesis clickstream records are poison.

This is the per-record hot path (up to 10,000 records per batch), in two tiers:

- fast path, in C where possible: msgspec's base64 decoder (twice as fast as binascii), then
  msgspec decodes the payload straight into a ClickEvent struct, checking types, lengths, the
  event-type enum, the duration range and required fields while parsing; the UUID form, the
  leading "/" of page and the timestamp are checked in Python (as msgspec `pattern`s each would
  cost a Python `re` call from C, ~1 µs; msgspec's datetime differs from the rule below both
  ways, e.g. it takes a lowercase "z" and refuses "12:00+05:30"). Nothing is kept for a valid
  record; the sink sends the original base64 `data` to PostgreSQL, which extracts the columns.
- slow path, the authority: every record the fast path refuses is decided again by binascii
  (base64), orjson (JSON) and check_event (fields), which also name the reason. The fast path may
  refuse more than the rules, never less (tests/unit/functions/test_fn_event_rules.py corrupts events
  at random and compares both), so validation is exactly as strict as the slow path alone.

Event schema (JSON object, UTF-8):
  event_id    UUID string, 8-4-4-4-12 hex digits (identity: redelivered or duplicated events have one effect)
  event_type  one of EVENT_TYPES
  timestamp   extended ISO-8601 date-time with a UTC offset, e.g. 2026-11-26T16:22:34.123Z
              (datetime.fromisoformat's grammar, minus the basic and week forms PostgreSQL rejects)
  user_id, session_id   non-empty strings, at most 128 characters
  page        path starting with "/", at most 2,048 characters
  referrer    optional string (at most 2,048) or null
  user_agent  optional string (at most 512) or null
  duration_ms optional integer 0..86,400,000 or null (not a float, not a boolean)
  properties  optional object or null
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Annotated, Literal

import msgspec
import orjson

EVENT_TYPES = ("page_view", "click", "scroll", "add_to_cart", "remove_from_cart", "checkout", "purchase", "search")
MAX_ID_CHARS = 128
MAX_PAGE_CHARS = 2048
MAX_USER_AGENT_CHARS = 512
MAX_DURATION_MS = 86_400_000
MIN_TIMESTAMP_CHARS = 19
MAX_TIMESTAMP_CHARS = 40
UUID_CHARS = 36

Identifier = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_CHARS)]


class JsonObject(msgspec.Struct, gc=False):
    """Any JSON object: decoding into a field-less struct checks the type and skips the content."""


class ClickEvent(msgspec.Struct, gc=False):
    """The constraints msgspec checks in C; unknown fields are skipped, not rejected."""

    event_id: Annotated[str, msgspec.Meta(min_length=UUID_CHARS, max_length=UUID_CHARS)]
    event_type: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    timestamp: Annotated[str, msgspec.Meta(min_length=MIN_TIMESTAMP_CHARS, max_length=MAX_TIMESTAMP_CHARS)]
    user_id: Identifier
    session_id: Identifier
    page: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PAGE_CHARS)]
    referrer: Annotated[str, msgspec.Meta(max_length=MAX_PAGE_CHARS)] | None = None
    user_agent: Annotated[str, msgspec.Meta(max_length=MAX_USER_AGENT_CHARS)] | None = None
    duration_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_DURATION_MS)] | None = None
    properties: JsonObject | None = None


_decode_event = msgspec.json.Decoder(ClickEvent).decode
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError
_convert = msgspec.convert
_is_uuid = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}").fullmatch
_from_iso = datetime.fromisoformat
_a2b = binascii.a2b_base64
_Base64Error = binascii.Error
_ValidationError = msgspec.ValidationError
# fromisoformat's ValueError; msgspec raises UnicodeDecodeError (a ValueError) for bad UTF-8 in a decoded string.
_FAST_PATH_ERRORS = (msgspec.DecodeError, ValueError)
# orjson (the JSON authority, see find_poison) rejects deeper nesting; msgspec recurses until RecursionError.
MAX_JSON_DEPTH = 1024
# The characters at offsets 4, 7, 10 and 13 of an extended date-time: date dashes, date/time separator, hour colon.
_SEPARATORS = frozenset({"--T:", "--t:", "-- :"})
_KINESIS = itemgetter("kinesis")
_DATA = itemgetter("data")


@dataclass(frozen=True, slots=True)
class Poison:
    """A record that can never succeed: goes to the dead-letter queue, never retried."""

    index: int
    reason: str
    detail: str


class InvalidEvent(ValueError):
    """The record is well-formed JSON but not a valid clickstream event."""


def _timestamp_error(stamp: str) -> str:
    """Why `stamp` is not an extended-format ISO-8601 date-time with offset; bad records only."""
    try:
        occurred = _from_iso(stamp)
    except ValueError:
        return f"timestamp: not ISO-8601: {stamp!r}"
    if occurred.tzinfo is None:
        return "timestamp: missing UTC offset (e.g. Z or +00:00)"
    return f"timestamp: not an extended ISO-8601 date-time: {stamp!r}"


def broken_rule(event: ClickEvent) -> str | None:
    """What is wrong with a decoded event beyond msgspec's constraints, or None when it is valid.

    fromisoformat also takes basic (20261126T1200Z) and week (2026-W48-4) forms that
    PostgreSQL's timestamptz rejects, hence the separator checks before it.
    """
    if not _is_uuid(event.event_id):
        return "event_id: expected a UUID string (8-4-4-4-12 hex digits)"
    if event.page[0] != "/":
        return "page: must start with '/'"
    stamp = event.timestamp
    if stamp[4:14:3] not in _SEPARATORS or "," in stamp:
        return _timestamp_error(stamp)
    try:
        if _from_iso(stamp).tzinfo is not None:
            return None
    except ValueError:
        pass
    return _timestamp_error(stamp)


def check_event(document: object) -> ClickEvent:
    """The event in an already-parsed JSON document; raise InvalidEvent naming the first bad field.

    The slow path for records the typed decoder rejected: converting the parsed document gives
    JSON's usual last-one-wins for duplicate keys (like PostgreSQL's jsonb), where decoding
    straight into the struct checks every occurrence.
    """
    try:
        event = _convert(document, ClickEvent)
    except _ValidationError as error:
        text = str(error)
        raise InvalidEvent("event" + text[6:] if text.startswith("Object ") else text) from None
    broken = broken_rule(event)
    if broken is not None:
        raise InvalidEvent(broken)
    return event


def _rejected(index: int, raw: bytes) -> Poison | None:
    """Why the fast path rejected `raw`, or None if the rules accept it after all."""
    try:
        document = _loads(raw)
    except _JSONDecodeError as error:
        return Poison(index, "malformed_json", str(error))
    try:
        check_event(document)
    except InvalidEvent as error:
        return Poison(index, "invalid_event", str(error))
    return None


def find_poison(records: list[dict], max_event_bytes: int) -> list[Poison]:
    """The poison records of a Kinesis batch, in record order; every other record is valid.

    The fast path (msgspec's base64, typed decode, then broken_rule's checks inlined: a call per
    record is measurable) may reject more than the rules do, never less; whatever it rejects is
    decided and explained by the slow path: binascii says whether it is base64 (msgspec's decoder
    is twice as fast but strict: no whitespace, padding required; where it succeeds both give the
    same bytes), orjson whether it is JSON, check_event whether it is an event. Two guards keep the fast path from accepting what orjson rejects: msgspec skips
    unknown fields and properties without checking their UTF-8 (so non-ASCII payloads are
    decoded once in C), and it accepts nesting deeper than orjson's limit (which needs more
    than MAX_JSON_DEPTH opening brackets, so only long payloads are counted).
    """
    poison: list[Poison] = []
    for index, data in enumerate(map(_DATA, map(_KINESIS, records))):
        try:
            raw = _convert(data, bytes)
        except _ValidationError:
            try:
                raw = _a2b(data)
            except _Base64Error as error:
                poison.append(Poison(index, "malformed_base64", str(error)))
                continue
        if len(raw) > max_event_bytes:
            poison.append(Poison(index, "oversize", f"{len(raw)} bytes exceeds MAX_EVENT_BYTES={max_event_bytes}"))
            continue
        try:
            if ((raw.isascii() or raw.decode())
                    and (len(raw) <= 2 * MAX_JSON_DEPTH or raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH)):
                event = _decode_event(raw)
                stamp = event.timestamp
                if (_is_uuid(event.event_id) and event.page[0] == "/" and stamp[4:14:3] in _SEPARATORS
                        and "," not in stamp and _from_iso(stamp).tzinfo is not None):
                    continue
        except _FAST_PATH_ERRORS:
            pass
        bad = _rejected(index, raw)
        if bad is not None:
            poison.append(bad)
    return poison
