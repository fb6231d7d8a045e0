"""CloudWatch in moto as the local alarm evaluator needs it: the fixes `moto_main` applies.

moto stores metric data and alarms but differs from AWS where alarms depend on it:
- a metric is identified by namespace, name and its full set of dimensions. moto's
  GetMetricStatistics matches every datum that has the requested dimensions among others, and
  with none requested it matches all; its GetMetricData ignores the namespace once dimensions are
  given. Lambda publishes Errors per FunctionName and across all functions (no dimensions), so a
  query for one function counted both. Here both APIs match the exact dimension set (and unit);
- percentile statistics (`p99`) made GetMetricData answer HTTP 500. Here they are computed from
  the published values (nearest rank); as on AWS, a statistic set (StatisticValues) counts only
  when all its samples have one value;
- PutMetricAlarm creates an alarm in OK ("Unchecked: Initial alarm creation"); AWS creates it in
  INSUFFICIENT_DATA and leaves the state of an updated alarm unchanged, where moto replaced it;
- DescribeAlarmHistory is not implemented. Here every state change (SetAlarmState, which the
  evaluator uses) and every create/update is recorded as AWS records it (StateUpdate,
  ConfigurationUpdate), and DescribeAlarms reports StateTransitionedTimestamp.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue, ValidationError
from moto.cloudwatch.metric_data_expression_parser import parse_expression
from moto.cloudwatch.models import (
    Alarm,
    CloudWatchBackend,
    MetricAggregatedDatum,
    MetricDatum,
    MetricDatumBase,
    Statistics,
)
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult
from moto.core.utils import utcnow

SeriesKey = tuple[str, str, frozenset[tuple[str, str]]]


def _key(namespace: str, name: str, dimensions: list[dict[str, str]]) -> SeriesKey:
    return namespace, name, frozenset((d["Name"], d["Value"]) for d in dimensions)


def _datum_key(datum: MetricDatumBase) -> SeriesKey:
    return datum.namespace, datum.name, frozenset((d.name or "", d.value or "") for d in datum.dimensions)


def _series(backend: CloudWatchBackend, key: SeriesKey, unit: str | None,
            start: datetime, end: datetime) -> list[MetricDatumBase]:
    """The data of exactly one metric within [start, end), through an index kept up to date on
    read (moto appends every PutMetricData datum to one list)."""
    index: dict[SeriesKey, list[MetricDatumBase]] = backend.__dict__.setdefault("_local_series", {})
    done: int = backend.__dict__.get("_local_indexed", 0)
    for datum in backend.metric_data[done:]:
        index.setdefault(_datum_key(datum), []).append(datum)
    backend.__dict__["_local_indexed"] = len(backend.metric_data)
    provided = [d for d in backend.aws_metric_data if _datum_key(d) == key]  # e.g. S3 storage metrics
    return [d for d in index.get(key, []) + provided
            if start <= d.timestamp < end and (not unit or d.unit == unit)]


def statistic(data: list[MetricDatumBase], stat: str) -> float | None:
    """One statistic over one period's data, None where CloudWatch has no value for it."""
    singles = [d.value for d in data if isinstance(d, MetricDatum)]
    sets = [d for d in data if isinstance(d, MetricAggregatedDatum)]
    count = len(singles) + sum(s.sample_count for s in sets)
    if not count:
        return None
    if stat == "SampleCount":
        return float(count)
    if stat in ("Sum", "Average"):
        total = sum(singles) + sum(s.sum for s in sets)
        return float(total if stat == "Sum" else total / count)
    if stat == "Minimum":
        return float(min(singles + [s.min for s in sets]))
    if stat == "Maximum":
        return float(max(singles + [s.max for s in sets]))
    if stat.startswith("p"):
        return _percentile(singles, sets, float(stat[1:]))
    raise InvalidParameterValue(f"The statistic {stat} is not supported by the local emulator.")


def _percentile(singles: list[float], sets: list[MetricAggregatedDatum], p: float) -> float | None:
    weighted = [(v, 1.0) for v in singles]
    for s in sets:
        if s.min != s.max or not math.isclose(s.sum, s.min * s.sample_count):
            return None  # AWS: no percentiles from a statistic set whose samples differ
        weighted.append((s.min, s.sample_count))
    weighted.sort()
    rank = max(1.0, math.ceil(p / 100 * sum(w for _, w in weighted)))
    seen = 0.0
    for value, weight in weighted:
        seen += weight
        if seen >= rank:
            return float(value)
    return float(weighted[-1][0])


