"""The sizing arithmetic: shards, batch cap, throughput, lag, concurrency, cost, and the recommendation.

Pure functions of the measurements, the user's target and the prices file: no I/O, so every number
in a report can be recomputed by hand (tests/unit/sizing does exactly that).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sizing.errors import SizingError
from sizing.measurement import Measurement
from sizing.prices import ARCHITECTURES, PricesLimits

HOURS_PER_MONTH = 730  # the AWS Pricing Calculator's month
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
GB = 1024**3  # Kinesis's per-GB prices and Lambda's GB-seconds both count 1,024-based units
MB = 1024  # Lambda's memory_mb per GB of GB-seconds
KINESIS_RECORD_MAX_BYTES = 1_048_576
# The JSON around each record's base64 data in a Kinesis event (eventID, sequence number, ARNs, ...),
# ~430 bytes in AWS's sample event; rounded up so the batch cap errs on the side that fits.
EVENT_ENVELOPE_BYTES = 512


@dataclass(frozen=True)
class Target:
    """What the pipeline must sustain, and the account it runs in."""

    average_records_per_second: float
    peak_records_per_second: float
    record_bytes: int  # average size of a record's data as the producer writes it
    lag_target_seconds: float  # p99 of how long a record waits from write until its batch is processed
    architecture: str = "x86_64"
    account_concurrency: int = 1000
    reserved_concurrency: int | None = None  # the function's reserved concurrency, when it has one
    batching_window_seconds: float = 1.0  # the reference root's default batching_window_seconds
    consumers: int = 1  # polling consumers sharing each shard's 2 MB/s (this pipeline included)
    enhanced_fan_out: bool = False

    def check(self, limits: PricesLimits) -> None:
        """SizingError naming the first impossible input and its fix."""
        unreserved = limits.whole("lambda_unreserved_concurrency_minimum")
        window_max = limits["lambda_batching_window_max_seconds"]
        problems = [
            (self.average_records_per_second > 0, "--average-records-per-second must be above 0"),
            (self.peak_records_per_second >= self.average_records_per_second,
             "--peak-records-per-second must be at least the average"),
            (0 < self.record_bytes <= KINESIS_RECORD_MAX_BYTES,
             f"--record-bytes must be 1 to {KINESIS_RECORD_MAX_BYTES:,} (a Kinesis record's data is at most 1 MB)"),
            (self.lag_target_seconds > 0, "--lag-seconds must be above 0"),
            (self.architecture in ARCHITECTURES, f"--architecture must be one of {', '.join(ARCHITECTURES)}"),
            (self.account_concurrency > unreserved,
             f"--account-concurrency must be above the {unreserved} AWS keeps unreserved"),
            (self.reserved_concurrency is None or 0 < self.reserved_concurrency <= self.account_concurrency - unreserved,
             f"--reserved-concurrency must be 1 to --account-concurrency - {unreserved}"),
            (0 <= self.batching_window_seconds <= window_max, f"--batching-window-seconds must be 0 to {window_max:g}"),
            (self.consumers >= 1, "--consumers must be at least 1 (this pipeline)"),
        ]
        for ok, message in problems:
            if not ok:
                raise SizingError(message)


@dataclass(frozen=True)
class ShardNeed:
    """Shards the stream needs for a rate, by each limit; the stream needs the largest."""

    write_bytes: int
    write_records: int
    read_bytes: int

    @property
    def shards(self) -> int:
        return max(1, self.write_bytes, self.write_records, self.read_bytes)


def shards_needed(records_per_second: float, record_bytes: int, limits: PricesLimits,
                  consumers: int = 1, enhanced_fan_out: bool = False) -> ShardNeed:
    """Shards for `records_per_second` of `record_bytes` records: writes (1 MB/s and 1,000 records/s a
    shard) and reads (2 MB/s a shard shared by every polling consumer, or 2 MB/s for each enhanced
    fan-out consumer, so then one consumer's share is the whole 2 MB/s)."""
    bytes_per_second = records_per_second * record_bytes
    readers = 1 if enhanced_fan_out else consumers
    read_limit = limits["kinesis_efo_read_bytes_per_second_per_consumer" if enhanced_fan_out else "kinesis_shard_read_bytes_per_second"]
    return ShardNeed(
        write_bytes=math.ceil(bytes_per_second / limits["kinesis_shard_write_bytes_per_second"]),
        write_records=math.ceil(records_per_second / limits["kinesis_shard_write_records_per_second"]),
        read_bytes=math.ceil(bytes_per_second * readers / read_limit),
    )


def invocation_bytes_per_record(record_bytes: int) -> int:
    """What one record takes in the invocation payload: its data base64-encoded (4 bytes per 3) plus the event's envelope."""
    return 4 * math.ceil(record_bytes / 3) + EVENT_ENVELOPE_BYTES


def batch_cap(record_bytes: int, limits: PricesLimits) -> int:
    """The most records one invocation can carry: the 6 MB payload, and the mapping's 10,000 maximum."""
    fits = limits.whole("lambda_invocation_payload_bytes") // invocation_bytes_per_record(record_bytes)
    return max(1, min(limits.whole("lambda_kinesis_batch_size_max"), fits))


@dataclass(frozen=True)
class Point:
    """The measurements at one (memory size, batch size), averaged; memory use is the largest seen."""

    memory_mb: int
    batch_size: int
    duration_ms: float
    records: float
    max_memory_used_mb: float
    runs: int
    init_duration_ms: float | None = None  # the longest cold start measured at this point (not in duration_ms)
    cycle_ms: float | None = None  # how long a batch holds its lane (Measurement.cycle_ms), when measured

    @property
    def lane_ms(self) -> float:
        """How long one batch keeps its lane from the next: the measured cycle, else the Duration alone."""
        return self.duration_ms if self.cycle_ms is None else self.cycle_ms

    @property
    def records_per_second(self) -> float:
        """Records one concurrent invocation processes per second, back to back: batches follow each other
        a cycle apart, not a Duration apart (the runtime's handoff and the CPU quota's waits are between)."""
        return self.records / (self.lane_ms / 1000)


def points(measurements: Iterable[Measurement]) -> list[Point]:
    grouped: dict[tuple[int, int], list[Measurement]] = defaultdict(list)
    for m in measurements:
        grouped[(m.memory_mb, m.batch_size)].append(m)
    return [
        Point(memory, batch, sum(m.duration_ms for m in ms) / len(ms), sum(m.records for m in ms) / len(ms),
              max(m.max_memory_used_mb for m in ms), len(ms),
              max((m.init_duration_ms for m in ms if m.init_duration_ms is not None), default=None),
              None if any(m.cycle_ms is None for m in ms) else sum(m.cycle_ms or 0.0 for m in ms) / len(ms))
        for (memory, batch), ms in sorted(grouped.items())
    ]


def lambda_cost_per_million(point: Point, architecture: str, limits: PricesLimits) -> float:
    """USD per million records: each invocation bills memory x duration (rounded up to the billing
    granularity) at the GB-second price, plus one request."""
    step = limits["lambda_billing_granularity_ms"]
    billed_seconds = math.ceil(point.duration_ms / step) * step / 1000
    per_invocation = (point.memory_mb / MB) * billed_seconds * limits.per_gb_second(architecture) \
        + limits.per_million_requests(architecture) / 1e6
    return per_invocation * 1e6 / point.records


def kinesis_on_demand_monthly(target: Target, limits: PricesLimits) -> float:
    """USD a month: the stream-hour, data in (each record rounded up to 1 KB), data out (read by each polling consumer)."""
    rounding = limits["kinesis_on_demand_record_rounding_bytes"]
    written = target.average_records_per_second * math.ceil(target.record_bytes / rounding) * rounding
    read = target.average_records_per_second * target.record_bytes * target.consumers
    return (HOURS_PER_MONTH * limits["kinesis_on_demand_per_stream_hour"]
            + written * SECONDS_PER_MONTH / GB * limits["kinesis_on_demand_per_gb_in"]
            + read * SECONDS_PER_MONTH / GB * limits["kinesis_on_demand_per_gb_out"])


def kinesis_provisioned_monthly(shards: int, target: Target, limits: PricesLimits) -> float:
    """USD a month: shard-hours, plus PUT payload units (each record counts one per started 25 KB)."""
    units = math.ceil(target.record_bytes / limits["kinesis_put_payload_unit_bytes"])
    return (shards * HOURS_PER_MONTH * limits["kinesis_provisioned_per_shard_hour"]
            + target.average_records_per_second * units * SECONDS_PER_MONTH / 1e6
            * limits["kinesis_provisioned_per_million_put_payload_units"])


def lambda_monthly(point: Point, target: Target, limits: PricesLimits) -> float:
    return target.average_records_per_second * SECONDS_PER_MONTH / 1e6 * lambda_cost_per_million(point, target.architecture, limits)


def concurrency_budget(target: Target, limits: PricesLimits) -> int:
    """What the function may run at once: its reserved concurrency, else the account's less the 100 AWS keeps unreserved."""
    if target.reserved_concurrency is not None:
        return target.reserved_concurrency
    return target.account_concurrency - limits.whole("lambda_unreserved_concurrency_minimum")


def lag_p99_seconds(point: Point, shards: int, factor: int, target: Target) -> float:
    """Approximate p99 of a record's lag at the peak rate, in seconds; infinite when processing cannot keep up.

    lag = gather + queue + duration, where
      gather   = min(batching window, time for one shard's share of the peak to fill a batch of the
                 measured size): the mapping invokes when the batch is full or the window ends;
      duration = the measured time one batch holds its lane (Point.lane_ms);
      queue    = duration x rho / (1 - rho), rho = peak / (shards x factor x records/s per invocation):
                 the wait for a free lane of the shard, twice the M/D/1 mean wait, standing in for
                 the tail. It grows without bound as rho nears 1, which is the point: a configuration
                 at 95 % of its capacity has no room for a burst.
    Assumed: records spread evenly over shards (no hot partition key); batches as full as measured;
    a duration that does not vary with load. Issue 15's validation run compares this with the
    iterator age the local stack measures.
    """
    per_shard = target.peak_records_per_second / shards
    capacity = shards * factor * point.records_per_second
    rho = target.peak_records_per_second / capacity
    if rho >= 1:
        return math.inf
    duration = point.lane_ms / 1000
    gather = min(target.batching_window_seconds, point.records / per_shard)
    return gather + duration + duration * rho / (1 - rho)


@dataclass(frozen=True)
class Configuration:
    """One way to run the pipeline, and what it takes and costs at the target."""

    point: Point
    parallelization_factor: int
    shards: int
    lag_p99_seconds: float
    lambda_monthly: float
    kinesis_on_demand_monthly: float
    kinesis_provisioned_monthly: float
    problem: str  # "" when it meets the target

    @property
    def concurrency(self) -> int:
        """The most invocations the mapping can run at once: one per lane."""
        return self.shards * self.parallelization_factor

    @property
    def meets_target(self) -> bool:
        return not self.problem

    @property
    def kinesis_mode(self) -> str:
        return "ON_DEMAND" if self.kinesis_on_demand_monthly <= self.kinesis_provisioned_monthly else "PROVISIONED"

    @property
    def monthly_total(self) -> float:
        """Lambda plus the cheaper stream mode."""
        return self.lambda_monthly + min(self.kinesis_on_demand_monthly, self.kinesis_provisioned_monthly)


def busy_concurrency(point: Point, records_per_second: float) -> int:
    """Invocations running at once, on average, to process `records_per_second`."""
    return math.ceil(records_per_second / point.records_per_second)


def _configuration(point: Point, factor: int, need: int, budget: int, target: Target, limits: PricesLimits) -> Configuration:
    """The fewest shards (at least what the stream needs) with which this point and factor meet the lag target.

    Adding shards stops helping once the lanes are at most 10 % busy (the queue is then under a
    tenth of a batch's duration, while each added shard makes batches slower to fill).
    """
    idle_enough = max(need, math.ceil(10 * target.peak_records_per_second / (factor * point.records_per_second)))
    shards = need
    while True:
        lag = lag_p99_seconds(point, shards, factor, target)
        if lag <= target.lag_target_seconds or (shards + 1) * factor > budget or shards >= idle_enough:
            break
        shards += 1
    if shards * factor > budget:
        problem = f"needs concurrency {shards * factor:,} > {budget:,} available"
    elif lag > target.lag_target_seconds:
        problem = ("cannot keep up with the peak" if math.isinf(lag)
                   else f"p99 lag {lag:.1f} s > {target.lag_target_seconds:g} s within the concurrency budget")
    else:
        problem = ""
    return Configuration(point, factor, shards, lag, lambda_monthly(point, target, limits),
                         kinesis_on_demand_monthly(target, limits), kinesis_provisioned_monthly(shards, target, limits), problem)


@dataclass(frozen=True)
class Sizing:
    target: Target
    points: list[Point]
    stream: ShardNeed
    batch_cap: int
    concurrency_budget: int
    configurations: list[Configuration]
    excluded: list[tuple[Point, str]] = field(default_factory=list)  # measured points that cannot be used, and why
    warnings: list[str] = field(default_factory=list)

    @property
    def cheapest(self) -> Configuration | None:
        """Least monthly cost; of equal cost, the fewest concurrent invocations (fewer database connections)."""
        meeting = [c for c in self.configurations if c.meets_target]
        return min(meeting, key=lambda c: (c.monthly_total, c.concurrency, c.lag_p99_seconds)) if meeting else None

    @property
    def fastest(self) -> Configuration | None:
        meeting = [c for c in self.configurations if c.meets_target]
        return min(meeting, key=lambda c: (c.lag_p99_seconds, c.monthly_total)) if meeting else None


def size(measurements: Iterable[Measurement], target: Target, limits: PricesLimits) -> Sizing:
    """Every usable (memory, batch, parallelization) configuration at the shards it needs, and why the others are out."""
    target.check(limits)
    measured = points(measurements)
    if not measured:
        raise SizingError("no measurements: measure at least one memory size and batch size")
    stream = shards_needed(target.peak_records_per_second, target.record_bytes, limits,
                           target.consumers, target.enhanced_fan_out)
    cap = batch_cap(target.record_bytes, limits)
    budget = concurrency_budget(target, limits)
    low, high = limits.whole("lambda_memory_min_mb"), limits.whole("lambda_memory_max_mb")
    excluded: list[tuple[Point, str]] = []
    usable: list[Point] = []
    for point in measured:
        if not low <= point.memory_mb <= high:
            excluded.append((point, f"memory {point.memory_mb} MB is outside Lambda's {low}-{high} MB"))
        elif point.max_memory_used_mb > point.memory_mb:
            excluded.append((point, f"used {point.max_memory_used_mb:g} MB of {point.memory_mb} MB: out of memory"))
        elif point.records > cap:
            excluded.append((point, f"{point.records:g} records of {target.record_bytes:,} B exceed the 6 MB payload (cap {cap:,})"))
        else:
            usable.append(point)
    factors = range(limits.whole("lambda_parallelization_factor_min"), limits.whole("lambda_parallelization_factor_max") + 1)
    configurations = [_configuration(p, f, stream.shards, budget, target, limits) for p in usable for f in factors]
    warnings = []
    reads = limits.whole("kinesis_shard_read_transactions_per_second")
    if not target.enhanced_fan_out and target.consumers >= reads:
        warnings.append(f"{target.consumers} polling consumers share {reads} GetRecords calls/s per shard: "
                        "each waits longer for records; give this pipeline an enhanced fan-out consumer")
    return Sizing(target, measured, stream, cap, budget, configurations, excluded, warnings)
