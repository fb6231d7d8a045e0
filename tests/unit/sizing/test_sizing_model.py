"""The sizing arithmetic against numbers worked out by hand (in the comments), never by calling the model."""

from __future__ import annotations

import dataclasses
import math

import pytest
from sizing import prices
from sizing.errors import SizingError
from sizing.measurement import Measurement
from sizing.model import (
    Point,
    Target,
    batch_cap,
    busy_concurrency,
    concurrency_budget,
    kinesis_on_demand_monthly,
    kinesis_provisioned_monthly,
    lag_p99_seconds,
    lambda_cost_per_million,
    points,
    shards_needed,
    size,
)

LIMITS = prices.load()


def priced(**values: float) -> prices.PricesLimits:
    """The shipped file with some prices pinned, so a price update does not move these hand-computed numbers."""
    entries = dict(LIMITS.entries)
    for key, value in values.items():
        entries[key] = dataclasses.replace(entries[key], value=value)
    return dataclasses.replace(LIMITS, entries=entries)


PINNED = priced(
    lambda_x86_64_per_gb_second=0.0000166667, lambda_x86_64_per_million_requests=0.20,
    lambda_arm64_per_gb_second=0.0000133334, lambda_arm64_per_million_requests=0.20,
    kinesis_on_demand_per_stream_hour=0.04, kinesis_on_demand_per_gb_in=0.08, kinesis_on_demand_per_gb_out=0.04,
    kinesis_provisioned_per_shard_hour=0.015, kinesis_provisioned_per_million_put_payload_units=0.014,
)


def target(**changes: object) -> Target:
    base = Target(average_records_per_second=1000, peak_records_per_second=2000, record_bytes=1000, lag_target_seconds=1.0)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def point(memory: int = 512, batch: int = 100, duration_ms: float = 250.0, records: float = 100, used: float = 100) -> Point:
    return Point(memory, batch, duration_ms, records, used, 1)


# --- shards -------------------------------------------------------------------------------------

def test_shards_from_megabytes_per_second() -> None:
    # 500 records/s x 5,000 B = 2,500,000 B/s.
    # writes: 2,500,000 / 1,048,576 = 2.38 -> 3 shards; records: 500 / 1,000 -> 1; reads: 2,500,000 / 2,097,152 = 1.19 -> 2.
    need = shards_needed(500, 5000, LIMITS)
    assert (need.write_bytes, need.write_records, need.read_bytes, need.shards) == (3, 1, 2, 3)


def test_shards_from_records_per_second() -> None:
    # 5,000 records/s x 100 B = 500,000 B/s: 1 shard by bytes (0.48), 5 by records (5,000 / 1,000).
    need = shards_needed(5000, 100, LIMITS)
    assert (need.write_bytes, need.write_records, need.read_bytes, need.shards) == (1, 5, 1, 5)


def test_shards_from_reads_shared_by_consumers_and_not_with_enhanced_fan_out() -> None:
    # 900 records/s x 1,000 B = 900,000 B/s: writes 0.86 -> 1 shard. Three polling consumers read
    # 2,700,000 B/s of a shared 2,097,152 B/s -> 1.29 -> 2 shards. With enhanced fan-out each reads its
    # own 2 MB/s: 900,000 / 2,097,152 = 0.43 -> 1.
    assert shards_needed(900, 1000, LIMITS, consumers=3).shards == 2
    assert shards_needed(900, 1000, LIMITS, consumers=3, enhanced_fan_out=True).shards == 1


# --- batch cap ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("record_bytes", "cap"), [
    # in the payload a record is 4 x ceil(bytes / 3) of base64 + 512 B of envelope; 6 MB = 6,291,456 B.
    (1000, 3404),  # 4 x 334 + 512 = 1,848 B; 6,291,456 // 1,848 = 3,404 (x 1,848 = 6,290,592; one more is 6,292,440)
    (100, 9709),  # 4 x 34 + 512 = 648 B; 6,291,456 // 648 = 9,709 (x 648 = 6,291,432)
    (10, 10000),  # 4 x 4 + 512 = 528 B; 11,915 would fit, the mapping's maximum is 10,000
    (1_048_576, 4),  # 4 x 349,526 + 512 = 1,398,616 B; 4 fit (5,594,464), 5 do not (6,993,080)
])
def test_batch_cap_from_the_6_mb_payload(record_bytes: int, cap: int) -> None:
    assert batch_cap(record_bytes, LIMITS) == cap


# --- throughput, concurrency ----------------------------------------------------------------------

