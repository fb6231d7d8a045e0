"""Decide, record by record, which Kinesis clickstream records are poison, and keep the valid ones.

This is the per-record hot path (up to 10,000 records per batch), in two tiers:

- fast path, in C where possible: msgspec's base64 decoder (twice as fast as binascii), then
  msgspec decodes the payload straight into a ClickEvent struct, checking types, lengths, the
  event-type enum, the duration range and required fields while parsing; the UUID form, the
  leading "/" of page, the timestamp and the type of `properties` are checked in Python (as
  msgspec `pattern`s each would cost a Python `re` call from C, ~1 us; msgspec's datetime differs
  from the rule below both ways, e.g. it takes a lowercase "z" and refuses "12:00+05:30"). The
  struct of a valid record is kept: the sink stores its fields as columns, `properties` as the raw
  JSON text of the payload (msgspec.Raw, no copy) and the timestamp as the instant Python parsed.
- slow path, the authority: every record the fast path refuses is decided again by binascii
  (base64), orjson (JSON) and check_event (fields), which also name the reason. The fast path may
  refuse more than the rules, never less (tests/unit/functions/test_fn_event_rules.py corrupts events
  at random and compares both), so validation is exactly as strict as the slow path alone.

One definition for the validator and the sink: whatever is accepted can be stored by PostgreSQL
and read back by Python. Hence the rules about U+0000 (PostgreSQL's text and jsonb cannot hold it)
and about the UTC year; the sink never parses a timestamp or decodes base64 itself.

Event schema (JSON object, UTF-8):
  event_id    UUID string, 8-4-4-4-12 hex digits (identity: redelivered or duplicated events have one effect)
  event_type  one of EVENT_TYPES
  timestamp   extended ISO-8601 date-time with a UTC offset, minutes at least: 2026-11-26T16:22Z,
              2026-11-26T16:22:34.123+05:30 (datetime.fromisoformat's grammar, minus the basic and
              week forms; digits past microseconds are truncated); the instant must fall in the
              years 1-9999 in UTC
  user_id, session_id   non-empty strings, at most 128 characters
  page        path starting with "/", at most 2,048 characters
  referrer    optional string (at most 2,048) or null
  user_agent  optional string (at most 512) or null
  duration_ms optional integer 0..86,400,000 or null (not a float, not a boolean)
  properties  optional object or null
No stored string (nor any key or string inside `properties`) may contain U+0000.
"""

from __future__ import annotations

import binascii
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Annotated, Literal

import msgspec
import orjson

EVENT_TYPES = ("page_view", "click", "scroll", "add_to_cart", "remove_from_cart", "checkout", "purchase", "search")
MAX_ID_CHARS = 128
MAX_PAGE_CHARS = 2048
MAX_USER_AGENT_CHARS = 512
MAX_DURATION_MS = 86_400_000
MIN_TIMESTAMP_CHARS = 17  # 2026-03-01T12:00Z
MAX_TIMESTAMP_CHARS = 40
UUID_CHARS = 36

Identifier = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_CHARS)]


NO_PROPERTIES = msgspec.Raw(b"null")


class ClickEvent(msgspec.Struct, gc=False):
    """The constraints msgspec checks in C; unknown fields are skipped, not rejected.

    `properties` is the raw JSON text of the value (any JSON value as far as msgspec is concerned:
    the object-or-null rule is checked after decoding).
    """

    event_id: Annotated[str, msgspec.Meta(min_length=UUID_CHARS, max_length=UUID_CHARS)]
    event_type: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    timestamp: Annotated[str, msgspec.Meta(min_length=MIN_TIMESTAMP_CHARS, max_length=MAX_TIMESTAMP_CHARS)]
    user_id: Identifier
    session_id: Identifier
    page: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PAGE_CHARS)]
    referrer: Annotated[str, msgspec.Meta(max_length=MAX_PAGE_CHARS)] | None = None
    user_agent: Annotated[str, msgspec.Meta(max_length=MAX_USER_AGENT_CHARS)] | None = None
    duration_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_DURATION_MS)] | None = None
    properties: msgspec.Raw = NO_PROPERTIES


