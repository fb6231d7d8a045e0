"""Idempotent batched writes of clickstream events to PostgreSQL (through RDS Proxy in AWS).

One statement per chunk, sent on its own in autocommit mode, so it is one transaction and one
round trip. The arrays are unnested in the select list (a ProjectSet streams the rows), not in
FROM: a function scan first writes every row to a tuplestore, which spills past work_mem
(measured: ~15% more database CPU per 10,000 small events). The columns come from the events the validator already decoded (no JSON parsing or
base64 decoding in the database, except `properties` which PostgreSQL must parse into jsonb):
  - text columns as one text parameter each, the values joined by a separator character none of
    them contains, split back by string_to_array in C (a text[] parameter would cost psycopg a
    Python call per element: ~0.1 s per 10,000 records measured);
  - occurred_at, duration_ms and the arrival times as binary arrays (timestamptz[], int8[],
    float8[]) packed by struct in one call each, so no timestamp is ever parsed from text.
`ON CONFLICT (event_id) DO NOTHING` makes a redelivered or duplicated event a no-op, and the
per-page/per-minute counters are incremented only from the rows that statement actually inserted,
so they are idempotent too. The counters are keyed by sha256(page), a fixed-size key: a btree row
holds at most ~2.7 KB, less than a valid page of 2,048 CJK characters.

RDS Proxy (see README.md, "Sink design"): no temporary table, SET, advisory session lock,
cursor or server-side prepared statement is used per chunk, and statements travel with the
extended query protocol, which RDS Proxy multiplexes; the one-time schema step takes a
transaction-level advisory lock.

A database that stops answering mid-statement (a hung proxy, a half-open connection after a
failover) would hold the write until Lambda's timeout: each write gets a deadline, after which its
socket is shut down, so libpq fails at once with a connection error that is retried like any outage.

psycopg is imported on first connect, not at module import: it costs ~0.25 s, which a batch
pays once per execution environment rather than every test, tool or import of the handler.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stream_processor.events import ClickEvent

SCHEMA_LOCK_KEY = 4_242_001

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
    page_key    bytea NOT NULL,
    PRIMARY KEY (page_key, event_type, minute)
);
DO $$
BEGIN  -- counters created before page_key (keyed by the page itself): re-key them, keeping their counts
    IF NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'page_minute_counts'::regclass
                   AND attname = 'page_key' AND NOT attisdropped) THEN
        ALTER TABLE page_minute_counts ADD COLUMN page_key bytea;
        UPDATE page_minute_counts SET page_key = sha256(convert_to(page, 'UTF8'));
        ALTER TABLE page_minute_counts ALTER COLUMN page_key SET NOT NULL,
            DROP CONSTRAINT page_minute_counts_pkey, ADD PRIMARY KEY (page_key, event_type, minute);
    END IF;
END $$;
DO $$
BEGIN  -- lz4 compresses a large properties value (over ~2 KB) several times faster than the default pglz
    IF (SELECT attcompression FROM pg_attribute WHERE attrelid = 'clickstream_events'::regclass
        AND attname = 'properties') = '' THEN  -- '' is the default; an explicit choice is left alone
        EXECUTE 'ALTER TABLE clickstream_events ALTER COLUMN properties SET COMPRESSION lz4';
    END IF;
EXCEPTION WHEN OTHERS THEN  -- PostgreSQL before 14 (no attcompression) or built without lz4: pglz stays
    NULL;
END $$;
"""

