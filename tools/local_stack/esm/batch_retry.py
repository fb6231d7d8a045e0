"""What Lambda does with one Kinesis batch until every record in it is processed or given up.

- function error: retry the batch; with BisectBatchOnFunctionError split it in
  two first (splitting does not use up MaximumRetryAttempts);
- partial batch response (ReportBatchItemFailures): records before the lowest
  failed sequence number are done, retry from it (counts as a retry); an
  item identifier that is empty or not in the batch fails the whole batch;
- records older than MaximumRecordAgeInSeconds and batches out of retries go
  to the on-failure destination (metadata only) and processing moves on;
- throttled (the function had no concurrency, nothing ran): retried with backoff
  until the records expire or exceed MaximumRecordAgeInSeconds, without using up
  MaximumRetryAttempts and without bisecting ("Before invocation: If a Lambda event
  source mapping is unable to invoke the function due to throttling or other issues,
  it retries until the records expire or exceed the maximum age configured on the
  event source mapping", https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local_stack.esm.kinesis_records import StreamRecord
from local_stack.runtime.worker import InvokeResult

RETRY_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


@dataclass(frozen=True)
class RetryPolicy:
    max_retry_attempts: int = -1
    max_record_age_s: int = -1
    bisect_on_error: bool = False
    report_batch_item_failures: bool = False
    backoff_base_s: float = 0.1
    backoff_max_s: float = 2.0

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any], backoff_base_s: float = 0.1, backoff_max_s: float = 2.0) -> RetryPolicy:
        return cls(
            max_retry_attempts=int(mapping.get("MaximumRetryAttempts", -1)),
            max_record_age_s=int(mapping.get("MaximumRecordAgeInSeconds", -1)),
            bisect_on_error=bool(mapping.get("BisectBatchOnFunctionError", False)),
            report_batch_item_failures="ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", []),
            backoff_base_s=backoff_base_s, backoff_max_s=backoff_max_s,
        )


@dataclass
class Discard:
    """Records given up on: what the on-failure destination is told about."""

    records: list[StreamRecord]
    condition: str
    invoke_count: int
    last_result: InvokeResult | None


@dataclass
class BatchOutcome:
    invocations: int = 0
    retries: int = 0
    throttles: int = 0  # invocations refused for want of concurrency, each retried
    bisections: int = 0
    partial_failures: int = 0
    processed: int = 0
    discarded: int = 0
    abandoned: bool = False

    def add(self, other: BatchOutcome) -> None:
        """Sum another outcome's counters into this one (a summary over shards or batches)."""
        for name in ("invocations", "retries", "throttles", "bisections", "partial_failures", "processed", "discarded"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def failed_index(records: list[StreamRecord], payload: Any) -> int | None:
    """Index to retry from per the partial batch response; len(records) means all succeeded; None: whole batch failed."""
    if payload is None or payload == {}:
        return len(records)
    if not isinstance(payload, dict) or not isinstance(payload.get("batchItemFailures", []), list):
        return None
    failures = payload.get("batchItemFailures") or []
    if not failures:
        return len(records)
    positions = {record.sequence_number: i for i, record in enumerate(records)}
    indexes = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in positions:
            return None
        indexes.append(positions[identifier])
    return min(indexes)


def process_batch(
    records: list[StreamRecord],
    invoke: Callable[[list[StreamRecord]], InvokeResult],
    discard: Callable[[Discard], None],
    policy: RetryPolicy,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], object] = time.sleep,
) -> BatchOutcome:
    """Run one batch to the end; a truthy return from `sleep` (a set stop event) abandons it unfinished."""
    outcome = BatchOutcome()
    work: deque[tuple[list[StreamRecord], int]] = deque([(records, 0)])
    throttled_in_a_row = 0
    while work:
        batch, retries = work.popleft()
        if policy.max_record_age_s >= 0:
            now = clock()
            expired = [r for r in batch if now - r.arrival > policy.max_record_age_s]
            if expired:
                discard(Discard(expired, RECORD_AGE_EXCEEDED, retries, None))
                outcome.discarded += len(expired)
                batch = [r for r in batch if now - r.arrival <= policy.max_record_age_s]
                if not batch:
                    continue
        result = invoke(batch)
        if result.throttled:
            outcome.throttles += 1
            throttled_in_a_row += 1
            if sleep(min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (throttled_in_a_row - 1))):
                outcome.abandoned = True
                return outcome
            work.appendleft((batch, retries))
            continue
        throttled_in_a_row = 0
        outcome.invocations += 1
        if result.error is None:
            index = failed_index(batch, result.payload) if policy.report_batch_item_failures else len(batch)
            if index == len(batch):
                outcome.processed += len(batch)
                continue
            if index is not None:
                outcome.partial_failures += 1
                outcome.processed += index
                batch = batch[index:]
        elif policy.bisect_on_error and len(batch) > 1:
            middle = len(batch) // 2
            work.extendleft([(batch[middle:], retries), (batch[:middle], retries)])
            outcome.bisections += 1
            continue
        retries += 1
        if 0 <= policy.max_retry_attempts < retries:
            discard(Discard(batch, RETRY_EXHAUSTED, retries, result))
            outcome.discarded += len(batch)
            continue
        outcome.retries += 1
        if sleep(min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (retries - 1))):
            outcome.abandoned = True
            return outcome
        work.appendleft((batch, retries))
    return outcome
