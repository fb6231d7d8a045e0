"""An AWS SDK retry of a request the emulator already carried out gets the first attempt's response.

The SDKs (botocore, and the Go SDK v2 inside Terraform's AWS provider) retry a request whose
response did not arrive in time, and send every attempt with the same `amz-sdk-invocation-id`
header and `amz-sdk-request: attempt=N; max=M`. On a loaded machine moto may answer after the
SDK gave up: the retry of a create then fails as a duplicate of itself (ResourceInUse, 409,
InvalidGroup.Duplicate), which AWS, answering in time, never shows. So an attempt after the
first waits for the earlier attempt still running, and replays its response if it succeeded;
a failed first attempt (a 5xx, a throttle) is carried out again, as the SDK intends.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

REMEMBERED_S = 300  # an SDK gives up retrying long before this
FIRST_ATTEMPT_WAIT_S = 120

WsgiApp = Callable[[Any, dict[str, Any], Any], Iterable[bytes]]


@dataclass
class _Attempt:
    done: threading.Event = field(default_factory=threading.Event)
    status: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    at: float = field(default_factory=time.monotonic)

    @property
    def succeeded(self) -> bool:
        return self.done.is_set() and self.status[:1] == "2"


def attempt_number(header: str) -> int:
    """The N of `attempt=N; max=M`; 1 when absent or unreadable."""
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "attempt" and value.isdigit():
            return int(value)
    return 1


class RetryReplay:
    """The invocations seen in the last REMEMBERED_S seconds, and the response of each one's last attempt."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempts: OrderedDict[str, _Attempt] = OrderedDict()

    def wrap(self, call: WsgiApp) -> WsgiApp:
        def replaying(app: Any, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
            if not invocation:
                return call(app, environ, start_response)
            earlier = self._begin(invocation, attempt_number(environ.get("HTTP_AMZ_SDK_REQUEST", "")))
            if earlier is not None:
                earlier.done.wait(FIRST_ATTEMPT_WAIT_S)
                if earlier.succeeded:
                    start_response(earlier.status, earlier.headers)
                    return [earlier.body]
                self._begin(invocation, 1)
            return self._record(invocation, call, app, environ, start_response)
        return replaying

    def _begin(self, invocation: str, attempt: int) -> _Attempt | None:
        """The earlier attempt of this invocation for a retry, else None (this attempt is recorded)."""
        now = time.monotonic()
        with self._lock:
            while self._attempts and now - next(iter(self._attempts.values())).at > REMEMBERED_S:
                self._attempts.popitem(last=False)
            earlier = self._attempts.get(invocation)
            if attempt > 1 and earlier is not None:
                return earlier
            self._attempts.pop(invocation, None)
            self._attempts[invocation] = _Attempt()  # kept oldest first, for the expiry above
            return None

    def _record(self, invocation: str, call: WsgiApp, app: Any, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self._lock:
            attempt = self._attempts[invocation]
        try:
            def remember(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
                attempt.status, attempt.headers = status, list(headers)
                return start_response(status, headers, *exc_info)
            attempt.body = b"".join(call(app, environ, remember))
            return [attempt.body]
        finally:
            attempt.done.set()