INSERT_SQL = """
WITH inserted AS (
    INSERT INTO clickstream_events (event_id, event_type, occurred_at, user_id, session_id, page, referrer,
                                    user_agent, duration_ms, properties, shard_id, partition_key,
                                    sequence_number, arrived_at)
    SELECT event_id::uuid, event_type, occurred_at, user_id, session_id, page, referrer, user_agent, duration_ms,
           NULLIF(properties, 'null')::jsonb, %(shard)s, partition_key, sequence_number, to_timestamp(arrived)
    FROM (SELECT unnest(string_to_array(%(event_ids)s, %(sep)s)) AS event_id,
                 unnest(string_to_array(%(event_types)s, %(sep)s)) AS event_type,
                 unnest(%(occurred)s) AS occurred_at,
                 unnest(string_to_array(%(user_ids)s, %(sep)s)) AS user_id,
                 unnest(string_to_array(%(session_ids)s, %(sep)s)) AS session_id,
                 unnest(string_to_array(%(pages)s, %(sep)s)) AS page,
                 unnest((string_to_array(%(referrers)s, %(sep)s, %(null)s))[2:]) AS referrer,
                 unnest((string_to_array(%(user_agents)s, %(sep)s, %(null)s))[2:]) AS user_agent,
                 unnest(%(durations)s) AS duration_ms,
                 unnest(string_to_array(%(properties)s, %(sep)s)) AS properties,
                 unnest(string_to_array(%(partition_keys)s, %(sep)s)) AS partition_key,
                 unnest(string_to_array(%(sequence_numbers)s, %(sep)s)) AS sequence_number,
                 unnest(%(arrivals)s) AS arrived) AS incoming
    ON CONFLICT (event_id) DO NOTHING
    RETURNING page, event_type, date_trunc('minute', occurred_at, 'UTC') AS minute
), counted AS (
    INSERT INTO page_minute_counts AS c (page_key, event_type, minute, page, events)
    SELECT sha256(convert_to(page, 'UTF8')), event_type, minute, page, count(*)
    FROM inserted GROUP BY page, event_type, minute ORDER BY 1, 2, 3
    ON CONFLICT (page_key, event_type, minute) DO UPDATE SET events = c.events + excluded.events
)
SELECT count(*) FROM inserted
"""

# Separator for string_to_array: a control character JSON text holds only escaped; when a value of
# the chunk holds it, the first character of CANDIDATES none of the chunk's values contains.
SEPARATOR = "\x1f"
_CANDIDATE_RANGES = ((0x1E, 0x1B, -1), (0xE000, 0xF900, 1), (0xF0000, 0xFFFFE, 1))  # controls, private use


def candidates() -> Iterator[str]:
    """Characters a separator or NULL marker may be, in order of preference (generated: 72,000 of them)."""
    for first, stop, step in _CANDIDATE_RANGES:
        yield from map(chr, range(first, stop, step))
# SQLSTATE classes that mean the rows themselves are refused (retrying the same rows cannot help):
# 22 data exception, 23 integrity constraint violation, 54 program limit exceeded (e.g. index row size).
DATA_ERROR_CLASSES = frozenset({"22", "23", "54"})

_TIMESTAMPTZ, _INT8, _FLOAT8 = 1184, 20, 701
_ARRAY_HEADER = struct.Struct(">iiiii")  # ndim, has nulls, element type, length, lower bound
_NULL_ELEMENT = struct.pack(">i", -1)
_INT8_ELEMENT = struct.Struct(">iq").pack

_EVENT_ID, _EVENT_TYPE, _USER_ID, _SESSION_ID, _PAGE, _REFERRER, _USER_AGENT, _DURATION, _PROPERTIES = map(
    attrgetter, ("event_id", "event_type", "user_id", "session_id", "page", "referrer", "user_agent",
                 "duration_ms", "properties"))
_NONE = str(None)
_KEY = itemgetter("partitionKey")
_SEQ = itemgetter("sequenceNumber")
_ARRIVAL = itemgetter("approximateArrivalTimestamp")


class BinaryArray(bytes):
    """A PostgreSQL array in binary wire format; `oid` is the array type."""

    oid = 0


class TimestamptzArray(BinaryArray):
    oid = 1185


class Int8Array(BinaryArray):
    oid = 1016


class Float8Array(BinaryArray):
    oid = 1022


class TextBytes(bytes):
    """UTF-8 text sent as is (binary format of text), skipping a decode and re-encode of large columns."""

    oid = 25


def _fixed_width(element_oid: int, code: str, values: Sequence[object]) -> bytes:
    """A one-dimensional array without NULLs of 8-byte elements, packed by one struct call."""
    count = len(values)
    flat: list[object] = [8] * (2 * count)  # each element: its length, then its value
    flat[1::2] = values
    return _ARRAY_HEADER.pack(1, 0, element_oid, count, 1) + struct.pack(">" + ("i" + code) * count, *flat)


