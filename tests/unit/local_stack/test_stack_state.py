"""When `make wait` and `make status` call the running stack drained, from the report `make up` writes."""

from __future__ import annotations

from typing import Any

import pytest
from local_stack.stack_state import STALE_AFTER_S, not_drained

NOW = 1_800_000_000.0
SINCE = NOW - 1.0


def shard(name: str = "clicks/shardId-000000000000", **changes: Any) -> dict[str, Any]:
    caught_up = {"shard": name, "records_read": 600, "checkpoint": "4959", "pending": 0, "millis_behind_latest": 0,
                 "in_flight": 0, "idle": True, "tip_seen_at": NOW - 0.2}
    return {**caught_up, **changes}


def report(*shards: dict[str, Any], written_at: float = NOW - 0.1, async_in_flight: bool = False) -> dict[str, Any]:
    return {"written_at": written_at, "shards": list(shards), "async_in_flight": async_in_flight, "errors": []}


def test_every_shard_read_to_its_tip_since_the_wait_with_nothing_in_flight_is_drained() -> None:
    assert not_drained(report(shard(), shard("clicks/shardId-000000000001")), SINCE, NOW) is None


@pytest.mark.parametrize(("status", "reason"), [
    (report(shard(idle=False, pending=120, in_flight=1, millis_behind_latest=3000)),
     "clicks/shardId-000000000000: 120 pending, 1 batch(es) in flight, 3,000 ms behind"),
    (report(shard(tip_seen_at=SINCE - 0.1)), "clicks/shardId-000000000000: not read to its tip since "),
    (report(shard(), async_in_flight=True), "asynchronous invocations (failure handler) running"),
    (report(shard(), written_at=SINCE - 0.1), "no report since "),
    (report(shard(), written_at=NOW - STALE_AFTER_S - 1), "the stack has not reported for 6 s"),
])
def test_anything_unfinished_is_named_in_one_line(status: dict[str, Any], reason: str) -> None:
    why = not_drained(status, SINCE, NOW)
    assert why is not None and why.startswith(reason) and "\n" not in why


def test_every_unfinished_shard_is_named() -> None:
    why = not_drained(report(shard(idle=False), shard("clicks/shardId-000000000001", idle=False)), SINCE, NOW)
    assert why is not None and "shardId-000000000000" in why and "shardId-000000000001" in why


def test_a_closed_shard_read_to_its_end_needs_no_tip_but_is_unfinished_while_its_records_are() -> None:
    retired = shard("clicks/shardId-000000000000", tip_seen_at=SINCE - 60, ended=True)
    assert not_drained(report(retired, shard("clicks/shardId-000000000001")), SINCE, NOW) is None
    why = not_drained(report({**retired, "idle": False, "pending": 3}), SINCE, NOW)
    assert why is not None and why.startswith("clicks/shardId-000000000000: 3 pending")
