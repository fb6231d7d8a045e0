"""Every rule family, in the order the report lists them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

from plan_check.findings import Context, Finding, Rule
from plan_check.rules import (
    alarms,
    concurrency,
    data_loss,
    encryption,
    iam,
    kinesis_mapping,
    layers,
    stale_build,
    stream_destinations,
    throughput,
    vpc_reachability,
)

FAMILIES: tuple[ModuleType, ...] = (
    stale_build, data_loss, kinesis_mapping, stream_destinations, alarms, concurrency, throughput, layers, vpc_reachability,
    iam, encryption,
)
ALL_RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.RULES)


def run_all(ctx: Context) -> Iterator[Finding]:
    for family in FAMILIES:
        check: Callable[[Context], Iterator[Finding]] = family.check
        yield from check(ctx)
