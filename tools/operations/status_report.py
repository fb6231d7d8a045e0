"""What `make status` found, as one table for a person and one JSON document for a script.

Every number carries its source (`Measure`): the same column is read from different places on AWS
and on the local stack, and an operator must know which (docs/operations.md has the table).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from text_table import render

DETAIL_WIDTH = 72
NAME_WIDTH = 52


@dataclass(frozen=True)
class Measure:
    """A number and where it came from; `value` None means not available, and `source` says why."""

    value: float | None
    source: str
    at: datetime | None = None  # the CloudWatch datapoint's period, when it is one
    at_least: bool = False  # a lower bound: more exists that the source cannot count


@dataclass(frozen=True)
class StreamRow:
    name: str
    status: str
    mode: str
    open_shards: int
    retention_hours: int
    reader_age_ms: Measure  # how far behind the stream's readers are


@dataclass(frozen=True)
class RunnerShard:
    """The local runner's own numbers for one shard (no such thing on AWS)."""

    records_read: int
    checkpoint: str | None  # sequence number of the last finished record
    pending: int
    in_flight: int  # batches being invoked or retried


@dataclass(frozen=True)
class ShardRow:
    stream: str
    shard: str
    state: str
    records_behind: Measure
    ms_behind: Measure
    runner: RunnerShard | None = None
    consumer: str | None = None  # the enhanced fan-out consumer a local mapping reads this shard through


@dataclass(frozen=True)
class FunctionRow:
    name: str
    iterator_age_ms: Measure


@dataclass(frozen=True)
class MappingRow:
    uuid: str
    function: str
    event_source: str
    state: str
    last_processing_result: str | None
    state_transition_reason: str | None


@dataclass(frozen=True)
class QueueRow:
    label: str
    name: str
    url: str
    messages: int  # ApproximateNumberOfMessages: visible, waiting to be received
    in_flight: int  # ApproximateNumberOfMessagesNotVisible: received, not yet deleted
    oldest_age_s: Measure


@dataclass(frozen=True)
class AlarmRow:
    name: str
    kind: str  # metric or composite
    state: str
    since: datetime
    reason: str


@dataclass(frozen=True)
class RunnerState:
    """The local stack's event source mapping runner (no such thing on AWS)."""

    drained: bool
    not_drained_because: str | None
    async_in_flight: bool
    errors: list[str]
    compute_note: str | None = None  # why Lambda's CPU and memory limits are not enforced, when they are not


@dataclass
class StatusReport:
    target: str
    named_by: str
    generated_at: datetime
    streams: list[StreamRow] = field(default_factory=list)
    shards: list[ShardRow] = field(default_factory=list)
    functions: list[FunctionRow] = field(default_factory=list)
    mappings: list[MappingRow] = field(default_factory=list)
    queues: list[QueueRow] = field(default_factory=list)
    alarms: list[AlarmRow] | None = None  # None: no alarm selection (see alarm_selection)
    alarm_selection: str = ""
    runner: RunnerState | None = None
    problems: list[str] = field(default_factory=list)  # parts that could not be read, one line each


def duration(ms: float) -> str:
    """A human duration: 850 ms, 12.3 s, 4 min 12 s, 2 h 05 min, 3 d 4 h."""
    if ms < 1_000:
        return f"{ms:.0f} ms"
    seconds = ms / 1_000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, second = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {second} s"
    hours, minute = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minute:02d} min"
    days, hour = divmod(hours, 24)
    return f"{days} d {hour} h"


def _from(measure: Measure) -> str:
    return measure.source + (f" at {measure.at:%H:%M} UTC" if measure.at is not None else "")


def _age(measure: Measure, scale: float = 1.0) -> str:
    return "n/a" if measure.value is None else duration(measure.value * scale)


def _count(measure: Measure, unit: str) -> str:
    if measure.value is None:
        return "n/a"
    return f"{'≥ ' if measure.at_least else ''}{measure.value:,.0f} {unit}"


def _shard_detail(shard: ShardRow) -> str:
    if shard.runner is None:
        return f"age: {_from(shard.ms_behind)}"
    runner = shard.runner
    return (f"runner: {runner.records_read:,} read, {runner.in_flight} batch(es) in flight, "
            f"checkpoint {runner.checkpoint or 'none yet'}")


def _rows(report: StatusReport) -> list[list[str]]:
    rows: list[list[str]] = []
    for stream in report.streams:
        age = stream.reader_age_ms
        rows.append(["stream", stream.name, stream.status, "-", _age(age),
                     f"{stream.mode}, {stream.open_shards} open shard(s), {stream.retention_hours} h retention; age: {_from(age)}"])
    for shard in report.shards:
        name = f"{shard.stream}/consumer/{shard.consumer}/{shard.shard}" if shard.consumer else f"{shard.stream}/{shard.shard}"
        rows.append(["shard", name, shard.state, _count(shard.records_behind, "records"),
                     _age(shard.ms_behind), _shard_detail(shard)])
    for function in report.functions:
        age = function.iterator_age_ms
        rows.append(["function", function.name, "-", "-", _age(age), f"age: {_from(age)}"])
    for mapping in report.mappings:
        rows.append(["mapping", mapping.uuid, mapping.state, "-", "-",
                     f"{mapping.event_source} -> {mapping.function}; last result: {mapping.last_processing_result or 'none yet'}"])
    for queue in report.queues:
        oldest = queue.oldest_age_s
        rows.append(["queue", queue.name, "empty" if queue.messages + queue.in_flight == 0 else "not empty",
                     f"{queue.messages:,} messages", _age(oldest, 1_000),
                     f"{queue.label}; {queue.in_flight:,} in flight; age of the oldest: {_from(oldest)}"])
    for alarm in report.alarms or []:
        since = (report.generated_at - alarm.since).total_seconds() * 1_000
        rows.append(["alarm", alarm.name, alarm.state, "-", duration(max(0.0, since)), alarm.reason])
    return rows


def render_table(report: StatusReport) -> str:
    """The whole status as one table, with the target on top and what could not be read below."""
    lines = [f"pipeline status: {report.target}, {report.generated_at:%Y-%m-%d %H:%M:%S} UTC",
             f"parts from {report.named_by}", ""]
    lines.append(render(["component", "name", "state", "backlog", "age", "detail"], _rows(report),
                        max_widths=[9, NAME_WIDTH, 17, 18, 16, DETAIL_WIDTH]))
    if report.alarms is None:
        lines.append(f"\nalarms: none selected ({report.alarm_selection})")
    elif not report.alarms:
        lines.append(f"\nalarms: none found ({report.alarm_selection})")
    if report.runner is not None:
        runner = report.runner
        lines.append("\nlocal runner drained: yes" if runner.drained else f"\nlocal runner drained: no ({runner.not_drained_because})")
        lines += [f"runner error: {error}" for error in runner.errors]
        if runner.compute_note:
            lines.append(f"local runner: {runner.compute_note}")
    lines += [f"could not read: {problem}" for problem in report.problems]
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def to_json(report: StatusReport) -> str:
    """The report as JSON: every section, every measure with its source; times in ISO 8601."""
    return json.dumps(_plain(asdict(report)), indent=2)
