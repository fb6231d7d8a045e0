"""Lambda's concurrency: the account's limit, each function's reserved concurrency, and throttling.

From "Understanding Lambda function scaling" and "Configuring reserved concurrency"
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html,
https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html): an account has 1,000
concurrent executions per Region by default; a function with reserved concurrency can run at most
that many instances at once and no other function can use them; every other function shares what
is left (the unreserved pool). An invocation beyond the concurrency available to its function is
throttled: it is not run, and the caller gets TooManyRequestsException.

Concurrency counts per function (all its versions and aliases together), and an invocation holds
its slot from admission to its end; the runner's local `max_workers_per_function` bound is separate
(an admitted invocation waits for a free worker, it is never throttled by it).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping

DEFAULT_ACCOUNT_LIMIT = 1000
RESERVED_LIMIT_EXCEEDED = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT_EXCEEDED = "ConcurrentInvocationLimitExceeded"


def throttle_reason(function: str, running: Mapping[str, int], reserved: Mapping[str, int], account_limit: int) -> str | None:
    """Why one more invocation of `function` is throttled now, or None when it may run.

    `running`: invocations in flight per function; `reserved`: reserved concurrency of the functions that have one.
    """
    if function in reserved:
        return RESERVED_LIMIT_EXCEEDED if running.get(function, 0) >= reserved[function] else None
    pool = account_limit - sum(reserved.values())
    in_pool = sum(count for name, count in running.items() if name not in reserved)
    return ACCOUNT_LIMIT_EXCEEDED if in_pool >= pool else None


class ConcurrencyLedger:
    """Thread-safe admission of invocations under the account limit and the functions' reservations."""

    def __init__(self, account_limit: int = DEFAULT_ACCOUNT_LIMIT) -> None:
        if account_limit < 1:
            raise ValueError(f"account concurrency limit {account_limit}: must be at least 1")
        self.account_limit = account_limit
        self._reserved: dict[str, int] = {}
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    def set_reserved(self, function: str, reserved: int | None) -> None:
        """The function's ReservedConcurrentExecutions, None when it has none."""
        with self._lock:
            if reserved is None:
                self._reserved.pop(function, None)
            else:
                self._reserved[function] = reserved

    def replace_reserved(self, reserved: Mapping[str, int]) -> None:
        """Every function's reservation at once (functions absent have none)."""
        with self._lock:
            self._reserved = dict(reserved)

    def reserved(self, function: str) -> int | None:
        with self._lock:
            return self._reserved.get(function)

    def acquire(self, function: str) -> str | None:
        """Take a slot for one invocation; the throttle reason instead when none is available."""
        with self._lock:
            reason = throttle_reason(function, self._running, self._reserved, self.account_limit)
            if reason is None:
                self._running[function] += 1
            return reason

    def release(self, function: str) -> None:
        with self._lock:
            self._running[function] -= 1
            if self._running[function] <= 0:
                del self._running[function]

    def running(self, function: str) -> int:
        with self._lock:
            return self._running.get(function, 0)