def timestamptz_array(micros: Sequence[int]) -> TimestamptzArray:
    """timestamptz[] from microseconds since 2000-01-01 UTC (PostgreSQL's own representation)."""
    return TimestamptzArray(_fixed_width(_TIMESTAMPTZ, "q", micros))


def float8_array(values: Sequence[float]) -> Float8Array:
    return Float8Array(_fixed_width(_FLOAT8, "d", values))


def int8_array(values: Sequence[int | None]) -> Int8Array:
    """int8[] that may hold NULLs."""
    if None not in values:
        return Int8Array(_fixed_width(_INT8, "q", values))
    parts = [_ARRAY_HEADER.pack(1, 1, _INT8, len(values), 1)]
    parts += [_NULL_ELEMENT if value is None else _INT8_ELEMENT(8, value) for value in values]
    return Int8Array(b"".join(parts))


class ChunkNotEncodable(ValueError):
    """The chunk's values hold every candidate separator (72,000 distinct characters): a data error, so the
    chunk is bisected until the halves can be encoded (one event of at most MAX_EVENT_BYTES always can)."""


def _joined(texts: Sequence[list[str]], raws: Sequence[Any], separator: str) -> tuple[list[str], bytes] | None:
    """The columns joined by `separator`, or None when a value contains it (a count of it tells)."""
    joined = [separator.join(values) for values in texts]
    if any(text.count(separator) != len(values) - 1 for text, values in zip(joined, texts, strict=True)):
        return None
    marker = separator.encode()
    raw = marker.join(raws)
    return (joined, raw) if raw.count(marker) == len(raws) - 1 else None


def _free_separator(texts: Sequence[list[str]], raws: Sequence[Any]) -> tuple[str, tuple[list[str], bytes]]:
    """The first candidate no value of the chunk contains, and the columns joined by it (the rare path)."""
    used = set(b"".join(raws).decode()).union(*(set("".join(values)) for values in texts))
    separator = next((c for c in candidates() if c not in used), None)
    if separator is None:
        raise ChunkNotEncodable("the chunk's values hold every candidate separator character")
    return separator, ([separator.join(values) for values in texts], separator.encode().join(raws))


def chunk_params(shard_id: str, kinesis: Sequence[dict], events: Sequence[ClickEvent],
                 occurred_us: Sequence[int]) -> dict[str, Any]:
    """The statement's parameters for one chunk: column lists built by map/attrgetter (per record in C)."""
    referrers, user_agents = list(map(_REFERRER, events)), list(map(_USER_AGENT, events))
    # Nullable columns go through str() in C, None becoming "None", which splits back to NULL; only
    # when a value is "None" itself is a marker no value equals chosen instead.
    if _NONE in referrers or _NONE in user_agents:
        null = next(m for m in candidates() if m not in referrers and m not in user_agents)
        columns = [[null if value is None else value for value in column] for column in (referrers, user_agents)]
    else:
        null, columns = _NONE, [list(map(str, column)) for column in (referrers, user_agents)]
    # A leading element (dropped in SQL) keeps a chunk of one "" from splitting into no element at all.
    texts = [list(map(getter, events)) for getter in (_EVENT_ID, _EVENT_TYPE, _USER_ID, _SESSION_ID, _PAGE)]
    texts += [[null, *column] for column in columns]
    texts += [list(map(_KEY, kinesis)), list(map(_SEQ, kinesis))]
    raws = list(map(_PROPERTIES, events))
    separator, split = SEPARATOR, _joined(texts, raws, SEPARATOR)
    if split is None:
        separator, split = _free_separator(texts, raws)
    (event_ids, event_types, user_ids, session_ids, pages, referrer_text, user_agent_text, keys, sequences), \
        properties = split
    return {
        "shard": shard_id, "sep": separator, "null": null,
        "event_ids": event_ids, "event_types": event_types, "user_ids": user_ids, "session_ids": session_ids,
        "pages": pages, "referrers": referrer_text, "user_agents": user_agent_text,
        "partition_keys": keys, "sequence_numbers": sequences,
        "properties": TextBytes(properties),
        "occurred": timestamptz_array(occurred_us),
        "durations": int8_array(list(map(_DURATION, events))),
        "arrivals": float8_array(list(map(_ARRIVAL, kinesis))),
    }


