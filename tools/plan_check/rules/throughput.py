"""Throughput against the last size report: can the planned mapping keep up with the expected peak?

Runs only when plan_check is given --peak-records-per-second; the records/s one invocation
processes comes from the size report (`make size`, build/size-report.json) at the memory size and
batch size the plan sets, so the check is as good as those measurements. A PROVISIONED stream has
the shards the plan gives it; an ON_DEMAND stream is taken to scale to the shards the peak's writes
need (at least the 4 it starts with).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from sizing import prices
from sizing.model import shards_needed

from plan_check.findings import Context, Finding, Rule
from plan_check.plan_model import Resource
from plan_check.rules.concurrency import ON_DEMAND_SHARDS, UNRESERVED_MINIMUM
from plan_check.rules.kinesis_mapping import DEFAULT_BATCH_SIZE, function_of, kinesis_mappings, kinesis_streams

DEFAULT_MEMORY_MB = 128
MAX_FACTOR = 10

PEAK = Rule(
    "throughput-peak",
    "shards x parallelization_factor x measured records/s per invocation (size report) >= --peak-records-per-second",
    "raise parallelization_factor or the shard count, or choose a memory size/batch size the size report shows faster",
)
CONCURRENCY = Rule(
    "throughput-concurrency",
    "the invocations the peak keeps busy (peak / measured records/s per invocation) fit the function's concurrency budget",
    "raise the reserved concurrency or the account limit (--account-concurrency), or a faster memory size/batch size",
)
RULES = (PEAK, CONCURRENCY)


def keep_up(shards: int, factor: int, per_invocation: float, peak: float) -> tuple[str, str] | None:
    """(problem, fix) when shards x factor lanes at `per_invocation` records/s fall short of `peak`; None when they keep up."""
    capacity = shards * factor * per_invocation
    if capacity >= peak:
        return None
    factor_needed = math.ceil(peak / (shards * per_invocation))
    fix = (f"set parallelization_factor = {factor_needed}" if factor_needed <= MAX_FACTOR else
           f"use {math.ceil(peak / (MAX_FACTOR * per_invocation))} shards at parallelization_factor = {MAX_FACTOR}, "
           "or a memory size/batch size the size report shows faster")
    problem = (f"{shards} shard(s) x parallelization_factor {factor} x {per_invocation:,.0f} records/s per invocation "
               f"= {capacity:,.0f} records/s < peak {peak:,.0f}")
    return problem, fix


def busy_at_peak(per_invocation: float, peak: float) -> int:
    return math.ceil(peak / per_invocation)


def _shards(ctx: Context, stream: Resource, peak: float, record_bytes: int) -> int | None:
    if stream.value("stream_mode_details", 0, "stream_mode") == "ON_DEMAND":
        need = shards_needed(peak, record_bytes, prices.load())
        return max(ON_DEMAND_SHARDS, need.write_bytes, need.write_records)
    shards = stream.value("shard_count")
    return shards if isinstance(shards, int) else None


def check(ctx: Context) -> Iterator[Finding]:
    peak, report = ctx.options.peak_records_per_second, ctx.options.size_report
    if peak is None or report is None:
        return
    for mapping in kinesis_mappings(ctx.plan):
        if mapping.value("enabled") is False:
            continue
        _, addresses = function_of(ctx.plan, mapping)
        functions = [f for f in ctx.plan.live("aws_lambda_function") if f.address in addresses]
        streams = kinesis_streams(ctx.plan, mapping)
        if len(functions) != 1 or len(streams) != 1 or mapping.unknown("batch_size") or functions[0].unknown("memory_size"):
            ctx.cannot_verify(PEAK, mapping.address, "its function, stream, batch_size or memory_size is not known from this plan")
            continue
        function = functions[0]
        memory = function.value("memory_size") or DEFAULT_MEMORY_MB
        batch = mapping.value("batch_size") or DEFAULT_BATCH_SIZE
        factor = mapping.value("parallelization_factor") or 1
        shards = _shards(ctx, streams[0], peak, report.record_bytes)
        per_invocation = report.records_per_second(memory, batch)
        if shards is None or per_invocation is None:
            why = (f"{streams[0].address} has no known shard_count" if shards is None else
                   f"{report.path} has no usable measurement at memory_size {memory} and batch_size {batch} "
                   f"(measured: {report.measured()}); measure it with `make size`")
            ctx.cannot_verify(PEAK, mapping.address, why)
            continue
        if short := keep_up(shards, factor, per_invocation, peak):
            yield Finding(PEAK, mapping.address, *short)
        busy = busy_at_peak(per_invocation, peak)
        reserved = function.value("reserved_concurrent_executions")
        if isinstance(reserved, int) and reserved >= 0:
            if busy > reserved:
                yield Finding(CONCURRENCY, function.address,
                              f"the peak keeps {busy:,} invocations busy ({peak:,.0f} / {per_invocation:,.0f} records/s each) "
                              f"> reserved_concurrent_executions {reserved:,}",
                              f"set reserved_concurrent_executions >= {busy:,}, or a faster memory size/batch size")
        elif busy > (budget := ctx.options.account_concurrency - UNRESERVED_MINIMUM):
            yield Finding(CONCURRENCY, mapping.address,
                          f"the peak keeps {busy:,} invocations busy ({peak:,.0f} / {per_invocation:,.0f} records/s each) "
                          f"> {budget:,} the account can give (limit {ctx.options.account_concurrency:,} - {UNRESERVED_MINIMUM})")
