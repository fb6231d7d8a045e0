"""`make status` rendering: one table with every part and its source, and JSON a script can rely on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from operations.status_report import (
    AlarmRow,
    FunctionRow,
    MappingRow,
    Measure,
    QueueRow,
    RunnerShard,
    RunnerState,
    ShardRow,
    StatusReport,
    StreamRow,
    duration,
    render_table,
    to_json,
)

NOW = datetime(2026, 3, 1, 12, 30, 5, tzinfo=UTC)
MINUTE = datetime(2026, 3, 1, 12, 29, tzinfo=UTC)


def report(**changes: object) -> StatusReport:
    base = StatusReport(
        target="AWS eu-west-1 (profile ops)", named_by="`terraform output` in live", generated_at=NOW,
        streams=[StreamRow("clicks", "ACTIVE", "PROVISIONED", 2, 24, Measure(2_500, "CloudWatch AWS/Kinesis GetRecords.IteratorAgeMilliseconds Maximum", MINUTE))],
        shards=[ShardRow("clicks", "shardId-000000000000", "open", Measure(None, "n/a on AWS"), Measure(1_500, "CloudWatch shard-level", MINUTE)),
                ShardRow("clicks", "shardId-000000000001", "processing", Measure(600, "runner", at_least=True), Measure(3_000, "runner"),
                         RunnerShard(1_200, "49", 600, 2))],
        functions=[FunctionRow("clicks-processor", Measure(95_000, "CloudWatch AWS/Lambda IteratorAge Maximum", MINUTE))],
        mappings=[MappingRow("0a11-uuid", "clicks-processor", "clicks", "Enabled", "PROBLEM: Function call failed", "User action")],
        queues=[QueueRow("dead-letter queue", "clicks-poison", "https://sqs/1/clicks-poison", 3, 1, Measure(None, "no datapoint"))],
        alarms=[AlarmRow("clicks-iterator-age", "metric", "ALARM", NOW - timedelta(minutes=12, seconds=3), "Threshold Crossed: [95000.0] > 60000")],
        alarm_selection="names starting with 'clicks-'")
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def rows_of(table: str) -> dict[tuple[str, str], list[str]]:
    """Each row's cells by (component, name), split on the column starts of the header rule."""
    lines = table.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    starts = [i for i, c in enumerate(lines[rule]) if c == "-" and (i == 0 or lines[rule][i - 1] == " ")]
    rows = {}
    for line in lines[rule + 1:]:
        if not line or line.startswith(" "):
            if not line:
                break
            continue
        cells = [line[a:b].strip() for a, b in zip(starts, [*starts[1:], len(line) + 1], strict=True)]
        rows[(cells[0], cells[1])] = cells
    return rows


@pytest.mark.parametrize(("ms", "text"), [(0, "0 ms"), (850, "850 ms"), (12_340, "12.3 s"), (252_000, "4 min 12 s"),
                                          (7_500_000, "2 h 05 min"), (273_600_000, "3 d 4 h")])
def test_durations_read_like_a_person_says_them(ms: float, text: str) -> None:
    assert duration(ms) == text


def test_one_table_with_a_row_per_part_in_columns() -> None:
    table = render_table(report())
    assert table.splitlines()[:2] == ["pipeline status: AWS eu-west-1 (profile ops), 2026-03-01 12:30:05 UTC",
                                      "parts from `terraform output` in live"]
    rows = rows_of(table)
    assert rows[("stream", "clicks")][2:5] == ["ACTIVE", "-", "2.5 s"]
    assert rows[("shard", "clicks/shardId-000000000000")][2:5] == ["open", "n/a", "1.5 s"]
    assert rows[("shard", "clicks/shardId-000000000001")][2:6] == ["processing", "≥ 600 records", "3.0 s",
                                                                   "runner: 1,200 read, 2 batch(es) in flight, checkpoint 49"]
    assert rows[("function", "clicks-processor")][4:] == ["1 min 35 s", "age: CloudWatch AWS/Lambda IteratorAge Maximum at 12:29 UTC"]
    assert rows[("mapping", "0a11-uuid")][2] == "Enabled" and "last result: PROBLEM: Function call failed" in rows[("mapping", "0a11-uuid")][5]
    assert rows[("queue", "clicks-poison")][2:5] == ["not empty", "3 messages", "n/a"]
    assert rows[("alarm", "clicks-iterator-age")][2:6] == ["ALARM", "-", "12 min 3 s", "Threshold Crossed: [95000.0] > 60000"]
    assert "local runner" not in table and "could not read" not in table


