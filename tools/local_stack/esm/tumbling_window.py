"""Tumbling windows (TumblingWindowInSeconds) of a Kinesis mapping: state carried between invocations.

AWS's rules, as its Kinesis page states them (services-kinesis-windows):
- a record's window comes from its ApproximateArrivalTimestamp; windows are aligned to the clock
  (a 120 s window runs 07:04:00-07:06:00), so a window starts at a multiple of its length since
  the epoch;
- each invocation gets the window, the `state` the previous invocation of the window returned
  (`{}` at first), `shardId`, `eventSourceARN` and two flags; a response without `state` is a
  failed invocation;
- when the window ends, a final invocation (`isFinalInvokeForWindow`) with the accumulated
  state and no records; only after it succeeds is the window checkpointed, and it is retried
  until it does ("your Lambda function suspends further processing until a successful
  invocation");
- a state over 1 MB terminates the window early: a final invocation flagged
  `isWindowTerminatedEarly`, and the rest of the window goes on with a fresh state.

One `ShardWindows` serves one lane of one shard; it owns no thread and does no I/O, the poller
hands it the functions that invoke, checkpoint and wait.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from local_stack.esm.batch_retry import BatchOutcome, Discard, RetryPolicy, failed_index, process_batch
from local_stack.esm.kinesis_records import StreamRecord
from local_stack.runtime.worker import InvokeResult

MAX_WINDOW_S = 900
MAX_STATE_BYTES = 1024 * 1024  # "Your state can be a maximum of 1 MB per shard."
# A read that finds the shard's tip at time T vouches for the records that arrived before T minus this:
# a record is stamped on arrival a moment before it becomes readable.
TIP_GRACE_S = 0.5
MISSING_STATE = {"errorType": "TumblingWindowStateMissing",
                 "errorMessage": "the response has no `state`; with a tumbling window Lambda counts it as a failed invocation"}

Invoke = Callable[[list[StreamRecord], dict[str, Any]], InvokeResult]


def window_seconds(mapping: dict[str, Any]) -> int:
    """The mapping's window length, 0 when it has none; refuses what CreateEventSourceMapping refuses."""
    value = mapping.get("TumblingWindowInSeconds") or 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WINDOW_S:
        raise ValueError(f"event source mapping {mapping.get('UUID', '?')}: TumblingWindowInSeconds must be a whole "
                         f"number from 0 to {MAX_WINDOW_S}, not {value!r}; fix the mapping's tumbling window")
    return value


@dataclass(frozen=True)
class Window:
    start: int  # epoch seconds, a multiple of the window length
    end: int

    @classmethod
    def of(cls, arrival: float, seconds: int) -> Window:
        start = int(arrival // seconds) * seconds
        return cls(start, start + seconds)

    def event_field(self) -> dict[str, str]:
        """The event's `window`, written as AWS writes it: "2020-12-09T07:04:00Z"."""
        def iso(epoch: int) -> str:
            return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"start": iso(self.start), "end": iso(self.end)}


def same_window_prefix(pending: Sequence[StreamRecord], seconds: int) -> int:
    """How many leading records share the first one's window: a batch never spans two windows."""
    if not pending:
        return 0
    first = Window.of(pending[0].arrival, seconds)
    count = 0
    for record in pending:
        if Window.of(record.arrival, seconds) != first:
            break
        count += 1
    return count


def state_bytes(state: Any) -> int:
    return len(json.dumps(state, separators=(",", ":")).encode())


def require_state(result: InvokeResult) -> InvokeResult:
    """A response without `state` is a failed invocation ("If the response does not contain a state
    property, Lambda considers this a failed invocation")."""
    if result.error is None and not (isinstance(result.payload, dict) and "state" in result.payload):
        return replace(result, error=dict(MISSING_STATE), payload=dict(MISSING_STATE))
    return result


@dataclass
class ShardWindows:
    """The open window of one shard (one lane of it), its state, and the records a final invocation
    will checkpoint."""

    seconds: int
    shard_id: str
    source_arn: str
    invoke: Invoke  # invokes the function with the records and the event's window fields
    checkpoint: Callable[[list[str]], None]  # marks sequence numbers finished
    wait: Callable[[float], bool]  # waits before a retry; True when the poller is stopping
    window: Window | None = None
    state: Any = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)  # aggregated or given up, awaiting the final invocation
    finals: int = 0  # final invocations that succeeded

    def batch_limit(self, pending: Sequence[StreamRecord], batch_size: int) -> int:
        """Batch size for the next batch: never past the end of the first pending record's window."""
        return max(1, min(batch_size, same_window_prefix(pending, self.seconds)))

    def due(self, pending: Sequence[StreamRecord], horizon: float) -> bool:
        """The open window has ended: the shard has been read past its end (`horizon`: the latest
        arrival read, or the time of a read that found the shard's tip) and no record of it waits."""
        if self.window is None or horizon < self.window.end:
            return False
        return not pending or Window.of(pending[0].arrival, self.seconds) != self.window

    def fields(self, final: bool, terminated_early: bool = False) -> dict[str, Any]:
        assert self.window is not None
        return {"window": self.window.event_field(), "state": self.state, "shardId": self.shard_id,
                "eventSourceARN": self.source_arn, "isFinalInvokeForWindow": final,
                "isWindowTerminatedEarly": terminated_early}

    def close(self, policy: RetryPolicy, terminated_early: bool = False) -> bool:
        """The window's final invocation, retried until it succeeds; then checkpoint the window and
        drop its state. False when the poller stopped first (nothing is checkpointed)."""
        retries = 0
        while True:
            result = require_state(self.invoke([], self.fields(final=True, terminated_early=terminated_early)))
            if result.error is None:
                break
            retries += 1
            if self.wait(min(policy.backoff_max_s, policy.backoff_base_s * 2 ** (retries - 1))):
                return False
        self.checkpoint(self.unchecked)
        self.unchecked = []
        self.state = {}
        self.finals += 1
        if not terminated_early:
            self.window = None
        return True

    def process(self, batch: list[StreamRecord], policy: RetryPolicy, discard: Callable[[Discard], None],
                sleep: Callable[[float], bool]) -> BatchOutcome:
        """Aggregate one batch (all of one window) with the retry policy; close the window before it
        when it belongs to a later one."""
        window = Window.of(batch[0].arrival, self.seconds)
        if self.window is not None and self.window != window and not self.close(policy):
            return BatchOutcome(abandoned=True)
        self.window = window
        outcome = process_batch(batch, lambda records: self._aggregate(records, policy), discard, policy, sleep=sleep)
        if not outcome.abandoned:
            self.unchecked += [record.sequence_number for record in batch]
        return outcome

    def _aggregate(self, records: list[StreamRecord], policy: RetryPolicy) -> InvokeResult:
        """One aggregation invocation: the state moves on only with a response that is not a failure
        (a retry gets the state the failed attempt got)."""
        result = require_state(self.invoke(records, self.fields(final=False)))
        if result.error is not None:
            return result
        if policy.report_batch_item_failures and failed_index(records, result.payload) is None:
            return result  # the whole batch failed: its state is not taken
        self.state = result.payload["state"]
        if state_bytes(self.state) > MAX_STATE_BYTES:
            self.close(policy, terminated_early=True)
        return result