def test_records_per_second_per_invocation_and_repeats_averaged() -> None:
    # Two runs at 512 MB / batch 100: 240 ms and 260 ms -> 250 ms; 100 records -> 100 / 0.25 s = 400 records/s.
    runs = [Measurement(512, 100, 240.0, 100, 90.0), Measurement(512, 100, 260.0, 100, 110.0),
            Measurement(1024, 100, 100.0, 100, 95.0)]
    (p512, p1024) = points(runs)
    assert (p512.duration_ms, p512.max_memory_used_mb, p512.runs) == (250.0, 110.0, 2)
    assert p512.records_per_second == pytest.approx(400)
    assert p1024.records_per_second == pytest.approx(1000)  # 100 / 0.1 s


def test_a_measured_cycle_sets_throughput_and_lag_while_duration_sets_cost() -> None:
    # Duration 250 ms, but each batch holds its lane 320 ms (the runtime's handoff, the CPU quota's waits):
    # 100 records / 0.32 s = 312.5 records/s, where Duration alone would say 400.
    runs = [Measurement(512, 100, 240.0, 100, 90.0, cycle_ms=300.0), Measurement(512, 100, 260.0, 100, 90.0, cycle_ms=340.0)]
    [measured] = points(runs)
    assert (measured.duration_ms, measured.lane_ms) == (250.0, 320.0)
    assert measured.records_per_second == pytest.approx(312.5)
    assert lambda_cost_per_million(measured, "x86_64", PINNED) == lambda_cost_per_million(point(), "x86_64", PINNED)
    # The 2,000 records/s peak on 2 shards x 5: capacity 3,125, rho 0.64; gather min(1 s, 100 / 1,000) = 0.1 s;
    # lag 0.1 + 0.32 + 0.32 x 0.64 / 0.36 = 0.988888... s (with Duration alone it was 0.6 s).
    assert lag_p99_seconds(measured, 2, 5, target()) == pytest.approx(0.1 + 0.32 + 0.32 * 0.64 / 0.36)
    # A point with a run that lacks the cycle falls back to Duration for all of them.
    [mixed] = points([*runs, Measurement(512, 100, 250.0, 100, 90.0)])
    assert (mixed.cycle_ms, mixed.records_per_second) == (None, pytest.approx(400))


def test_concurrency_budget_and_busy_invocations() -> None:
    # No reserved concurrency: 1,000 in the account less the 100 AWS keeps unreserved = 900.
    assert concurrency_budget(target(), LIMITS) == 900
    assert concurrency_budget(target(account_concurrency=3000), LIMITS) == 2900
    # Reserved concurrency is the function's ceiling.
    assert concurrency_budget(target(reserved_concurrency=50), LIMITS) == 50
    # 2,000 records/s at 400 records/s per invocation: 5 busy at once; 2,001 needs a sixth.
    assert busy_concurrency(point(), 2000) == 5
    assert busy_concurrency(point(), 2001) == 6


# --- cost -----------------------------------------------------------------------------------------

def test_lambda_cost_per_million_records_both_architectures() -> None:
    # 512 MB for 250 ms = 0.5 GB x 0.25 s = 0.125 GB-s per invocation; 100 records each -> 10,000 invocations a million.
    # x86_64: 0.125 x 0.0000166667 = 0.0000020833375, + 0.20 / 1e6 = 0.0000022833375; x 10,000 = $0.022833375.
    # arm64:  0.125 x 0.0000133334 = 0.000001666675,  + 0.0000002   = 0.000001866675;  x 10,000 = $0.01866675.
    assert lambda_cost_per_million(point(), "x86_64", PINNED) == pytest.approx(0.022833375, rel=1e-12)
    assert lambda_cost_per_million(point(), "arm64", PINNED) == pytest.approx(0.01866675, rel=1e-12)


def test_lambda_bills_duration_rounded_up_to_the_millisecond() -> None:
    # 250.2 ms bills as 251 ms: 0.5 x 0.251 = 0.1255 GB-s x 0.0000166667 = 0.00000209167085, + 0.0000002; x 10,000.
    assert lambda_cost_per_million(point(duration_ms=250.2), "x86_64", PINNED) == pytest.approx(0.0229167085, rel=1e-12)


def test_kinesis_monthly_cost_provisioned() -> None:
    # 2 shards x 730 h x $0.015 = $21.90. 1,000-byte records are one 25 KB PUT payload unit each:
    # 1,000 records/s x 2,628,000 s a month = 2,628 million units x $0.014 = $36.792. Total $58.692.
    assert kinesis_provisioned_monthly(2, target(), PINNED) == pytest.approx(58.692, rel=1e-12)
    # 30,000-byte records take two units each: 21.90 + 2 x 36.792 = $95.484.
    assert kinesis_provisioned_monthly(2, target(record_bytes=30_000), PINNED) == pytest.approx(95.484, rel=1e-12)


def test_kinesis_monthly_cost_on_demand() -> None:
    # Stream: 730 h x $0.04 = $29.20.
    # In: 1,000-byte records bill as 1,024 B: 1,000 x 1,024 x 2,628,000 / 2^30 = 2,506.2561 GB x $0.08 = $200.5005.
    # Out (one consumer): 1,000 x 1,000 x 2,628,000 / 2^30 = 2,447.5157 GB x $0.04 = $97.9006. Total $327.6011.
    assert kinesis_on_demand_monthly(target(), PINNED) == pytest.approx(327.6011, abs=1e-4)


