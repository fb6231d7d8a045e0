"""RetryReplay over a WSGI callable: a retry waits for the attempt still running and replays its success."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from local_stack.emulators.sdk_retries import RetryReplay, attempt_number


class CountingApp:
    """Answers each request with its ordinal; `gate` holds the first request until a test opens it."""

    def __init__(self, status: str = "200 OK") -> None:
        self.calls = 0
        self.status = status
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        self.entered.set()
        self.gate.wait(10)
        start_response(self.status, [("Content-Type", "text/plain")])
        return [str(self.calls).encode()]


def _request(app: Any, invocation: str | None, attempt: int) -> tuple[str, bytes]:
    environ = {} if invocation is None else {"HTTP_AMZ_SDK_INVOCATION_ID": invocation,
                                             "HTTP_AMZ_SDK_REQUEST": f"attempt={attempt}; max=3"}
    seen: list[str] = []
    body = b"".join(app(environ, lambda status, headers, *exc: seen.append(status)))
    return seen[0], body


def _replaying(app: CountingApp) -> Any:
    wrapped = RetryReplay().wrap(lambda self, environ, start_response: app(environ, start_response))
    return lambda environ, start_response: wrapped(None, environ, start_response)


def test_attempt_number_reads_the_sdk_header() -> None:
    assert attempt_number("attempt=3; max=5") == 3
    assert attempt_number("ttl=20250101T000000Z; attempt=2; max=3") == 2
    assert attempt_number("") == 1
    assert attempt_number("attempt=x") == 1


def test_a_retry_replays_a_successful_first_attempt_without_running_it_again() -> None:
    app = CountingApp()
    served = _replaying(app)
    assert _request(served, "a", 1) == ("200 OK", b"1")
    assert _request(served, "a", 2) == ("200 OK", b"1")
    assert app.calls == 1
    assert _request(served, "b", 1) == ("200 OK", b"2"), "another invocation is another request"
    assert _request(served, None, 1) == ("200 OK", b"3"), "requests without the SDK's headers pass through"
    assert _request(served, "a", 1) == ("200 OK", b"4"), "a first attempt is never a replay"


def test_a_failed_first_attempt_is_carried_out_again() -> None:
    app = CountingApp(status="500 Internal Server Error")
    served = _replaying(app)
    assert _request(served, "a", 1)[0].startswith("500")
    app.status = "200 OK"
    assert _request(served, "a", 2) == ("200 OK", b"2")
    assert _request(served, "a", 3) == ("200 OK", b"2"), "the successful retry is what later attempts replay"


def test_a_retry_waits_for_the_attempt_still_running_and_replays_it() -> None:
    app = CountingApp()
    app.gate.clear()
    served = _replaying(app)
    answers: dict[str, tuple[str, bytes]] = {}
    first = threading.Thread(target=lambda: answers.update(first=_request(served, "a", 1)))
    first.start()
    assert app.entered.wait(10)
    retry = threading.Thread(target=lambda: answers.update(retry=_request(served, "a", 2)))
    retry.start()
    retry.join(0.2)
    assert retry.is_alive(), "the retry must wait for the first attempt, not run beside it"
    app.gate.set()
    first.join(10)
    retry.join(10)
    assert answers == {"first": ("200 OK", b"1"), "retry": ("200 OK", b"1")}
    assert app.calls == 1