def test_a_local_reader_through_an_enhanced_fan_out_consumer_is_a_row_of_its_own() -> None:
    through = ShardRow("clicks", "shardId-000000000001", "caught up", Measure(0, "runner"), Measure(0, "runner"),
                       RunnerShard(1_200, "77", 0, 0), consumer="fanout")
    base = report()
    table = render_table(report(shards=[*base.shards, through]))
    rows = rows_of(table)
    assert rows[("shard", "clicks/consumer/fanout/shardId-000000000001")][2:6] == [
        "caught up", "0 records", "0 ms", "runner: 1,200 read, 0 batch(es) in flight, checkpoint 77"]
    assert rows[("shard", "clicks/shardId-000000000001")][5].endswith("checkpoint 49"), "the stream's own reader keeps its row"
    assert [s["consumer"] for s in json.loads(to_json(report(shards=[*base.shards, through])))["shards"]] == [None, None, "fanout"]


def test_the_local_runner_and_unreadable_parts_follow_the_table() -> None:
    runner = RunnerState(False, "clicks/shardId-000000000001: 600 pending", False, ["reading clicks: boom"])
    lines = render_table(report(runner=runner, problems=["alarms: AccessDenied"])).splitlines()
    assert lines[-3:] == ["local runner drained: no (clicks/shardId-000000000001: 600 pending)", "runner error: reading clicks: boom",
                          "could not read: alarms: AccessDenied"]


@pytest.mark.parametrize(("alarms", "line"), [(None, "alarms: none selected (names starting with 'clicks-')"),
                                              ([], "alarms: none found (names starting with 'clicks-')")])
def test_no_alarms_is_said_and_why(alarms: list[AlarmRow] | None, line: str) -> None:
    table = render_table(report(alarms=alarms))
    assert line in table.splitlines() and ("alarm", "clicks-iterator-age") not in rows_of(table)


def test_json_has_every_section_with_values_sources_and_iso_times() -> None:
    document = json.loads(to_json(report(runner=RunnerState(True, None, False, []))))
    assert set(document) == {"target", "named_by", "generated_at", "streams", "shards", "functions", "mappings", "queues",
                             "alarms", "alarm_selection", "runner", "problems"}
    assert document["generated_at"] == "2026-03-01T12:30:05+00:00"
    assert document["shards"][1]["records_behind"] == {"value": 600, "source": "runner", "at": None, "at_least": True}
    assert document["shards"][1]["runner"] == {"records_read": 1_200, "checkpoint": "49", "pending": 600, "in_flight": 2}
    assert document["shards"][0]["runner"] is None
    assert document["functions"][0]["iterator_age_ms"] == {"value": 95_000, "source": "CloudWatch AWS/Lambda IteratorAge Maximum",
                                                           "at": "2026-03-01T12:29:00+00:00", "at_least": False}
    assert document["queues"][0] == {"label": "dead-letter queue", "name": "clicks-poison", "url": "https://sqs/1/clicks-poison",
                                     "messages": 3, "in_flight": 1,
                                     "oldest_age_s": {"value": None, "source": "no datapoint", "at": None, "at_least": False}}
    assert document["alarms"][0]["since"] == "2026-03-01T12:18:02+00:00" and document["runner"]["drained"] is True
