"""The common layer: retry_with_backoff on a fake clock, JSON logger, env config.

The client factory needs the emulator: tests/integration/functions/test_fn_aws_clients.py."""

from __future__ import annotations

import io
import random

import orjson
import pytest
from pipeline_common.config import ConfigError, Env
from pipeline_common.jsonlog import JsonLogger
from pipeline_common.retry import RetryPolicy, retry_with_backoff


class FakeClock:
    """Sleeping advances time; the fake Lambda context's remaining time shrinks with it."""

    def __init__(self, budget_seconds: float = 900.0) -> None:
        self.now = 0.0
        self.budget = budget_seconds
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.budget - self.now) * 1000)


class Flaky:
    """Fails `failures` times with `error`, then returns "ok"."""

    def __init__(self, failures: int, error: type[Exception] = ConnectionError) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error(f"failure {self.calls}")
        return "ok"


def test_delays_double_up_to_the_cap_with_the_top_of_the_jitter_range():
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=7, base_delay=0.1, max_delay=1.0)
    result = retry_with_backoff(Flaky(6), policy, context=clock, sleep=clock.sleep, uniform=lambda low, high: high)
    assert result == "ok"
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0, 1.0])


def test_full_jitter_draws_from_zero_to_the_cap():
    bounds: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        bounds.append((low, high))
        return random.Random(len(bounds)).uniform(low, high)

    clock = FakeClock()
    retry_with_backoff(Flaky(4), RetryPolicy(max_attempts=5, base_delay=0.05, max_delay=0.3),
                       sleep=clock.sleep, uniform=uniform)
    assert bounds == [(0.0, 0.05), (0.0, 0.1), (0.0, 0.2), (0.0, 0.3)]
    assert all(0.0 <= slept <= high for slept, (_, high) in zip(clock.sleeps, bounds, strict=True))
    assert len(set(clock.sleeps)) == 4  # jittered, not a fixed schedule


def test_real_jitter_stays_within_bounds():
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=200, base_delay=0.01, max_delay=0.5)
    retry_with_backoff(Flaky(199), policy, sleep=clock.sleep)
    assert all(0.0 <= s <= policy.backoff_cap(n) for n, s in enumerate(clock.sleeps))
    assert max(clock.sleeps) > 0.25  # the cap is actually reached by some draws


def test_gives_up_after_max_attempts_with_the_last_error():
    clock = FakeClock()
    operation = Flaky(10)
    with pytest.raises(ConnectionError, match="failure 3"):
        retry_with_backoff(operation, RetryPolicy(max_attempts=3), sleep=clock.sleep)
    assert operation.calls == 3 and len(clock.sleeps) == 2


def test_non_retryable_errors_are_raised_at_once():
    clock = FakeClock()
    operation = Flaky(1, error=KeyError)
    with pytest.raises(KeyError):
        retry_with_backoff(operation, RetryPolicy(retryable=(ConnectionError,)), sleep=clock.sleep)
    assert operation.calls == 1 and clock.sleeps == []


def test_retryable_may_be_a_predicate():
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=5, retryable=lambda error: "failure 1" in str(error))
    with pytest.raises(ConnectionError, match="failure 2"):
        retry_with_backoff(Flaky(5), policy, sleep=clock.sleep)
    assert len(clock.sleeps) == 1


def test_never_sleeps_past_the_remaining_invocation_time():
    clock = FakeClock(budget_seconds=3.0)
    policy = RetryPolicy(max_attempts=50, base_delay=0.5, max_delay=4.0, reserve_seconds=1.0)
    operation = Flaky(100)
    with pytest.raises(ConnectionError):
        retry_with_backoff(operation, policy, context=clock, sleep=clock.sleep, uniform=lambda low, high: high)
    assert clock.sleeps == pytest.approx([0.5, 1.0])  # the next 2.0 s delay would end inside the 1 s reserve
    assert clock.now <= 3.0 - 1.0
    assert operation.calls == 3


def test_on_retry_sees_each_failure_before_sleeping():
    seen: list[tuple[int, str, float]] = []
    clock = FakeClock()
    retry_with_backoff(Flaky(2), RetryPolicy(base_delay=0.2), sleep=clock.sleep, uniform=lambda low, high: high,
                       on_retry=lambda attempt, error, delay: seen.append((attempt, str(error), delay)))
    assert seen == [(1, "failure 1", 0.2), (2, "failure 2", 0.4)]


def test_unbounded_attempts_retry_until_the_time_reserve():
    clock = FakeClock(budget_seconds=60.0)
    operation = Flaky(10_000)
    with pytest.raises(ConnectionError):
        retry_with_backoff(operation, RetryPolicy(max_attempts=None, base_delay=0.1, max_delay=2.0, reserve_seconds=10.0),
                           context=clock, sleep=clock.sleep, uniform=lambda low, high: high)
    assert 60.0 - 10.0 - 2.0 <= clock.now <= 60.0 - 10.0  # waited until the next 2 s delay would enter the reserve
    assert operation.calls > 20


def test_unbounded_attempts_need_the_invocation_context():
    with pytest.raises(ValueError, match="context"):
        retry_with_backoff(Flaky(1), RetryPolicy(max_attempts=None), sleep=FakeClock().sleep)


def test_policy_rejects_zero_attempts():
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_logger_writes_one_json_line_per_call_and_filters_levels():
    stream = io.StringIO()
    log = JsonLogger("svc", "WARNING", stream=stream)

    class Context:
        aws_request_id = "abc-123"

    log.bind_request(Context())
    log.info("dropped")
    log.warning("batch processed", records=10, poison={"oversize": 1})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    line = orjson.loads(lines[0])
    assert (line["level"], line["message"], line["records"], line["request_id"]) == ("WARNING", "batch processed", 10, "abc-123")
    assert line["poison"] == {"oversize": 1}
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        JsonLogger("svc", "LOUD")


def test_env_reads_typed_values_and_explains_bad_ones():
    env = Env({"PORT": "5433", "FLAG": "yes", "RATIO": "0.5", "MODE": "iam", "BAD": "abc", "EMPTY": "  "})
    assert (env.integer("PORT", 5432), env.flag("FLAG", False), env.number("RATIO", 1.0)) == (5433, True, 0.5)
    assert env.text("EMPTY", "default") == "default" and env.optional_text("EMPTY") is None
    assert env.choice("MODE", ("iam", "trust")) == "iam"
    with pytest.raises(ConfigError, match="BAD must be an integer, got 'abc'"):
        env.integer("BAD")
    with pytest.raises(ConfigError, match="MISSING is required"):
        env.text("MISSING")
    with pytest.raises(ConfigError, match="PORT must be <= 1024"):
        env.integer("PORT", maximum=1024)
    with pytest.raises(ConfigError, match="MODE must be one of trust"):
        env.choice("MODE", ("trust",))

