"""One Kinesis batch: poison out to the dead-letter queue, the rest to the sink, in record order.

The batch is worked through in chunks of consecutive records. A chunk is done when its valid
records are committed to the sink and its poison records accepted by the dead-letter queue.
When a chunk cannot be done (sink down after retries, DLQ down, or too little invocation time
left) processing stops and the response names the chunk's first sequence number: Lambda
checkpoints everything before it and redelivers only the suffix (AWS's partial batch response
for Kinesis). Re-running a chunk is harmless because sink writes are idempotent. If not even the
first chunk could be done the invocation fails, which lets BisectBatchOnFunctionError and the
retry limit of the event source mapping take over.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any, Protocol

from pipeline_common.retry import LambdaContext, RetryPolicy, retry_with_backoff

from stream_processor.events import Poison, find_poison


class Sink(Protocol):
    def write(self, shard_id: str, kinesis: Sequence[dict]) -> int: ...
    def reset(self) -> None: ...
    def is_transient(self, error: BaseException) -> bool: ...
    def is_data_error(self, error: BaseException) -> bool: ...


class DeadLetter(Protocol):
    def send(self, poison: Sequence[Poison], records: Sequence[dict], context: LambdaContext | None = None) -> int: ...


class BatchFailed(RuntimeError):
    """Nothing in the batch could be processed; the whole batch must be retried."""

    def __init__(self, summary: dict[str, Any]) -> None:
        super().__init__(f"no record of the batch could be processed: {summary.get('error')}")
        self.summary = summary


@dataclass
class BatchResult:
    response: dict[str, list[dict[str, str]]]
    summary: dict[str, Any]


_KINESIS = itemgetter("kinesis")
DEFAULT_SINK_POLICY = RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=2.0)


@dataclass(frozen=True)
class BatchLimits:
    max_event_bytes: int = 16_384
    chunk_size: int = 1_000
    sink_policy: RetryPolicy = DEFAULT_SINK_POLICY
    time_reserve_seconds: float = 5.0


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:500]


class BatchProcessor:
    """Holds the sink and dead-letter destination that live as long as the execution environment."""

    def __init__(self, sink: Sink, dead_letter: DeadLetter, limits: BatchLimits = BatchLimits(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sink = sink
        self.dead_letter = dead_letter
        self.limits = limits
        self.sink_policy = replace(limits.sink_policy, retryable=sink.is_transient,
                                   reserve_seconds=limits.time_reserve_seconds)
        self.clock = clock

    def _write(self, shard_id: str, kinesis: list[dict], context: LambdaContext | None) -> int:
        return retry_with_backoff(lambda: self.sink.write(shard_id, kinesis), self.sink_policy,
                                  context=context, on_retry=lambda *_: self.sink.reset())

    def _store(self, shard_id: str, records: Sequence[dict], indexes: Sequence[int],
               context: LambdaContext | None) -> tuple[int, list[Poison]]:
        """New rows stored, and records the database itself rejected (found by retrying one by one)."""
        if isinstance(indexes, range):
            kinesis = list(map(_KINESIS, records[indexes.start:indexes.stop]))
        else:
            kinesis = [records[i]["kinesis"] for i in indexes]
        try:
            return self._write(shard_id, kinesis, context), []
        except Exception as error:
            if not self.sink.is_data_error(error):
                raise
        stored, rejected = 0, []
        for index in indexes:
            try:
                stored += self._write(shard_id, [records[index]["kinesis"]], context)
            except Exception as error:
                if not self.sink.is_data_error(error):
                    raise
                rejected.append(Poison(index, "sink_rejected", _first_line(error)))
        return stored, rejected

    def process(self, records: Sequence[dict], context: LambdaContext | None = None) -> BatchResult:
        started = self.clock()
        total = len(records)
        shard_id = records[0].get("eventID", "unknown:").split(":", 1)[0] if records else "none"
        poison = find_poison(records, self.limits.max_event_bytes)
        poison_at = [p.index for p in poison]
        reasons: Counter[str] = Counter(p.reason for p in poison)
        stored = written = dead_lettered = chunks = 0
        retry_from: int | None = None
        error_text: str | None = None
        lo = 0
        for start in range(0, total, self.limits.chunk_size):
            end = min(start + self.limits.chunk_size, total)
            if start and context is not None and \
                    context.get_remaining_time_in_millis() / 1000.0 < self.limits.time_reserve_seconds:
                retry_from, error_text = start, "stopped early: invocation time nearly used up"
                break
            hi = bisect_left(poison_at, end, lo)
            chunk_poison = poison[lo:hi]
            bad = set(poison_at[lo:hi])
            indexes: Sequence[int] = [i for i in range(start, end) if i not in bad] if bad else range(start, end)
            try:
                new, rejected = self._store(shard_id, records, indexes, context)
                chunk_poison = sorted(chunk_poison + rejected, key=lambda p: p.index) if rejected else chunk_poison
                dead_lettered += self.dead_letter.send(chunk_poison, records, context)
            except Exception as error:
                retry_from, error_text = start, _first_line(error)
                break
            reasons.update(p.reason for p in rejected)
            stored += new
            written += len(indexes) - len(rejected)
            chunks += 1
            lo = hi
        summary = {
            "shard_id": shard_id,
            "records": total,
            "poison": len(poison) + reasons["sink_rejected"],
            "poison_reasons": dict(reasons),
            "dead_lettered": dead_lettered,
            "stored": stored,
            "duplicates": written - stored,
            "chunks_done": chunks,
            "first_sequence": records[0]["kinesis"]["sequenceNumber"] if records else None,
            "last_sequence": records[-1]["kinesis"]["sequenceNumber"] if records else None,
            "retry_from_sequence": None if retry_from is None else records[retry_from]["kinesis"]["sequenceNumber"],
            "error": error_text,
            "duration_ms": round((self.clock() - started) * 1000, 1),
        }
        if retry_from == 0:
            raise BatchFailed(summary)
        failures = [] if retry_from is None else [{"itemIdentifier": summary["retry_from_sequence"]}]
        return BatchResult({"batchItemFailures": failures}, summary)
