"""Exponential backoff with full jitter that never outlives the Lambda invocation.

Full jitter (delay drawn uniformly from [0, min(max_delay, base * 2**n)]) spreads retries of many
concurrent shards so they do not hit a recovering database in lockstep. A retry that would sleep
past the invocation's remaining time is pointless (Lambda kills the process and retries the whole
batch), so the guard gives up early and lets the caller report a partial batch failure instead.
With `max_attempts=None` that guard is the only bound: the operation is retried for as long as the
invocation has time, which is how a sink outage (a database failover takes 30-120 s) is ridden out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

T = TypeVar("T")

Retryable = tuple[type[BaseException], ...] | Callable[[BaseException], bool]


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry; `retryable` is exception types or a predicate.

    `max_attempts=None` retries until the invocation's remaining time, less `reserve_seconds`, runs
    out; it needs the Lambda context.
    """

    max_attempts: int | None = 4
    base_delay: float = 0.05
    max_delay: float = 2.0
    retryable: Retryable = (Exception,)
    reserve_seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError(f"RetryPolicy.max_attempts must be >= 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("RetryPolicy delays must be >= 0")

    def is_retryable(self, error: BaseException) -> bool:
        if isinstance(self.retryable, tuple):
            return isinstance(error, self.retryable)
        return bool(self.retryable(error))

    def backoff_cap(self, retry_number: int) -> float:
        """Upper bound of the jittered delay before retry `retry_number` (0-based)."""
        return min(self.max_delay, self.base_delay * (2 ** min(retry_number, 64)))  # unbounded retries never overflow


def retry_with_backoff(
    operation: Callable[[], T],
    policy: RetryPolicy = RetryPolicy(),
    *,
    context: LambdaContext | None = None,
    sleep: Callable[[float], None] = time.sleep,
    uniform: Callable[[float, float], float] = random.uniform,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
) -> T:
    """Call `operation` until it succeeds, a non-retryable error occurs, or the budget runs out.

    The last error is re-raised unchanged so callers can classify it. `on_retry(attempt, error,
    delay)` runs before each sleep, e.g. to reset a broken connection.
    """
    retry_number = 0
    while True:
        try:
            return operation()
        except Exception as error:
            if not policy.is_retryable(error) or (policy.max_attempts is not None
                                                  and retry_number + 1 >= policy.max_attempts):
                raise
            if policy.max_attempts is None and context is None:
                raise ValueError("RetryPolicy(max_attempts=None) retries until the invocation's time is up: "
                                 "pass context=") from error
            delay = uniform(0.0, policy.backoff_cap(retry_number))
            if context is not None:
                remaining = context.get_remaining_time_in_millis() / 1000.0 - policy.reserve_seconds
                if delay >= remaining:
                    raise
            if on_retry is not None:
                on_retry(retry_number + 1, error, delay)
            sleep(delay)
            retry_number += 1
