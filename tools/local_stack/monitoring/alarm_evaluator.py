"""Evaluates every metric alarm in the emulator's CloudWatch, as CloudWatch does, on real time.

moto stores alarms but never evaluates them. This thread reads them with DescribeAlarms, and for
each alarm once per completed minute (AWS evaluates alarms with periods of a minute or more every
minute, over whole periods ending at the minute; a 10-second check interval only notices the
minute sooner) it reads the evaluation range with GetMetricData (the alarm's period, statistic or
extended statistic, unit and dimensions), decides the state by `alarm_rules`, and on a change
calls SetAlarmState with AWS's reason and reason data (so DescribeAlarms and
DescribeAlarmHistory show it, as on AWS) and publishes AWS's notification to the SNS topics among
the new state's actions (when ActionsEnabled). A new or updated alarm is evaluated at once.

A state set by someone else with SetAlarmState runs that state's actions too, and lasts until the
alarm's next evaluation, as on AWS.

Periods are never scaled: a 60-second alarm on a 1-minute metric needs real minutes, because a
statistic over a shorter window is a different number (a Sum of 6 seconds is not a Sum of 60) and
the metrics are stamped with real time. What is not evaluated (metric math, anomaly detection,
composite alarms, statistics other than the five and pNN) is reported once in `errors`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_stack.monitoring.alarm_messages import notification, reason_data, state_reason, subject
from local_stack.monitoring.alarm_rules import COMPARISONS, TREAT_MISSING, Outcome, Rule, evaluate

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
ACTIONS = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}


@dataclass
class EvaluatorOptions:
    check_interval_s: float = 10.0  # how often alarms are read; each is evaluated once per completed minute
    settle_s: float = 5.0  # a minute is evaluated this long after it ends, once its metrics are published


@dataclass(frozen=True)
class Transition:
    """One state change the evaluator saw, for the demo's account of what fired."""

    alarm: str
    old: str
    new: str
    at: float
    reason: str
    by_set_alarm_state: bool = False  # set through the API by someone else, not evaluated here


