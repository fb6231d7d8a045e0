"""operations.ordered_put: PutRecords calls that keep each partition key's order, confirmed entry by entry.

Kinesis rejecting single entries (throttling) is what this is about, and the emulator never does, so
the stream here is a recording stand-in that rejects the entries a test chooses (the round trip on
the emulator: tests/integration/functions/test_redrive.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from operations.ordered_put import MAX_BYTES_PER_CALL, MAX_RECORDS_PER_CALL, Backoff, Entry, put_in_order


class Stream:
    """Records every PutRecords call; `reject(entry, attempt)` decides an entry's fate on its nth attempt."""

    def __init__(self, reject: Callable[[Entry, int], bool] = lambda entry, attempt: False) -> None:
        self.reject = reject
        self.calls: list[list[str]] = []
        self.written: list[str] = []
        self.attempts: dict[str, int] = {}

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        results, call = [], []
        for record in Records:
            ref = record["Data"].decode()
            call.append(ref)
            self.attempts[ref] = self.attempts.get(ref, 0) + 1
            if self.reject(Entry(ref, record["Data"], record["PartitionKey"]), self.attempts[ref]):
                results.append({"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate exceeded"})
            else:
                self.written.append(ref)
                results.append({"SequenceNumber": str(len(self.written)), "ShardId": "shardId-000000000000"})
        self.calls.append(call)
        return {"Records": results, "FailedRecordCount": sum("ErrorCode" in r for r in results)}


def entries(*spec: str) -> list[Entry]:
    """'a1' is the first record of key a."""
    return [Entry(ref, ref.encode(), ref[0]) for ref in spec]


DEFAULT = Backoff()


def run(stream: Stream, items: list[Entry], backoff: Backoff = DEFAULT) -> tuple[list[Any], list[list[str]], list[float]]:
    confirmed: list[list[str]] = []
    slept: list[float] = []
    missed = put_in_order(stream, "clicks", items, lambda written: confirmed.append([e.ref for e in written]),
                          backoff=backoff, sleep=slept.append)
    return missed, confirmed, slept


def test_one_record_per_key_per_call_and_each_key_in_its_order() -> None:
    stream = Stream()
    missed, confirmed, slept = run(stream, entries("a1", "b1", "a2", "c1", "a3", "b2"))
    assert missed == [] and slept == []
    assert stream.calls == [["a1", "b1", "c1"], ["a2", "b2"], ["a3"]]
    assert confirmed == stream.calls, "each call's written entries, right after it"


def test_a_rejected_record_is_retried_before_its_successor_goes_out() -> None:
    stream = Stream(reject=lambda entry, attempt: entry.ref == "a1" and attempt <= 2)
    missed, confirmed, slept = run(stream, entries("a1", "a2", "b1", "b2"))
    assert missed == []
    assert stream.calls == [["a1", "b1"], ["a1", "b2"], ["a1"], ["a2"]]
    assert [ref for ref in stream.written if ref[0] == "a"] == ["a1", "a2"]
    assert confirmed == [["b1"], ["b2"], ["a1"], ["a2"]] and len(slept) == 2, "a pause after each round with a rejection"


def test_a_key_rejected_too_often_is_given_up_with_everything_behind_it() -> None:
    stream = Stream(reject=lambda entry, attempt: entry.ref == "a1")
    missed, _, slept = run(stream, entries("a1", "b1", "a2", "b2"), Backoff(max_attempts=3, base_s=0.01, max_s=0.01))
    assert [(m.entry.ref, m.error) for m in missed] == [
        ("a1", "rejected 3 times (ProvisionedThroughputExceededException: Rate exceeded)"),
        ("a2", "held back behind a1 of the same partition key")]
    assert stream.written == ["b1", "b2"] and stream.attempts["a1"] == 3 and "a2" not in stream.attempts
    assert all(0 <= pause <= 0.01 for pause in slept)


def test_calls_stay_within_500_records_and_5_mib() -> None:
    many = [Entry(f"{n:04d}", f"{n:04d}".encode(), f"key-{n}") for n in range(MAX_RECORDS_PER_CALL + 100)]
    stream = Stream()
    assert run(stream, many)[0] == []
    assert [len(call) for call in stream.calls] == [MAX_RECORDS_PER_CALL, 100]
    big = [Entry(f"b{n}", b"x" * (MAX_BYTES_PER_CALL // 3), f"big-{n}") for n in range(4)]
    sizes: list[int] = []

    class Sizing(Stream):
        def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
            sizes.append(sum(len(r["Data"]) + len(r["PartitionKey"]) for r in Records))
            return {"Records": [{"SequenceNumber": "1", "ShardId": "s"} for _ in Records]}

    assert put_in_order(Sizing(), "clicks", big, lambda written: None) == []
    assert len(sizes) == 2 and max(sizes) <= MAX_BYTES_PER_CALL


def test_a_stream_arn_is_passed_as_one() -> None:
    seen: list[dict[str, Any]] = []

    class Recording:
        def put_records(self, **kwargs: Any) -> dict[str, Any]:
            seen.append(kwargs)
            return {"Records": [{"SequenceNumber": "1", "ShardId": "s"}]}

    arn = "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"
    put_in_order(Recording(), arn, entries("a1"), lambda written: None)
    assert seen[0]["StreamARN"] == arn and "StreamName" not in seen[0]