_decode_event = msgspec.json.Decoder(ClickEvent).decode
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError
_convert = msgspec.convert
_is_uuid = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}").fullmatch
_from_iso = datetime.fromisoformat
_dumps = orjson.dumps
_first_byte = struct.Struct("B").unpack_from  # reads a msgspec.Raw in place (its buffer): 7x cheaper than memoryview
_a2b = binascii.a2b_base64
_Base64Error = binascii.Error
_ValidationError = msgspec.ValidationError
# fromisoformat's ValueError; msgspec raises UnicodeDecodeError (a ValueError) for bad UTF-8 in a decoded
# string; a naive timestamp minus PG_EPOCH raises TypeError.
_FAST_PATH_ERRORS = (msgspec.DecodeError, ValueError, TypeError)
# orjson (the JSON authority, see find_poison) rejects deeper nesting; msgspec recurses until RecursionError.
MAX_JSON_DEPTH = 1024
# The characters at offsets 4, 7, 10 and 13 of an extended date-time: date dashes, date/time separator, hour colon.
_SEPARATORS = frozenset({"--T:", "--t:", "-- :"})
_KINESIS = itemgetter("kinesis")
_DATA = itemgetter("data")
# The sink stores an instant as PostgreSQL does: microseconds since 2000-01-01 UTC.
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
MIN_OCCURRED_US = (datetime(1, 1, 1, tzinfo=UTC) - PG_EPOCH) // _MICROSECOND
MAX_OCCURRED_US = (datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC) - PG_EPOCH) // _MICROSECOND
# First byte of `properties`' raw JSON: "{" (an object) or "n" (null); anything else goes to the slow path.
_OBJECT_OR_NULL = (ord("{"), ord("n"))
# \u0000 in JSON text: the fast path leaves every payload holding it to the slow path, which decides
# whether it is a NUL in a stored string (an escaped backslash followed by "u0000" is not).
_NUL_ESCAPE = b"\\u0000"
_has_nul_escape = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u0000").search
_TEXT_FIELDS = ("user_id", "session_id", "page", "referrer", "user_agent")
_JSON_TYPES = {list: "array", str: "str", bool: "bool", int: "int", float: "float"}


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


def occurred_us(stamp: str) -> int:
    """The instant of a timestamp with offset as PostgreSQL stores it: microseconds since 2000-01-01 UTC.

    Exact for every instant (integer arithmetic, where a float of seconds loses microseconds
    beyond ~2100). Raises ValueError for a timestamp fromisoformat refuses, TypeError without offset.
    """
    return (_from_iso(stamp) - PG_EPOCH) // _MICROSECOND


def _properties_error(properties: msgspec.Raw) -> str | None:
    """Why a decoded `properties` cannot be stored, or None: not an object or null, or a U+0000 inside."""
    text = bytes(properties)
    if text[0] not in _OBJECT_OR_NULL:
        kind = {b"[": "array", b'"': "str", b"t": "bool", b"f": "bool"}.get(text[:1], "number")
        return f"Expected `object | null`, got `{kind}` - at `$.properties`"
    if _NUL_ESCAPE in text and _has_nul_escape(text):
        return "properties: must not contain U+0000 (PostgreSQL's jsonb cannot store it)"
    return None


def broken_rule(event: ClickEvent) -> str | None:
    """What is wrong with a decoded event beyond msgspec's constraints, or None when it is valid.

    fromisoformat also takes basic (20261126T1200Z) and week (2026-W48-4) forms that
    PostgreSQL's timestamptz rejects, hence the separator checks before it; the UTC year must be
    one Python and PostgreSQL both read back (1-9999 in UTC, whatever the offset).
    """
    if not _is_uuid(event.event_id):
        return "event_id: expected a UUID string (8-4-4-4-12 hex digits)"
    if event.page[0] != "/":
        return "page: must start with '/'"
    for field in _TEXT_FIELDS:
        value = getattr(event, field)
        if value is not None and "\x00" in value:
            return f"{field}: must not contain U+0000 (PostgreSQL text cannot store it)"
    if event.properties is not NO_PROPERTIES:
        broken = _properties_error(event.properties)
        if broken is not None:
            return broken
    stamp = event.timestamp
    if stamp[4:14:3] not in _SEPARATORS or "," in stamp:
        return _timestamp_error(stamp)
    try:
        occurred = occurred_us(stamp)
    except (ValueError, TypeError):
        return _timestamp_error(stamp)
    if not MIN_OCCURRED_US <= occurred <= MAX_OCCURRED_US:
        return f"timestamp: outside the years 1-9999 in UTC: {stamp!r}"
    return None