# --- lag, configurations, recommendation ---------------------------------------------------------------

def test_lag_is_gather_plus_duration_plus_queue() -> None:
    # 2 shards x factor 5 x 400 records/s = 4,000 records/s of capacity for a 2,000 peak: rho = 0.5.
    # gather: each shard gets 1,000 records/s, a 100-record batch fills in 0.1 s (< the 1 s window);
    # duration 0.25 s; queue 0.25 x 0.5 / 0.5 = 0.25 s. Lag 0.6 s.
    assert lag_p99_seconds(point(), 2, 5, target()) == pytest.approx(0.6)
    # With a 0.05 s window the batch goes after 0.05 s: 0.05 + 0.25 + 0.25 = 0.55 s.
    assert lag_p99_seconds(point(), 2, 5, target(batching_window_seconds=0.05)) == pytest.approx(0.55)
    # Factor 2: 2 x 2 x 400 = 1,600 < 2,000: it never catches up.
    assert math.isinf(lag_p99_seconds(point(), 2, 2, target()))


def test_configuration_adds_shards_until_the_lag_target_is_met() -> None:
    # The stream needs 2 shards (2,000 x 1,000 B = 1.91 MB/s). At factor 3: 2 x 3 x 400 = 2,400, rho 0.833,
    # lag 0.1 + 0.25 + 0.25 x 0.833 / 0.167 = 1.6 s > 1 s. At 3 shards: 3,600, rho 0.556, gather
    # 100 / 666.7 = 0.15, lag 0.15 + 0.25 + 0.3125 = 0.7125 s: 3 shards, 9 concurrent invocations.
    sizing = size([Measurement(512, 100, 250.0, 100, 100.0)], target(), PINNED)
    assert sizing.stream.shards == 2
    at3 = next(c for c in sizing.configurations if c.parallelization_factor == 3)
    assert (at3.shards, at3.concurrency, at3.meets_target) == (3, 9, True)
    assert at3.lag_p99_seconds == pytest.approx(0.7125)


def test_recommendation_cheapest_and_fastest() -> None:
    # 512 MB: 100 records in 250 ms, $0.0228 a million (above). 1,024 MB: 100 in 150 ms =
    # 1 GB x 0.15 s x 0.0000166667 + 0.0000002 = 0.0000027 a batch, $0.0270 a million: faster, dearer.
    runs = [Measurement(512, 100, 250.0, 100, 100.0), Measurement(1024, 100, 150.0, 100, 100.0)]
    sizing = size(runs, target(), PINNED)
    assert sizing.cheapest is not None and sizing.fastest is not None
    assert sizing.cheapest.point.memory_mb == 512
    assert sizing.fastest.point.memory_mb == 1024
    assert sizing.fastest.lag_p99_seconds < sizing.cheapest.lag_p99_seconds


def test_concurrency_budget_rules_configurations_out() -> None:
    # Reserved concurrency 4: the peak needs 2,000 / 400 = 5 busy invocations, so nothing fits.
    sizing = size([Measurement(512, 100, 250.0, 100, 100.0)], target(reserved_concurrency=4), PINNED)
    assert sizing.cheapest is None
    assert all("concurrency" in c.problem or "keep up" in c.problem for c in sizing.configurations)


def test_unusable_measurements_are_excluded_with_the_reason() -> None:
    runs = [Measurement(512, 100, 250.0, 100, 600.0),  # used more memory than it had
            Measurement(1024, 5000, 900.0, 5000, 300.0),  # 5,000 records of 1,000 B > the 3,404 cap
            Measurement(1024, 100, 100.0, 100, 300.0)]
    sizing = size(runs, target(), PINNED)
    reasons = {(p.memory_mb, p.batch_size): why for p, why in sizing.excluded}
    assert "out of memory" in reasons[(512, 100)]
    assert "6 MB" in reasons[(1024, 5000)]
    assert {c.point.memory_mb for c in sizing.configurations} == {1024}


@pytest.mark.parametrize(("changes", "flag"), [
    ({"peak_records_per_second": 10}, "--peak-records-per-second"),
    ({"record_bytes": 2_000_000}, "--record-bytes"),
    ({"architecture": "sparc"}, "--architecture"),
    ({"reserved_concurrency": 950}, "--reserved-concurrency"),
    ({"batching_window_seconds": 301}, "--batching-window-seconds"),
])
def test_impossible_targets_name_the_flag(changes: dict[str, object], flag: str) -> None:
    with pytest.raises(SizingError, match=flag):
        size([Measurement(512, 100, 250.0, 100, 100.0)], target(**changes), LIMITS)