@dataclass
class AlarmEvaluator:
    clients: Callable[[str], Any]
    region: str
    options: EvaluatorOptions = field(default_factory=EvaluatorOptions)
    publish: Callable[[str, str, str], None] | None = None  # (topic ARN, message, subject); SNS Publish by default
    clock: Callable[[], float] = time.time
    transitions: list[Transition] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _evaluated: dict[str, tuple[float, Any]] = field(default_factory=dict)  # name -> (boundary, configuration time)
    _known: dict[str, str] = field(default_factory=dict)  # name -> state last seen or set here
    _reported: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> AlarmEvaluator:
        self._thread = threading.Thread(target=self._run, name="alarm evaluator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread and self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            try:
                self.evaluate_all()
            except Exception as exc:  # the emulator going away at shutdown must not kill the thread loudly
                if not self._stop.is_set():
                    self._report(f"evaluating alarms: {exc}")
            if self._stop.wait(self.options.check_interval_s):
                return

    def _report(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            self.errors.append(message)

    def evaluate_all(self) -> None:
        now = self.clock()
        cloudwatch = self.clients("cloudwatch")
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
            for alarm in page["MetricAlarms"]:
                self._notice_state_set_elsewhere(alarm)
                boundary = self._boundary(alarm, now)
                due = (boundary, alarm.get("AlarmConfigurationUpdatedTimestamp"))
                if self._evaluated.get(alarm["AlarmName"]) == due or not self._supported(alarm):
                    continue
                try:
                    self._evaluate(alarm, boundary)
                    self._evaluated[alarm["AlarmName"]] = due
                except Exception as exc:  # one alarm's failure must not stop the others; tried again next check
                    if not self._stop.is_set():
                        self._report(f"alarm {alarm['AlarmName']}: {exc}")

    def _boundary(self, alarm: dict[str, Any], now: float) -> float:
        """End of the newest whole period evaluated now: the last minute (10 s for high-resolution alarms)."""
        cadence = 60 if int(alarm.get("Period", 60)) >= 60 else 10
        return math.floor((now - self.options.settle_s) / cadence) * cadence

    def _supported(self, alarm: dict[str, Any]) -> bool:
        name = alarm["AlarmName"]
        statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic", "")
        problem = None
        if alarm.get("Metrics"):
            problem = "metric math alarms are not evaluated locally"
        elif alarm.get("ComparisonOperator") not in COMPARISONS:
            problem = f"comparison {alarm.get('ComparisonOperator')} (anomaly detection) is not evaluated locally"
        elif statistic not in STATISTICS and not _is_percentile(statistic):
            problem = f"statistic {statistic} is not evaluated locally (the five statistics and pNN are)"
        if problem:
            self._report(f"alarm {name}: {problem}")
        return problem is None

    def _evaluate(self, alarm: dict[str, Any], boundary: float) -> None:
        period = int(alarm["Period"])
        n = int(alarm["EvaluationPeriods"])
        treat = alarm.get("TreatMissingData") or "missing"
        rule = Rule(n, int(alarm.get("DatapointsToAlarm") or n), alarm["ComparisonOperator"], float(alarm["Threshold"]),
                    treat if treat in TREAT_MISSING else "missing")
        end = dt.datetime.fromtimestamp(boundary, dt.UTC)
        start = end - dt.timedelta(seconds=period * rule.evaluation_range)
        values, samples = self._datapoints(alarm, start, end, rule.evaluation_range)
        outcome = evaluate(values, rule)
        if _too_few_samples(alarm, outcome, samples):
            return  # EvaluateLowSampleCountPercentile=ignore: no state change while the sample is small
        state = outcome.state or alarm["StateValue"]
        if state == alarm["StateValue"]:
            return
        period_start = {age: end - dt.timedelta(seconds=period * age) for age in range(1, rule.evaluation_range + 1)}
        reason = state_reason(alarm, rule, outcome, state, period_start)
        data = reason_data(alarm, outcome, dt.datetime.fromtimestamp(self.clock(), dt.UTC), start, period_start)
        self.clients("cloudwatch").set_alarm_state(AlarmName=alarm["AlarmName"], StateValue=state,
                                                   StateReason=reason, StateReasonData=data)
        self._known[alarm["AlarmName"]] = state
        self._changed(alarm, alarm["StateValue"], state, reason, by_set_alarm_state=False)

    def _datapoints(self, alarm: dict[str, Any], start: dt.datetime, end: dt.datetime,
                    periods: int) -> tuple[list[float | None], list[float | None]]:
        """The statistic per period of the evaluation range (oldest first, None where missing), and
        the sample count per period when a percentile alarm ignores small samples."""
        metric = {"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"], "Dimensions": alarm.get("Dimensions", [])}
        stat: dict[str, Any] = {"Metric": metric, "Period": int(alarm["Period"])}
        if alarm.get("Unit"):
            stat["Unit"] = alarm["Unit"]
        queries = [{"Id": "value", "MetricStat": {**stat, "Stat": alarm.get("Statistic") or alarm["ExtendedStatistic"]}}]
        if alarm.get("EvaluateLowSampleCountPercentile") == "ignore" and alarm.get("ExtendedStatistic"):
            queries.append({"Id": "samples", "MetricStat": {**stat, "Stat": "SampleCount"}})
        response = self.clients("cloudwatch").get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=end,
                                                               ScanBy="TimestampAscending")
        series: dict[str, list[float | None]] = {}
        for result in response["MetricDataResults"]:
            by_start = {ts.timestamp(): v for ts, v in zip(result["Timestamps"], result["Values"], strict=True)}
            period = int(alarm["Period"])
            series[result["Id"]] = [by_start.get(start.timestamp() + i * period) for i in range(periods)]
        return series["value"], series.get("samples", [])

    def _notice_state_set_elsewhere(self, alarm: dict[str, Any]) -> None:
        """A state someone set with SetAlarmState: run its actions, as CloudWatch does."""
        name, seen = alarm["AlarmName"], alarm["StateValue"]
        known = self._known.get(name)
        self._known[name] = seen
        if known is not None and known != seen:
            self._changed(alarm, known, seen, alarm.get("StateReason", ""), by_set_alarm_state=True)

    def _changed(self, alarm: dict[str, Any], old: str, new: str, reason: str, by_set_alarm_state: bool) -> None:
        now = self.clock()
        self.transitions.append(Transition(alarm["AlarmName"], old, new, now, reason, by_set_alarm_state))
        if not alarm.get("ActionsEnabled", True):
            return
        message = json.dumps(notification(alarm, old, new, reason, dt.datetime.fromtimestamp(now, dt.UTC), self.region))
        for action in alarm.get(ACTIONS[new], []):
            if not action.startswith("arn:aws:sns:"):
                self._report(f"alarm {alarm['AlarmName']}: action {action} is not run locally (SNS topics are)")
                continue
            try:
                self._publish(action, message, subject(alarm["AlarmName"], new, self.region))
            except Exception as exc:  # CloudWatch does not retry a failed action either; it records it
                self.errors.append(f"alarm {alarm['AlarmName']}: publishing to {action}: {exc}")

    def _publish(self, topic_arn: str, message: str, title: str) -> None:
        if self.publish:
            self.publish(topic_arn, message, title)
        else:
            self.clients("sns").publish(TopicArn=topic_arn, Message=message, Subject=title)


def _is_percentile(statistic: str) -> bool:
    try:
        return statistic.startswith("p") and 0 <= float(statistic[1:]) <= 100
    except ValueError:
        return False


def _too_few_samples(alarm: dict[str, Any], outcome: Outcome, samples: list[float | None]) -> bool:
    """Fewer samples than 10/(1-p) (p >= 0.5) or 10/p in the evaluated periods, as AWS counts for
    EvaluateLowSampleCountPercentile ("Percentile-based alarms and low data samples")."""
    if not samples or alarm.get("EvaluateLowSampleCountPercentile") != "ignore":
        return False
    p = float(alarm["ExtendedStatistic"][1:]) / 100
    needed = 10 / max(1 - p, 1e-9) if p >= 0.5 else 10 / max(p, 1e-9)
    evaluated = {len(samples) - age for age, _ in outcome.evaluated}
    return sum(samples[i] or 0 for i in evaluated) < needed
