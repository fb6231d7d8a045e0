"""A throttled batch (the function had no concurrency, nothing ran) as Lambda retries it for a Kinesis mapping."""

from __future__ import annotations

from local_stack.esm.batch_retry import RECORD_AGE_EXCEEDED, RETRY_EXHAUSTED, Discard, RetryPolicy, process_batch
from local_stack.esm.kinesis_records import StreamRecord
from local_stack.runtime.concurrency import RESERVED_LIMIT_EXCEEDED
from local_stack.runtime.worker import InvokeResult, throttled_result


def records(n: int, arrival: float = 1000.0) -> list[StreamRecord]:
    return [StreamRecord(str(100 + i), f"k{i}", b"{}", arrival) for i in range(n)]


def test_throttles_are_retried_without_using_up_retry_attempts_or_bisecting() -> None:
    results = [throttled_result(RESERVED_LIMIT_EXCEEDED)] * 5 + [InvokeResult("ok")]
    sent: list[int] = []
    sleeps: list[float] = []

    def invoke(batch: list[StreamRecord]) -> InvokeResult:
        sent.append(len(batch))
        return results[len(sent) - 1]

    discards: list[Discard] = []
    policy = RetryPolicy(max_retry_attempts=1, bisect_on_error=True, backoff_base_s=0.1, backoff_max_s=1.0)
    outcome = process_batch(records(4), invoke, discards.append, policy, clock=lambda: 1001.0, sleep=sleeps.append)
    assert sent == [4] * 6, "the whole batch each time: a throttle is no function error, nothing to bisect"
    assert (outcome.throttles, outcome.invocations, outcome.processed, outcome.retries) == (5, 1, 4, 0)
    assert discards == [], "five throttles with MaximumRetryAttempts 1: nothing given up"
    assert sleeps == [0.1, 0.2, 0.4, 0.8, 1.0], "backing off between throttled attempts"


def test_a_function_error_after_throttles_counts_its_own_retries() -> None:
    error = InvokeResult("e", error={"errorType": "ValueError"})
    results = [throttled_result(RESERVED_LIMIT_EXCEEDED), error, throttled_result(RESERVED_LIMIT_EXCEEDED), error]
    calls = iter(results)
    discards: list[Discard] = []
    outcome = process_batch(records(1), lambda batch: next(calls), discards.append, RetryPolicy(max_retry_attempts=1),
                            clock=lambda: 1001.0, sleep=lambda s: None)
    assert [d.condition for d in discards] == [RETRY_EXHAUSTED]
    assert discards[0].invoke_count == 2, "two invocations ran; the two throttled requests do not count"
    assert (outcome.throttles, outcome.invocations) == (2, 2)


def test_throttled_records_still_expire_at_the_maximum_record_age() -> None:
    now = [1001.0]

    def invoke(batch: list[StreamRecord]) -> InvokeResult:
        now[0] += 30
        return throttled_result(RESERVED_LIMIT_EXCEEDED)

    discards: list[Discard] = []
    outcome = process_batch(records(3), invoke, discards.append, RetryPolicy(max_record_age_s=60),
                            clock=lambda: now[0], sleep=lambda s: None)
    assert [(d.condition, len(d.records)) for d in discards] == [(RECORD_AGE_EXCEEDED, 3)]
    assert outcome.throttles == 2