def is_data_error(error: BaseException) -> bool:
    """The database refuses these rows themselves (bad value, constraint, size limit): retrying cannot help.

    Decided by SQLSTATE class, not by psycopg's exception class: psycopg raises class 54 (e.g. an
    index row too large) as an OperationalError, which would otherwise look like an outage.
    """
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in DATA_ERROR_CLASSES
    return isinstance(error, UnicodeEncodeError | ChunkNotEncodable)


def is_transient(error: BaseException) -> bool:
    """Worth retrying: the connection, the server or a lock/serialization conflict, not the data.

    Anything that is not a data error is the sink's failure (an outage, a missing table, ...): the
    chunk is not done and the records stay in the shard; only these are retried within the invocation.
    """
    import psycopg

    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError) and not is_data_error(error)


def _binary_dumper(cls: type[bytes]) -> Any:
    from psycopg import pq
    from psycopg.adapt import Dumper

    class BinaryDumper(Dumper):
        format = pq.Format.BINARY
        oid = cls.oid  # type: ignore[attr-defined]

        def dump(self, obj: Any) -> bytes:
            return obj  # type: ignore[no-any-return]

    return BinaryDumper


def _cut_after(conn: Any, seconds: float) -> threading.Timer:
    """A timer that shuts the connection's socket down after `seconds`: the blocked libpq call then
    sees the connection closed and raises OperationalError instead of waiting on."""
    fd = conn.pgconn.socket

    def cut() -> None:
        with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(0.0, seconds), cut)
    timer.daemon = True
    timer.start()
    return timer


class PostgresSink:
    """A lazily (re)opened connection and the chunk write; one instance per execution environment."""

    def __init__(self, connect_kwargs: Callable[[], dict[str, Any]], ensure_schema: bool = True) -> None:
        self._connect_kwargs = connect_kwargs
        self._ensure_schema = ensure_schema
        self._schema_ready = False
        self._connection: Any = None
        self.connects = 0

    def connection(self) -> Any:
        """The open connection, reconnecting when the previous one was closed or broken."""
        conn = self._connection
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        import psycopg

        self._connection = None
        conn = psycopg.connect(**self._connect_kwargs(), prepare_threshold=None, autocommit=True)
        self.connects += 1
        for cls in (TimestamptzArray, Int8Array, Float8Array, TextBytes):
            conn.adapters.register_dumper(cls, _binary_dumper(cls))
        if self._ensure_schema and not self._schema_ready:
            with conn.transaction(), conn.cursor() as cursor:
                # Concurrent cold starts would race on CREATE TABLE IF NOT EXISTS without the lock.
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
                cursor.execute(SCHEMA_SQL)
            self._schema_ready = True
        self._connection = conn
        return conn

    def is_transient(self, error: BaseException) -> bool:
        return is_transient(error)

    def is_data_error(self, error: BaseException) -> bool:
        return is_data_error(error)

    def reset(self) -> None:
        """Drop the connection after a failure so the next attempt starts clean."""
        conn, self._connection = self._connection, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close; it is dropped anyway
                conn.close()

    def write(self, shard_id: str, kinesis: Sequence[dict], events: Sequence[ClickEvent],
              occurred_us: Sequence[int], timeout_s: float | None = None) -> int:
        """Store one chunk's valid events in one statement (one transaction); returns how many were new.

        After `timeout_s` without an answer the connection is cut and the write fails (see above)."""
        if not events:
            return 0
        params = chunk_params(shard_id, kinesis, events, occurred_us)
        conn = self.connection()
        watchdog = _cut_after(conn, timeout_s) if timeout_s is not None else None
        try:
            row = conn.execute(INSERT_SQL, params).fetchone()
        except BaseException:
            if conn.broken or conn.closed:
                self.reset()
            raise
        finally:
            if watchdog is not None:
                watchdog.cancel()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.reset()
