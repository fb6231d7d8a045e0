"""The arithmetic of a validation run: whether a configuration fits the host, the drain rate from
samples, iterator age under overload, and the error of the prediction. Pure functions (unit-tested).
"""

from __future__ import annotations

from local_stack.runtime.compute_model import vcpus_for

from sizing.errors import SizingError


def vcpu_demand(concurrency: int, memory_mb: int) -> float:
    """vCPUs the concurrent invocations take at once: each gets memory / 1,769 of one."""
    return concurrency * vcpus_for(memory_mb)


def check_fits_host(concurrency: int, memory_mb: int, host_cores: int, share: float) -> None:
    """SizingError when the invocations would need more than `share` of the host's cores: the prediction assumes
    each invocation gets its whole CPU share, which a host running short of cores cannot give (the emulator,
    PostgreSQL and the runner need the rest)."""
    demand = vcpu_demand(concurrency, memory_mb)
    if demand > host_cores * share:
        raise SizingError(f"{concurrency} concurrent invocation(s) at {memory_mb} MB need {demand:.2f} vCPU, more than "
                          f"{share:.0%} of this host's {host_cores} core(s): lower --memory, --shards or --parallelization")


def drain_rate(samples: list[tuple[float, int]], start: float, end: float) -> float:
    """Records per second processed between `start` and `end`: the least-squares slope of (time, records
    processed so far) over the samples taken in that span; SizingError with fewer than three."""
    span = [(t, n) for t, n in samples if start <= t <= end]
    if len(span) < 3:
        raise SizingError(f"only {len(span)} sample(s) in the steady part of the run: run it longer (--seconds)")
    mean_t = sum(t for t, _ in span) / len(span)
    mean_n = sum(n for _, n in span) / len(span)
    spread = sum((t - mean_t) ** 2 for t, _ in span)
    if spread == 0:
        raise SizingError("the samples of the steady part were all taken at one instant: run it longer (--seconds)")
    return sum((t - mean_t) * (n - mean_n) for t, n in span) / spread


def backlog_iterator_age_s(now_s: float, drain_started_s: float, drain_per_second: float, written_per_second: float) -> float:
    """Iterator age at `now_s` of a mapping that began draining at `drain_started_s` a backlog written at
    `written_per_second`, times counted from the write of its first record: by `now_s` it has processed
    drain x (now - started) records, the last of them written (that many / written_per_second) after the first."""
    if written_per_second <= 0:
        raise SizingError("no records were written: nothing to drain")
    processed = drain_per_second * max(0.0, now_s - drain_started_s)
    return max(0.0, now_s - processed / written_per_second)


def relative_error(predicted: float, measured: float) -> float:
    """(predicted - measured) / measured: +0.10 is a prediction 10 % above what was measured."""
    if measured <= 0:
        raise SizingError("nothing was processed in the steady part of the run: see the function log")
    return (predicted - measured) / measured
