"""Idempotent batched writes of clickstream events to PostgreSQL (through RDS Proxy in AWS).

One statement per chunk: the records' base64 payloads, partition keys, sequence numbers and
arrival times go as four arrays; PostgreSQL decodes the JSON and extracts the columns in C, so
the Lambda keeps no per-record Python objects. `ON CONFLICT (event_id) DO NOTHING` makes a
redelivered or duplicated event a no-op, and the per-page/per-minute counters are incremented
only from the rows that statement actually inserted, so they are idempotent too.

psycopg is imported on first connect, not at module import: it costs ~0.25 s, which a batch
pays once per execution environment rather than every test, tool or import of the handler.
Server-side prepared statements are disabled (prepare_threshold=None) because RDS Proxy pins a
client to one database connection once it prepares a statement.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

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
    PRIMARY KEY (page, event_type, minute)
);
"""

INSERT_SQL = """
WITH incoming AS (
    SELECT convert_from(decode(d, 'base64'), 'UTF8')::jsonb AS p, pk, seq, to_timestamp(arr) AS arrived_at
    FROM unnest(%(data)s::text[], %(keys)s::text[], %(seqs)s::text[], %(arrivals)s::float8[]) AS t(d, pk, seq, arr)
), inserted AS (
    INSERT INTO clickstream_events (event_id, event_type, occurred_at, user_id, session_id, page, referrer,
                                    user_agent, duration_ms, properties, shard_id, partition_key,
                                    sequence_number, arrived_at)
    SELECT (p->>'event_id')::uuid, p->>'event_type', (p->>'timestamp')::timestamptz, p->>'user_id',
           p->>'session_id', p->>'page', p->>'referrer', p->>'user_agent', (p->>'duration_ms')::bigint,
           NULLIF(p->'properties', 'null'::jsonb), %(shard)s, pk, seq, arrived_at
    FROM incoming
    ON CONFLICT (event_id) DO NOTHING
    RETURNING page, event_type, date_trunc('minute', occurred_at, 'UTC') AS minute
), counted AS (
    INSERT INTO page_minute_counts AS c (page, event_type, minute, events)
    SELECT page, event_type, minute, count(*) FROM inserted
    GROUP BY page, event_type, minute ORDER BY page, event_type, minute
    ON CONFLICT (page, event_type, minute) DO UPDATE SET events = c.events + excluded.events
)
SELECT count(*) FROM inserted
"""


_DATA = itemgetter("data")
_KEY = itemgetter("partitionKey")
_SEQ = itemgetter("sequenceNumber")
_ARRIVAL = itemgetter("approximateArrivalTimestamp")


def chunk_params(shard_id: str, kinesis: Sequence[dict]) -> dict[str, Any]:
    """The statement's parameters: four arrays taken from the records as delivered, no decoding.

    map + itemgetter keeps the per-record work in C.
    """
    return {
        "data": list(map(_DATA, kinesis)),
        "keys": list(map(_KEY, kinesis)),
        "seqs": list(map(_SEQ, kinesis)),
        "arrivals": list(map(float, map(_ARRIVAL, kinesis))),
        "shard": shard_id,
    }


def is_transient(error: BaseException) -> bool:
    """Worth retrying: the connection, the server or a lock/serialization conflict, not the data."""
    import psycopg

    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


def is_data_error(error: BaseException) -> bool:
    """The database rejects these rows themselves (bad value, constraint): retrying cannot help."""
    import psycopg

    return isinstance(error, psycopg.DataError | psycopg.IntegrityError)


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
        conn = psycopg.connect(**self._connect_kwargs(), prepare_threshold=None, autocommit=False)
        self.connects += 1
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

    def write(self, shard_id: str, kinesis: Sequence[dict]) -> int:
        """Store the records (Kinesis `kinesis` dicts) in one transaction; returns how many were new."""
        if not kinesis:
            return 0
        params = chunk_params(shard_id, kinesis)
        conn = self.connection()
        try:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(INSERT_SQL, params)
                row = cursor.fetchone()
        except BaseException:
            if conn.broken or conn.closed:
                self.reset()
            raise
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.reset()
