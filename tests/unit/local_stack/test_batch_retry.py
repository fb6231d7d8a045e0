"""The retry state machine of one batch, driven by scripted function results and a controllable clock."""

from __future__ import annotations

from local_stack.esm.batch_retry import (
    RECORD_AGE_EXCEEDED,
    RETRY_EXHAUSTED,
    Discard,
    RetryPolicy,
    failed_index,
    process_batch,
)
from local_stack.esm.kinesis_records import StreamRecord
from local_stack.runtime.worker import InvokeResult


def records(n: int, arrival: float = 1000.0) -> list[StreamRecord]:
    return [StreamRecord(str(100 + i), f"k{i % 3}", b"{}", arrival) for i in range(n)]


class Script:
    """Function results chosen per call from the batch it receives."""

    def __init__(self, decide):
        self.decide = decide
        self.batches: list[list[str]] = []

    def __call__(self, batch: list[StreamRecord]) -> InvokeResult:
        self.batches.append([r.sequence_number for r in batch])
        error, payload = self.decide(batch)
        return InvokeResult("req", payload=payload, error=error)


def run(batch, decide, policy, now=1001.0):
    discards: list[Discard] = []
    script = Script(decide)
    outcome = process_batch(batch, script, discards.append, policy, clock=lambda: now, sleep=lambda s: None)
    return outcome, discards, script.batches


def test_failed_index_reads_partial_batch_responses() -> None:
    batch = records(4)
    assert failed_index(batch, None) == 4
    assert failed_index(batch, {"batchItemFailures": []}) == 4
    assert failed_index(batch, {"batchItemFailures": [{"itemIdentifier": "103"}, {"itemIdentifier": "101"}]}) == 1
    assert failed_index(batch, {"batchItemFailures": [{"itemIdentifier": "999"}]}) is None
    assert failed_index(batch, {"batchItemFailures": [{"itemIdentifier": ""}]}) is None


def test_partial_failure_retries_from_lowest_failed_record_and_counts_retries() -> None:
    poison = "102"

    def decide(batch):
        ids = [r.sequence_number for r in batch]
        return None, {"batchItemFailures": [{"itemIdentifier": poison}]} if poison in ids else {}

    outcome, discards, batches = run(records(5), decide, RetryPolicy(max_retry_attempts=2, report_batch_item_failures=True))
    assert batches == [["100", "101", "102", "103", "104"]] + [["102", "103", "104"]] * 2
    assert outcome.processed == 2 and outcome.retries == 2 and outcome.partial_failures == 3
    assert [(d.condition, d.invoke_count, [r.sequence_number for r in d.records]) for d in discards] == [
        (RETRY_EXHAUSTED, 3, ["102", "103", "104"])]


def test_partial_response_is_ignored_without_report_batch_item_failures() -> None:
    outcome, discards, batches = run(records(3), lambda b: (None, {"batchItemFailures": [{"itemIdentifier": "101"}]}),
                                     RetryPolicy(max_retry_attempts=0))
    assert outcome.processed == 3 and not discards and len(batches) == 1


def test_bisect_isolates_the_bad_record_without_spending_retries() -> None:
    succeeded: list[str] = []

    def decide(batch):
        if any(r.sequence_number == "105" for r in batch):
            return {"errorType": "ValueError", "errorMessage": "bad"}, None
        succeeded.extend(r.sequence_number for r in batch)
        return None, None

    outcome, discards, _batches = run(records(8), decide, RetryPolicy(max_retry_attempts=1, bisect_on_error=True))
    assert [[r.sequence_number for r in d.records] for d in discards] == [["105"]]
    assert discards[0].invoke_count == 2
    assert outcome.processed == 7 and outcome.bisections == 3 and outcome.retries == 1
    assert succeeded == ["100", "101", "102", "103", "104", "106", "107"]  # each once, in stream order


def test_unlimited_retries_keep_going_until_success() -> None:
    failures = iter([True] * 6 + [False])

    def decide(batch):
        return ({"errorType": "E", "errorMessage": "x"}, None) if next(failures) else (None, None)

    outcome, discards, _ = run(records(2), decide, RetryPolicy(max_retry_attempts=-1))
    assert outcome.retries == 6 and outcome.processed == 2 and not discards


def test_records_older_than_maximum_record_age_go_to_on_failure_without_invoking() -> None:
    batch = [*records(2, arrival=1000.0), StreamRecord("200", "k", b"{}", 1100.0)]
    outcome, discards, batches = run(batch, lambda b: (None, None), RetryPolicy(max_record_age_s=60), now=1100.0)
    assert [(d.condition, d.invoke_count, len(d.records)) for d in discards] == [(RECORD_AGE_EXCEEDED, 0, 2)]
    assert batches == [["200"]] and outcome.processed == 1


def test_a_stop_during_backoff_abandons_the_batch_without_discarding_it() -> None:
    discards: list[Discard] = []
    outcome = process_batch(records(3), Script(lambda b: ({"errorType": "E", "errorMessage": "x"}, None)),
                            discards.append, RetryPolicy(max_retry_attempts=-1), clock=lambda: 1001.0, sleep=lambda s: True)
    assert outcome.abandoned and outcome.invocations == 1 and outcome.processed == 0 and not discards
