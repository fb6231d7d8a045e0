"""One Kinesis batch: poison out to the dead-letter queue, the rest to the sink, in record order.

The batch is worked through in chunks of consecutive records, each validated just before it is
written (events.decode_batch keeps each valid record's decoded event for the sink). A chunk is
done when its valid records are committed to the sink and its poison records accepted by the
dead-letter queue; both are under way at once (the poison is sent on a thread while the chunk is
written), so the queue's latency hides behind the database's.
A row the database itself refuses (a data error, see the sink's is_data_error) is found by
bisecting the chunk, ~2 log2(n) writes instead of one per record, and becomes poison with the
database's reason; any other sink error is the sink's failure, never the records'.

A sink outage is waited out inside the invocation: a failed write is retried with backoff for as
long as the invocation has time (a database failover takes 30-120 s), so it costs latency, not
retries of the mapping. When a chunk still cannot be done (sink down until the time reserve, DLQ
down, or too little time left for the next chunk) processing stops and the response names the
chunk's first sequence number, the batch's first one included: Lambda checkpoints everything
before it and redelivers the rest (AWS's partial batch response for Kinesis). Such a response
is not a function error, so the mapping does not bisect a healthy batch because its sink was
down; it counts one retry, and with the root module's settings (60 s timeout, 5 retries) a
shard rides out an outage of about five minutes before anything is given up. Re-running a
chunk is harmless because sink writes are idempotent. An unexpected exception (a bug) still
fails the invocation, which lets BisectBatchOnFunctionError isolate the record that causes it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol

from pipeline_common.retry import LambdaContext, RetryPolicy, retry_with_backoff

from stream_processor.events import ClickEvent, DecodedBatch, Poison, decode_batch

if TYPE_CHECKING:  # concurrent.futures (and the logging module it loads) is imported on the first poison only
    from concurrent.futures import Future, ThreadPoolExecutor


class Sink(Protocol):
    def write(self, shard_id: str, kinesis: Sequence[dict], events: Sequence[ClickEvent],
              occurred_us: Sequence[int], timeout_s: float | None = None) -> int: ...
    def reset(self) -> None: ...
    def is_transient(self, error: BaseException) -> bool: ...
    def is_data_error(self, error: BaseException) -> bool: ...


class DeadLetter(Protocol):
    def send(self, poison: Sequence[Poison], records: Sequence[dict], context: LambdaContext | None = None) -> int: ...


@dataclass
class BatchResult:
    response: dict[str, list[dict[str, str]]]
    summary: dict[str, Any]


_KINESIS = itemgetter("kinesis")
DEFAULT_SINK_POLICY = RetryPolicy(max_attempts=None, base_delay=0.1, max_delay=2.0)


@dataclass(frozen=True)
class BatchLimits:
    """`sink_attempt_seconds` is the longest a sink attempt may take to connect (the connect timeout):
    a retry starts only while it can still end before the time reserve. A write that gets no answer
    within `write_timeout_seconds`, or before the time reserve, is cut off and retried."""

    max_event_bytes: int = 16_384
    chunk_size: int = 1_000
    sink_policy: RetryPolicy = DEFAULT_SINK_POLICY
    time_reserve_seconds: float = 5.0
    sink_attempt_seconds: float = 5.0
    write_timeout_seconds: float = 20.0


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    sqlstate = getattr(error, "sqlstate", None)
    return f"{type(error).__name__}{f' [{sqlstate}]' if sqlstate else ''}: {text[0] if text else ''}"[:500]


@dataclass(frozen=True)
class Rows:
    """Valid records of one chunk as the sink takes them; `indexes` are their places in the batch."""

    indexes: Sequence[int]
    kinesis: list[dict]
    events: list[ClickEvent]
    occurred_us: list[int]

    @classmethod
    def of(cls, records: Sequence[dict], decoded: DecodedBatch) -> Rows:
        start, events = decoded.start, decoded.events
        if not decoded.poison:  # slices and C-level maps, no per-record Python work
            stop = start + len(events)
            return cls(range(start, stop), list(map(_KINESIS, records[start:stop])), events, decoded.occurred_us)
        keep = [offset for offset, event in enumerate(events) if event is not None]
        return cls([start + offset for offset in keep], [records[start + offset]["kinesis"] for offset in keep],
                   [events[offset] for offset in keep], [decoded.occurred_us[offset] for offset in keep])

    def halves(self) -> tuple[Rows, Rows]:
        middle = len(self.indexes) // 2
        return (Rows(self.indexes[:middle], self.kinesis[:middle], self.events[:middle], self.occurred_us[:middle]),
                Rows(self.indexes[middle:], self.kinesis[middle:], self.events[middle:], self.occurred_us[middle:]))


class BatchProcessor:
    """Holds the sink and dead-letter destination that live as long as the execution environment."""

    def __init__(self, sink: Sink, dead_letter: DeadLetter, limits: BatchLimits = BatchLimits(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sink = sink
        self.dead_letter = dead_letter
        self.limits = limits
        self.sink_policy = replace(limits.sink_policy, retryable=sink.is_transient,
                                   reserve_seconds=limits.time_reserve_seconds + limits.sink_attempt_seconds)
        self.clock = clock
        self._dead_letter_thread: ThreadPoolExecutor | None = None

    def _write_timeout(self, context: LambdaContext | None) -> float:
        """The write's deadline: its own limit, and never past the time reserve of the invocation."""
        if context is None:
            return self.limits.write_timeout_seconds
        left = context.get_remaining_time_in_millis() / 1000.0 - self.limits.time_reserve_seconds
        return max(0.5, min(self.limits.write_timeout_seconds, left))

    def _write(self, shard_id: str, rows: Rows, context: LambdaContext | None) -> int:
        return retry_with_backoff(
            lambda: self.sink.write(shard_id, rows.kinesis, rows.events, rows.occurred_us, self._write_timeout(context)),
            self.sink_policy, context=context, on_retry=lambda *_: self.sink.reset())

    def _store(self, shard_id: str, rows: Rows, context: LambdaContext | None) -> tuple[int, list[Poison]]:
        """New rows stored, and the records the database itself refused, found by bisection.

        Each half is its own transaction: a half stored before a later failure stays stored, which
        redelivery of the chunk makes harmless (idempotent writes).
        """
        try:
            return self._write(shard_id, rows, context), []
        except Exception as error:
            if not self.sink.is_data_error(error):
                raise
            if len(rows.indexes) == 1:
                return 0, [Poison(rows.indexes[0], "sink_rejected", _first_line(error))]
        first, second = rows.halves()
        stored_first, rejected_first = self._store(shard_id, first, context)
        stored_second, rejected_second = self._store(shard_id, second, context)
        return stored_first + stored_second, rejected_first + rejected_second

    def _send_in_background(self, poison: list[Poison], records: Sequence[dict],
                            context: LambdaContext | None) -> Future[int] | None:
        """Start sending a chunk's poison on the dead-letter thread, so SQS's latency overlaps the sink write."""
        if not poison:
            return None
        if self._dead_letter_thread is None:
            from concurrent.futures import ThreadPoolExecutor

            self._dead_letter_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dead-letter")
        return self._dead_letter_thread.submit(self.dead_letter.send, poison, records, context)

    def process(self, records: Sequence[dict], context: LambdaContext | None = None) -> BatchResult:
        started = self.clock()
        total = len(records)
        shard_id = records[0].get("eventID", "unknown:").split(":", 1)[0] if records else "none"
        reasons: Counter[str] = Counter()
        stored = written = dead_lettered = chunks = 0
        retry_from: int | None = None
        error_text = error_kind = None
        for start in range(0, total, self.limits.chunk_size):
            if start and context is not None and \
                    context.get_remaining_time_in_millis() / 1000.0 < self.limits.time_reserve_seconds:
                retry_from, error_kind = start, "time_budget"
                error_text = "stopped early: invocation time nearly used up"
                break
            decoded = decode_batch(records, self.limits.max_event_bytes, start, start + self.limits.chunk_size)
            sending = self._send_in_background(decoded.poison, records, context)
            try:
                new, rejected = self._store(shard_id, Rows.of(records, decoded), context)
            except Exception as error:  # the sink's failure: data errors never get here, they are poison
                if sending is not None:
                    sending.exception()  # the chunk stops here either way; its poison may be sent again later
                retry_from, error_text, error_kind = start, _first_line(error), "sink_unavailable"
                break
            try:
                dead_lettered += (sending.result() if sending is not None else 0) + \
                    (self.dead_letter.send(rejected, records, context) if rejected else 0)
            except Exception as error:
                retry_from, error_text, error_kind = start, _first_line(error), "dead_letter_unavailable"
                break
            reasons.update(p.reason for p in decoded.poison)
            reasons.update(p.reason for p in rejected)
            stored += new
            written += len(decoded.events) - len(decoded.poison) - len(rejected)
            chunks += 1
        summary = {
            "shard_id": shard_id,
            "records": total,
            "poison": sum(reasons.values()),
            "poison_reasons": dict(reasons),
            "dead_lettered": dead_lettered,
            "stored": stored,
            "duplicates": written - stored,
            "chunks_done": chunks,
            "first_sequence": records[0]["kinesis"]["sequenceNumber"] if records else None,
            "last_sequence": records[-1]["kinesis"]["sequenceNumber"] if records else None,
            "retry_from_sequence": None if retry_from is None else records[retry_from]["kinesis"]["sequenceNumber"],
            "error": error_text,
            "error_kind": error_kind,
            "duration_ms": round((self.clock() - started) * 1000, 1),
        }
        failures = [] if retry_from is None else [{"itemIdentifier": summary["retry_from_sequence"]}]
        return BatchResult({"batchItemFailures": failures}, summary)
