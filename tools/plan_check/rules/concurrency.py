"""Concurrency budget: stream pollers and reserved concurrency must fit the account limit."""

from __future__ import annotations

from collections.abc import Iterator

from plan_check.findings import PLAN_WIDE, Context, Finding, Rule
from plan_check.rules.kinesis_mapping import kinesis_mappings, kinesis_streams

UNRESERVED_MINIMUM = 100
ON_DEMAND_SHARDS = 4

BUDGET = Rule(
    "concurrency-budget",
    "sum(shards x parallelization) over stream mappings + sum(reserved concurrency) <= account limit - 100",
    "lower parallelization_factor or reserved concurrency, or raise the limit and pass --account-concurrency",
)
RULES = (BUDGET,)


def check(ctx: Context) -> Iterator[Finding]:
    parts: list[tuple[int, str]] = []
    for mapping in kinesis_mappings(ctx.plan):
        if mapping.value("enabled") is False:
            continue
        factor = mapping.value("parallelization_factor") or 1
        streams = kinesis_streams(ctx.plan, mapping)
        if not streams:
            ctx.cannot_verify(BUDGET, mapping.address, "its stream is not in this plan, so its shard count is unknown")
        for stream in streams:
            on_demand = stream.value("stream_mode_details", 0, "stream_mode") == "ON_DEMAND"
            shards = ON_DEMAND_SHARDS if on_demand else stream.value("shard_count")
            if isinstance(shards, int) and isinstance(factor, int):
                parts.append((shards * factor, f"{mapping.address} {shards}x{factor}"))
    for function in ctx.plan.live("aws_lambda_function"):
        reserved = function.value("reserved_concurrent_executions")
        if isinstance(reserved, int) and reserved > 0:
            parts.append((reserved, f"{function.address} reserved {reserved}"))
    total = sum(amount for amount, _ in parts)
    budget = ctx.options.account_concurrency - UNRESERVED_MINIMUM
    if total > budget:
        detail = ", ".join(label for _, label in sorted(parts, reverse=True)[:4])
        yield Finding(BUDGET, PLAN_WIDE, f"needs {total:,} > {budget:,} available ({detail})")