def _naive(moment: datetime | None) -> datetime | None:
    """UTC without tzinfo, as moto stamps its own records (requests may carry an offset)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _periods(start: datetime, end: datetime, period: int) -> list[datetime]:
    step = timedelta(seconds=period)
    starts = []
    while start < end:
        starts.append(start)
        start += step
    return starts


def _metric_stat_result(backend: CloudWatchBackend, query: dict[str, Any], start: datetime, end: datetime,
                        scan_by: str) -> dict[str, Any]:
    stat = query["MetricStat"]
    metric = stat["Metric"]
    key = _key(metric["Namespace"], metric["MetricName"], metric.get("Dimensions", []))
    period = int(stat["Period"])
    data = _series(backend, key, stat.get("Unit"), start, end)
    values, timestamps = [], []
    for bucket in _periods(start, end, period):
        value = statistic([d for d in data if bucket <= d.timestamp < bucket + timedelta(seconds=period)], stat["Stat"])
        if value is not None:
            values.append(value)
            timestamps.append(bucket)
    if scan_by == "TimestampDescending":
        values.reverse()
        timestamps.reverse()
    return {"id": query["Id"], "label": query.get("Label") or f"{metric['MetricName']} {stat['Stat']}",
            "values": values, "timestamps": timestamps, "status_code": "Complete"}


_get_metric_data = CloudWatchBackend.get_metric_data


def get_metric_data(self: CloudWatchBackend, queries: list[dict[str, Any]], start_time: datetime,
                    end_time: datetime, scan_by: str = "TimestampAscending") -> list[dict[str, Any]]:
    """MetricStat queries per exact metric, any statistic; expressions as moto evaluates them."""
    start, end = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
    if start >= end:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    stats = [_metric_stat_result(self, q, start, end, scan_by) for q in queries if "MetricStat" in q]
    results = [r for q, r in zip([q for q in queries if "MetricStat" in q], stats, strict=True) if q.get("ReturnData", True)]
    for query in queries:
        expression = query.get("Expression", "")
        if expression and not expression.startswith("SELECT"):
            values, timestamps = parse_expression(expression, stats)
            results.append({"id": query["Id"], "label": query.get("Label") or query["Id"], "values": values,
                            "timestamps": timestamps, "status_code": "Complete"})
    insights = [q for q in queries if q.get("Expression", "").startswith("SELECT")]
    if insights:
        results += _get_metric_data(self, insights, start_time, end_time, scan_by)
    return results


def get_metric_statistics(self: CloudWatchBackend, namespace: str, metric_name: str, start_time: datetime,
                          end_time: datetime, period: int, stats: list[str], dimensions: list[dict[str, str]],
                          unit: str | None = None) -> list[Statistics]:
    """Per exact metric, in periods counted from StartTime."""
    start, end = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
    if start >= end:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    data = _series(self, _key(namespace, metric_name, dimensions), unit, start, end)
    datapoints = []
    for bucket in _periods(start, end, period):
        inside = [d for d in data if bucket <= d.timestamp < bucket + timedelta(seconds=period)]
        if inside:
            point = Statistics(stats, bucket, inside[-1].unit)
            point.metric_data = inside
            datapoints.append(point)
    return datapoints


def _history(alarm: Alarm) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = alarm.__dict__.setdefault("_local_history", [])
    return items


def _record(alarm: Alarm, item_type: str, summary: str, data: dict[str, Any]) -> None:
    _history(alarm).append({"AlarmName": alarm.name, "AlarmType": "MetricAlarm", "Timestamp": utcnow(),
                            "HistoryItemType": item_type, "HistorySummary": summary, "HistoryData": json.dumps(data)})


_update_state = Alarm.update_state


def update_state(self: Alarm, reason: str, reason_data: str, state_value: str) -> None:
    """moto's update, plus AWS's StateUpdate history item and transition time when the state changes."""
    old_value, old_reason = self.state_value, self.state_reason
    _update_state(self, reason, reason_data, state_value)
    if state_value != old_value:
        self.__dict__["state_transitioned_timestamp"] = self.state_updated_timestamp
        new_state: dict[str, Any] = {"stateValue": state_value, "stateReason": reason}
        if reason_data:
            new_state["stateReasonData"] = json.loads(reason_data)
        _record(self, "StateUpdate", f"Alarm updated from {old_value} to {state_value}",
                {"version": "1.0", "oldState": {"stateValue": old_value, "stateReason": old_reason}, "newState": new_state})


_put_metric_alarm = CloudWatchBackend.put_metric_alarm


def put_metric_alarm(self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Alarm:
    """A new alarm starts in INSUFFICIENT_DATA; an updated one keeps its state and history."""
    name = kwargs["name"] if "name" in kwargs else args[0]
    previous = self.alarms.get(name)
    alarm: Alarm = _put_metric_alarm(self, *args, **kwargs)
    if previous is None:
        alarm.state_value = "INSUFFICIENT_DATA"
        alarm.__dict__["state_transitioned_timestamp"] = alarm.state_updated_timestamp
        _record(alarm, "ConfigurationUpdate", f'Alarm "{name}" created', {"type": "Create", "version": "1.0"})
    else:
        for attribute in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
            setattr(alarm, attribute, getattr(previous, attribute))
        alarm.__dict__["state_transitioned_timestamp"] = previous.__dict__.get("state_transitioned_timestamp")
        alarm.__dict__["_local_history"] = _history(previous)
        _record(alarm, "ConfigurationUpdate", f'Alarm "{name}" updated', {"type": "Update", "version": "1.0"})
    return alarm


def describe_alarm_history(self: CloudWatchResponse) -> ActionResult:
    name = self._get_param("AlarmName")
    item_type = self._get_param("HistoryItemType")
    start, end = _naive(self._get_param("StartDate")), _naive(self._get_param("EndDate"))
    alarms = self.cloudwatch_backend.alarms.values()
    items = [item for alarm in alarms if name in (None, alarm.name) for item in _history(alarm)
             if item_type in (None, item["HistoryItemType"])
             and (start is None or item["Timestamp"] >= start) and (end is None or item["Timestamp"] <= end)]
    items.sort(key=lambda item: item["Timestamp"], reverse=self._get_param("ScanBy") != "TimestampAscending")
    return ActionResult({"AlarmHistoryItems": items[: int(self._get_param("MaxRecords") or 50)]})


def patch_cloudwatch() -> None:
    """Apply the fixes above to moto's CloudWatch (the module docstring says why)."""
    CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
    CloudWatchBackend.get_metric_statistics = get_metric_statistics  # type: ignore[method-assign]
    CloudWatchBackend.put_metric_alarm = put_metric_alarm  # type: ignore[method-assign]
    Alarm.update_state = update_state  # type: ignore[method-assign]
    CloudWatchResponse.describe_alarm_history = describe_alarm_history  # type: ignore[attr-defined]
