"""Lambda's metrics as the runner publishes them: names, dimensions, units, and one datum per series per minute."""

from __future__ import annotations

import datetime as dt

import pytest
from local_stack.monitoring.lambda_metrics import LambdaMetrics
from local_stack.monitoring.metric_publisher import MAX_VALUES_PER_DATUM, MetricPublisher, Series
from local_stack.runtime.worker import InvokeResult

MINUTE = 1_800_000_000 - 1_800_000_000 % 60  # a minute boundary


def publisher() -> MetricPublisher:
    def refuse(**kwargs: object) -> None:
        raise AssertionError("nothing is sent in these tests")
    return MetricPublisher(refuse)


def by_name(data: list[dict]) -> dict[tuple[str, tuple], dict]:
    return {(d["MetricName"], tuple((x["Name"], x["Value"]) for x in d["Dimensions"])): d for d in data}


def test_invocations_publish_aws_names_dimensions_and_units_per_minute() -> None:
    sent = publisher()
    metrics = LambdaMetrics(sent)
    for i, error in enumerate([None, {"errorType": "ValueError"}, None]):
        metrics.started("fn", MINUTE + 10 + i)
        metrics.finished("fn", MINUTE + 10 + i, InvokeResult(request_id=str(i), error=error, duration_s=0.0121 * (i + 1)))
    metrics.iterator_age("fn", 1500, MINUTE + 20)
    assert sent.due(MINUTE + 59) == {}, "a minute is sent once it has ended"
    [(namespace, data)] = sent.due(MINUTE + 60).items()
    assert namespace == "AWS/Lambda"
    series = by_name(data)
    fn = (("FunctionName", "fn"),)
    for dims in (fn, ()):
        assert series[("Invocations", dims)]["StatisticValues"] == {"SampleCount": 3.0, "Sum": 3.0, "Minimum": 1.0, "Maximum": 1.0}
        assert series[("Errors", dims)]["StatisticValues"] == {"SampleCount": 3.0, "Sum": 1.0, "Minimum": 0.0, "Maximum": 1.0}
        assert series[("Throttles", dims)]["StatisticValues"]["Sum"] == 0.0
        assert series[("Duration", dims)]["Values"] == [12.1, 24.2, 36.3]
        assert series[("Duration", dims)]["Unit"] == "Milliseconds"
        assert (series[("IteratorAge", dims)]["Values"], series[("IteratorAge", dims)]["Unit"]) == ([1500], "Milliseconds")
        assert series[("ConcurrentExecutions", dims)]["Counts"] == [3.0]
        assert series[("Invocations", dims)]["Timestamp"] == dt.datetime.fromtimestamp(MINUTE, dt.UTC)
    assert {d["Unit"] for d in data if d["MetricName"] in ("Invocations", "Errors", "Throttles", "ConcurrentExecutions")} == {"Count"}
    assert sent.due(MINUTE + 120) == {}, "each value is sent once"


def test_concurrent_executions_count_instances_busy_when_an_invocation_starts() -> None:
    sent = publisher()
    metrics = LambdaMetrics(sent)
    metrics.started("a", MINUTE)
    metrics.started("a", MINUTE)
    metrics.started("b", MINUTE)
    metrics.finished("a", MINUTE, None)
    metrics.started("a", MINUTE)
    data = by_name(sent.due(0, everything=True)["AWS/Lambda"])
    assert dict(zip(data[("ConcurrentExecutions", (("FunctionName", "a"),))]["Values"],
                    data[("ConcurrentExecutions", (("FunctionName", "a"),))]["Counts"], strict=True)) == {1: 1.0, 2: 2.0}
    assert data[("ConcurrentExecutions", ())]["Values"] == [1, 2, 3]
    assert ("Invocations", (("FunctionName", "a"),)) not in data, "an invocation that never completed is not counted"


def test_mapping_event_counts_are_per_mapping_uuid_and_only_aws_names() -> None:
    sent = publisher()
    metrics = LambdaMetrics(sent)
    metrics.mapping_events("uuid-1", "PolledEventCount", 0, MINUTE + 1)
    metrics.mapping_events("uuid-1", "PolledEventCount", 100, MINUTE + 2)
    metrics.mapping_events("uuid-1", "DroppedEventCount", 6, MINUTE + 3)
    data = by_name(sent.due(MINUTE + 60)["AWS/Lambda"])
    uuid = (("EventSourceMappingUUID", "uuid-1"),)
    assert data[("PolledEventCount", uuid)]["StatisticValues"] == {"SampleCount": 2.0, "Sum": 100.0, "Minimum": 0.0, "Maximum": 100.0}
    assert data[("DroppedEventCount", uuid)]["StatisticValues"]["Sum"] == 6.0
    with pytest.raises(ValueError, match="PolledEventCount"):
        metrics.mapping_events("uuid-1", "Polled", 1, MINUTE)


def test_many_distinct_values_split_into_data_of_at_most_150_values_and_late_values_go_out_later() -> None:
    sent = publisher()
    duration = Series("AWS/Lambda", "Duration", (("FunctionName", "fn"),), "Milliseconds", distribution=True)
    for i in range(MAX_VALUES_PER_DATUM + 10):
        sent.add(duration, float(i), MINUTE + 5)
    data = sent.due(MINUTE + 60)["AWS/Lambda"]
    assert [len(d["Values"]) for d in data] == [MAX_VALUES_PER_DATUM, 10]
    sent.add(duration, 999.0, MINUTE + 30)  # an invocation that started in that minute and ended after it was sent
    [late] = sent.due(MINUTE + 61)["AWS/Lambda"]
    assert (late["Values"], late["Timestamp"]) == ([999.0], dt.datetime.fromtimestamp(MINUTE, dt.UTC))


def test_a_throttled_request_counts_in_throttles_alone() -> None:
    sent = publisher()
    metrics = LambdaMetrics(sent)
    metrics.started("fn", MINUTE + 1)
    metrics.finished("fn", MINUTE + 1, InvokeResult(request_id="ran", duration_s=0.01))
    metrics.throttled("fn", MINUTE + 2)
    metrics.throttled("fn", MINUTE + 3)
    series = by_name(sent.due(MINUTE + 60)["AWS/Lambda"])
    for dims in ((("FunctionName", "fn"),), ()):
        assert series[("Throttles", dims)]["StatisticValues"] == {"SampleCount": 3.0, "Sum": 2.0, "Minimum": 0.0, "Maximum": 1.0}
        assert series[("Invocations", dims)]["StatisticValues"]["Sum"] == 1.0
        assert series[("Errors", dims)]["StatisticValues"]["Sum"] == 0.0
        assert series[("ConcurrentExecutions", dims)]["Counts"] == [1.0], "a throttled request holds no instance"
