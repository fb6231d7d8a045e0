"""The throughput rule's arithmetic, worked by hand; the rule on real plans is in tests/terraform/plan_check."""

from __future__ import annotations

from plan_check.rules.throughput import busy_at_peak, keep_up


def test_lanes_that_keep_up_pass() -> None:
    # 4 shards x factor 2 x 500 records/s = 4,000 records/s: enough for exactly 4,000.
    assert keep_up(4, 2, 500.0, 4000) is None


def test_a_shortfall_names_the_factor_that_would_do() -> None:
    # 4 x 2 x 500 = 4,000 < 4,001; 4,001 / (4 x 500) = 2.0005 -> factor 3.
    problem, fix = keep_up(4, 2, 500.0, 4001)  # type: ignore[misc]
    assert problem == "4 shard(s) x parallelization_factor 2 x 500 records/s per invocation = 4,000 records/s < peak 4,001"
    assert fix == "set parallelization_factor = 3"


def test_beyond_factor_10_the_fix_is_more_shards() -> None:
    # 1 shard x 500 records/s needs factor 50,000 / 500 = 100 > 10: 50,000 / (10 x 500) = 10 shards at factor 10.
    _, fix = keep_up(1, 1, 500.0, 50_000)  # type: ignore[misc]
    assert fix.startswith("use 10 shards at parallelization_factor = 10")


def test_busy_invocations_at_peak() -> None:
    # 5,000 / 400 = 12.5 -> 13 invocations busy.
    assert busy_at_peak(400.0, 5000) == 13
    assert busy_at_peak(500.0, 5000) == 10
