"""Tumbling windows without the emulator: window boundaries, the state carried between invocations,
final and early-terminated invocations, and how retries, bisection and partial batch responses
move (or do not move) the state and the checkpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from local_stack.esm.batch_retry import Discard, RetryPolicy
from local_stack.esm.kinesis_records import StreamRecord
from local_stack.esm.tumbling_window import (
    MAX_STATE_BYTES,
    ShardWindows,
    Window,
    require_state,
    same_window_prefix,
    window_seconds,
)
from local_stack.runtime.worker import InvokeResult

SHARD, ARN = "shardId-000000000006", "arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream"
T0 = 1_700_000_040  # a multiple of 60 (and of 10): the start of a window


def record(n: int, arrival: float, value: int = 1, key: str = "k") -> StreamRecord:
    return StreamRecord(str(100 + n), key, json.dumps({"value": value}).encode(), arrival)


class Function:
    """Sums `value` per partition key into the state; `fail(records, fields)` may turn an invocation
    into an error (a dict) or a payload of its own."""

    def __init__(self, fail: Callable[[list[StreamRecord], dict[str, Any]], Any] = lambda r, f: None) -> None:
        self.fail = fail
        self.events: list[tuple[list[str], dict[str, Any]]] = []

    def __call__(self, records: list[StreamRecord], fields: dict[str, Any]) -> InvokeResult:
        self.events.append(([r.sequence_number for r in records], json.loads(json.dumps(fields))))
        outcome = self.fail(records, fields)
        if isinstance(outcome, dict) and "errorType" in outcome:
            return InvokeResult("req", payload=outcome, error=outcome)
        state = dict(fields["state"])
        for r in records:
            state[r.partition_key] = state.get(r.partition_key, 0) + json.loads(r.data)["value"]
        return InvokeResult("req", payload=outcome if outcome is not None else {"state": state})

    def finals(self) -> list[dict[str, Any]]:
        return [fields for records, fields in self.events if fields["isFinalInvokeForWindow"]]


class Lane:
    def __init__(self, function: Function, seconds: int = 60, stop_after_waits: int | None = None) -> None:
        self.checkpointed: list[str] = []
        self.discards: list[Discard] = []
        self.waits = 0
        self.stop_after_waits = stop_after_waits
        self.windows = ShardWindows(seconds, SHARD, ARN, function, self.checkpointed.extend, self.wait)

    def wait(self, delay_s: float) -> bool:
        self.waits += 1
        return self.stop_after_waits is not None and self.waits >= self.stop_after_waits

    def process(self, batch: list[StreamRecord], policy: RetryPolicy | None = None) -> None:
        self.windows.process(batch, policy or RetryPolicy(), self.discards.append, self.wait)


def test_window_seconds_reads_the_mapping_and_refuses_what_aws_refuses() -> None:
    assert window_seconds({}) == 0
    assert window_seconds({"TumblingWindowInSeconds": None}) == 0
    assert window_seconds({"TumblingWindowInSeconds": 900}) == 900
    for bad in (901, -1, 1.5, "60", True):
        with pytest.raises(ValueError, match=r"event source mapping m: TumblingWindowInSeconds must be a whole number from 0 to 900"):
            window_seconds({"UUID": "m", "TumblingWindowInSeconds": bad})


def test_windows_are_aligned_to_the_clock_by_arrival_time_as_in_aws_example() -> None:
    # AWS's KinesisTimeWindowEvent: a record arriving at 1607497475.000 in a 120 s window 07:04:00-07:06:00.
    assert Window.of(1607497475.0, 120).event_field() == {"start": "2020-12-09T07:04:00Z", "end": "2020-12-09T07:06:00Z"}
    assert Window.of(T0, 60) == Window(T0, T0 + 60), "a record arriving on a boundary opens the next window"
    assert Window.of(T0 - 0.001, 60) == Window(T0 - 60, T0)
    assert Window.of(T0 + 7, 10) == Window(T0, T0 + 10)


def test_a_batch_never_spans_two_windows() -> None:
    pending = [record(0, T0 + 1), record(1, T0 + 59.9), record(2, T0 + 60), record(3, T0 + 61)]
    assert same_window_prefix(pending, 60) == 2
    windows = ShardWindows(60, SHARD, ARN, Function(), lambda s: None, lambda d: False)
    assert windows.batch_limit(pending, 100) == 2
    assert windows.batch_limit(pending, 1) == 1
    assert same_window_prefix([], 60) == 0


def test_state_is_carried_across_invocations_and_the_final_invocation_gets_it_with_no_records() -> None:
    function = Function()
    lane = Lane(function)
    lane.process([record(0, T0 + 1, 5, "a"), record(1, T0 + 2, 7, "b")])
    lane.process([record(2, T0 + 3, 1, "a")])
    assert lane.checkpointed == [], "aggregation invocations do not checkpoint"
    assert lane.windows.close(RetryPolicy())
    assert [fields["state"] for _, fields in function.events] == [{}, {"a": 5, "b": 7}, {"a": 6, "b": 7}]
    records, final = function.events[-1]
    assert records == []
    assert final == {"window": Window(T0, T0 + 60).event_field(), "state": {"a": 6, "b": 7}, "shardId": SHARD,
                     "eventSourceARN": ARN, "isFinalInvokeForWindow": True, "isWindowTerminatedEarly": False}
    assert [fields["isFinalInvokeForWindow"] for _, fields in function.events] == [False, False, True]
    assert lane.checkpointed == ["100", "101", "102"], "the final invocation checkpoints the window"
    assert lane.windows.window is None and lane.windows.state == {}, "after the final invocation the state is dropped"


def test_a_batch_of_a_later_window_closes_the_open_one_first_and_starts_with_a_fresh_state() -> None:
    function = Function()
    lane = Lane(function)
    lane.process([record(0, T0 + 1, 5)])
    lane.process([record(1, T0 + 61, 2)])
    assert [(records, fields["window"]["start"], fields["state"], fields["isFinalInvokeForWindow"])
            for records, fields in function.events] == [
        (["100"], Window(T0, 0).event_field()["start"], {}, False),
        ([], Window(T0, 0).event_field()["start"], {"k": 5}, True),
        (["101"], Window(T0 + 60, 0).event_field()["start"], {}, False),
    ]
    assert lane.checkpointed == ["100"]


def test_due_once_the_shard_is_read_past_the_window_end_and_no_record_of_it_waits() -> None:
    windows = ShardWindows(60, SHARD, ARN, Function(), lambda s: None, lambda d: False)
    assert not windows.due([], T0 + 1000), "no window open"
    windows.window = Window(T0, T0 + 60)
    assert not windows.due([], T0 + 59.99)
    assert windows.due([], T0 + 60)
    assert not windows.due([record(0, T0 + 30)], T0 + 70), "a record of the window still waits for its batch"
    assert windows.due([record(0, T0 + 60)], T0 + 70)


def test_a_response_without_state_is_a_failed_invocation_and_the_retry_gets_the_same_state() -> None:
    assert require_state(InvokeResult("r", payload={"batchItemFailures": []})).error is not None
    assert require_state(InvokeResult("r", payload=None)).error is not None
    assert require_state(InvokeResult("r", payload={"state": {}})).error is None
    calls = 0

    def forget_state_once(records: list[StreamRecord], fields: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        return {"batchItemFailures": []} if calls == 2 else None

    function = Function(forget_state_once)
    lane = Lane(function)
    lane.process([record(0, T0 + 1, 5)])
    lane.process([record(1, T0 + 2, 3)])
    assert [fields["state"] for _, fields in function.events] == [{}, {"k": 5}, {"k": 5}]
    assert lane.windows.state == {"k": 8}
    assert lane.waits == 1


def test_bisect_isolates_a_poison_record_and_the_state_holds_only_the_records_that_succeeded() -> None:
    def poison(records: list[StreamRecord], fields: dict[str, Any]) -> Any:
        return {"errorType": "ValueError"} if any(json.loads(r.data)["value"] < 0 for r in records) else None

    function = Function(poison)
    lane = Lane(function)
    batch = [record(i, T0 + 1 + i, -100 if i == 2 else i + 1) for i in range(4)]
    lane.process(batch, RetryPolicy(max_retry_attempts=0, bisect_on_error=True))
    assert [records for records, _ in function.events] == [["100", "101", "102", "103"], ["100", "101"], ["102", "103"],
                                                            ["102"], ["103"]]
    assert [d.records[0].sequence_number for d in lane.discards] == ["102"]
    assert [fields["state"] for _, fields in function.events] == [{}, {}, {"k": 3}, {"k": 3}, {"k": 3}]
    assert lane.windows.close(RetryPolicy())
    assert function.finals()[0]["state"] == {"k": 7}
    assert lane.checkpointed == ["100", "101", "102", "103"], "the discarded record is checkpointed with its window"


def test_a_partial_batch_response_keeps_its_state_and_the_retry_starts_from_the_failed_record() -> None:
    tries = 0

    def fail_first_try_at_102(records: list[StreamRecord], fields: dict[str, Any]) -> Any:
        nonlocal tries
        tries += 1
        if tries == 1:
            return {"state": {"k": 3}, "batchItemFailures": [{"itemIdentifier": "102"}]}  # 100 and 101 summed
        return None

    function = Function(fail_first_try_at_102)
    lane = Lane(function)
    lane.process([record(i, T0 + 1 + i, i + 1) for i in range(4)], RetryPolicy(report_batch_item_failures=True))
    assert [(records, fields["state"]) for records, fields in function.events] == [
        (["100", "101", "102", "103"], {}), (["102", "103"], {"k": 3})]
    assert lane.windows.state == {"k": 10}


def test_a_whole_batch_failure_reported_in_the_response_does_not_move_the_state() -> None:
    tries = 0

    def bad_identifier_once(records: list[StreamRecord], fields: dict[str, Any]) -> Any:
        nonlocal tries
        tries += 1
        return {"state": {"k": 999}, "batchItemFailures": [{"itemIdentifier": ""}]} if tries == 1 else None

    function = Function(bad_identifier_once)
    lane = Lane(function)
    lane.process([record(0, T0 + 1, 4)], RetryPolicy(report_batch_item_failures=True))
    assert [fields["state"] for _, fields in function.events] == [{}, {}]
    assert lane.windows.state == {"k": 4}


def test_a_state_over_1_mb_terminates_the_window_early_and_the_window_goes_on_with_a_fresh_state() -> None:
    big = "x" * MAX_STATE_BYTES

    def grow_once(records: list[StreamRecord], fields: dict[str, Any]) -> Any:
        return {"state": {"blob": big}} if records and records[0].sequence_number == "101" else None

    function = Function(grow_once)
    lane = Lane(function)
    lane.process([record(0, T0 + 1, 2)])
    lane.process([record(1, T0 + 2, 1)])
    lane.process([record(2, T0 + 3, 5)])
    assert lane.windows.close(RetryPolicy())
    flags = [(records, fields["isFinalInvokeForWindow"], fields["isWindowTerminatedEarly"], "blob" in fields["state"])
             for records, fields in function.events]
    assert flags == [(["100"], False, False, False), (["101"], False, False, False), ([], True, True, True),
                     (["102"], False, False, False), ([], True, False, False)]
    windows = {json.dumps(fields["window"]) for _, fields in function.events}
    assert len(windows) == 1, "the early termination continues the same window"
    assert function.events[3][1]["state"] == {} and function.finals()[1]["state"] == {"k": 5}
    assert lane.checkpointed == ["100", "101", "102"]


def test_a_failing_final_invocation_is_retried_until_it_succeeds_and_only_then_checkpoints() -> None:
    finals = 0

    def fail_two_finals(records: list[StreamRecord], fields: dict[str, Any]) -> Any:
        nonlocal finals
        if fields["isFinalInvokeForWindow"]:
            finals += 1
            return {"errorType": "RuntimeError"} if finals <= 2 else None
        return None

    function = Function(fail_two_finals)
    lane = Lane(function)
    lane.process([record(0, T0 + 1)])
    assert lane.windows.close(RetryPolicy(max_retry_attempts=0))
    assert len(function.finals()) == 3 and lane.waits == 2, "retried past MaximumRetryAttempts: processing is suspended"
    assert lane.checkpointed == ["100"]

    stopping = Lane(Function(lambda records, fields: {"errorType": "RuntimeError"} if not records else None),
                    stop_after_waits=1)
    stopping.process([record(0, T0 + 1)])
    assert not stopping.windows.close(RetryPolicy())
    assert stopping.checkpointed == [] and stopping.windows.window is not None