def check_event(document: object) -> ClickEvent:
    """The event in an already-parsed JSON document; raise InvalidEvent naming the first bad field.

    The slow path for records the typed decoder rejected: converting the parsed document gives
    JSON's usual last-one-wins for duplicate keys (like PostgreSQL's jsonb), where decoding
    straight into the struct checks every occurrence. `properties` is serialized again (orjson,
    compact) to become the raw JSON the sink stores.
    """
    properties = None
    if type(document) is dict and "properties" in document:
        properties = document["properties"]
        document = {key: value for key, value in document.items() if key != "properties"}
    try:
        event = _convert(document, ClickEvent)
    except _ValidationError as error:
        text = str(error)
        raise InvalidEvent("event" + text[6:] if text.startswith("Object ") else text) from None
    if properties is not None:
        if type(properties) is not dict:
            kind = _JSON_TYPES.get(type(properties), type(properties).__name__)
            raise InvalidEvent(f"Expected `object | null`, got `{kind}` - at `$.properties`")
        event.properties = msgspec.Raw(_dumps(properties))
    broken = broken_rule(event)
    if broken is not None:
        raise InvalidEvent(broken)
    return event


@dataclass(frozen=True, slots=True)
class DecodedBatch:
    """Records start, start + 1, ... after validation: per record its event (None for poison) and
    instant, and the poison (whose `index` counts from the start of the whole batch)."""

    start: int
    events: list[ClickEvent | None]
    occurred_us: list[int]
    poison: list[Poison]


def _decide(index: int, raw: bytes) -> Poison | ClickEvent:
    """The slow path for `raw` the fast path rejected: why it is poison, or its event if the rules accept it."""
    try:
        document = _loads(raw)
    except _JSONDecodeError as error:
        return Poison(index, "malformed_json", str(error))
    try:
        return check_event(document)
    except InvalidEvent as error:
        return Poison(index, "invalid_event", str(error))


def decode_batch(records: Sequence[dict], max_event_bytes: int, start: int = 0, stop: int | None = None) -> DecodedBatch:
    """Validate records[start:stop] of a Kinesis batch: the valid events to store and the poison, in order.

    The batch processor decodes one chunk at a time, just before writing it: a chunk's decoded
    events are then the only ones alive (measured: keeping a whole 10,000-record batch decoded costs
    ~5 ms more, in allocations), and chunks never reached (time budget, outage) are never decoded.

    The fast path (msgspec's base64, typed decode, then broken_rule's checks inlined: a call per
    record is measurable) may reject more than the rules do, never less; whatever it rejects is
    decided and explained by the slow path: binascii says whether it is base64 (msgspec's decoder
    is twice as fast but strict: no whitespace, padding required; where it succeeds both give the
    same bytes), orjson whether it is JSON, check_event whether it is an event. Three guards keep
    the fast path from accepting what the rules reject: msgspec skips unknown fields and the
    content of properties without checking their UTF-8 (so non-ASCII payloads are decoded once in
    C), it accepts nesting deeper than orjson's limit (which needs more than MAX_JSON_DEPTH opening
    brackets, so only long payloads are counted), and a \\u0000 anywhere sends the record to the
    slow path, which knows whether it lands in a stored string.
    """
    chunk = records[start:stop]
    count = len(chunk)
    events: list[ClickEvent | None] = [None] * count
    occurred: list[int] = [0] * count
    poison: list[Poison] = []
    for index, data in enumerate(map(_DATA, map(_KINESIS, chunk)), start):
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
                    and (len(raw) <= 2 * MAX_JSON_DEPTH or raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH)
                    and raw.find(_NUL_ESCAPE) < 0):  # find: measured faster than `in` here
                event = _decode_event(raw)
                stamp = event.timestamp
                properties = event.properties
                if (_is_uuid(event.event_id) and event.page[0] == "/" and stamp[4:14:3] in _SEPARATORS
                        and "," not in stamp
                        and (properties is NO_PROPERTIES or _first_byte(properties)[0] in _OBJECT_OR_NULL)):
                    instant = (_from_iso(stamp) - PG_EPOCH) // _MICROSECOND
                    if MIN_OCCURRED_US <= instant <= MAX_OCCURRED_US:
                        events[index - start] = event
                        occurred[index - start] = instant
                        continue
        except _FAST_PATH_ERRORS:
            pass
        decided = _decide(index, raw)
        if isinstance(decided, Poison):
            poison.append(decided)
        else:
            events[index - start] = decided
            occurred[index - start] = occurred_us(decided.timestamp)
    return DecodedBatch(start, events, occurred, poison)


def find_poison(records: Sequence[dict], max_event_bytes: int) -> list[Poison]:
    """The poison records of a Kinesis batch, in record order; every other record is valid."""
    return decode_batch(records, max_event_bytes).poison
