"""Wait for a condition, with a deadline, instead of sleeping for a guessed time.

A fixed sleep is either too short on a loaded machine (a flaky failure) or too long everywhere
(wasted minutes); polling the condition itself is neither.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.1) -> None:
    """Return as soon as `predicate()` is true; after `timeout` seconds raise TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
