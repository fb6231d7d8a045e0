"""Admission under the account's concurrency limit and the functions' reserved concurrency."""

from __future__ import annotations

import pytest
from local_stack.runtime.concurrency import (
    ACCOUNT_LIMIT_EXCEEDED,
    RESERVED_LIMIT_EXCEEDED,
    ConcurrencyLedger,
    throttle_reason,
)


def test_a_reserved_function_runs_up_to_its_reservation_whatever_the_others_do() -> None:
    reserved = {"db": 2}
    assert throttle_reason("db", {"db": 1, "other": 997}, reserved, 1000) is None
    assert throttle_reason("db", {"db": 2}, reserved, 1000) == RESERVED_LIMIT_EXCEEDED
    assert throttle_reason("db", {}, {"db": 0}, 1000) == RESERVED_LIMIT_EXCEEDED, "reserved 0 stops the function"


def test_unreserved_functions_share_the_account_limit_less_every_reservation() -> None:
    reserved = {"db": 100, "idle": 300}  # the pool is 1,000 - 400 = 600, even while `idle` runs nothing
    assert throttle_reason("a", {"a": 300, "b": 299, "db": 100}, reserved, 1000) is None
    assert throttle_reason("a", {"a": 300, "b": 300}, reserved, 1000) == ACCOUNT_LIMIT_EXCEEDED
    assert throttle_reason("b", {"a": 600}, reserved, 1000) == ACCOUNT_LIMIT_EXCEEDED


def test_the_ledger_admits_releases_and_follows_reservation_changes() -> None:
    ledger = ConcurrencyLedger(account_limit=3)
    ledger.set_reserved("db", 1)
    assert ledger.acquire("db") is None
    assert ledger.acquire("db") == RESERVED_LIMIT_EXCEEDED
    assert ledger.running("db") == 1, "a throttled request holds no slot"
    ledger.release("db")
    assert ledger.acquire("db") is None
    assert [ledger.acquire("a"), ledger.acquire("b"), ledger.acquire("a")] == [None, None, ACCOUNT_LIMIT_EXCEEDED]
    ledger.replace_reserved({})  # DeleteFunctionConcurrency: db joins the pool, which grows to 3
    assert ledger.reserved("db") is None
    assert ledger.acquire("a") == ACCOUNT_LIMIT_EXCEEDED, "db's running invocation now counts in the pool"
    ledger.release("db")
    assert ledger.acquire("a") is None


def test_an_account_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="account concurrency limit 0"):
        ConcurrencyLedger(0)
