"""Alarm reasons and notifications against messages AWS sent (quoted in alarm_messages.py)."""

from __future__ import annotations

import datetime as dt
import json

from local_stack.monitoring.alarm_messages import aws_time, notification, reason_data, state_reason, subject
from local_stack.monitoring.alarm_rules import ALARM, INSUFFICIENT_DATA, OK, Rule, evaluate

END = dt.datetime(2024, 3, 19, 17, 15, tzinfo=dt.UTC)
PERIOD_START = {age: END - dt.timedelta(minutes=age) for age in range(1, 30)}
ERRORS_ALARM = {
    "AlarmName": "errors", "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456712345:alarm:errors",
    "AlarmDescription": "Errors of the stream processor", "Namespace": "AWS/Lambda", "MetricName": "Errors",
    "Statistic": "Sum", "Dimensions": [{"Name": "FunctionName", "Value": "fn"}], "Period": 60, "EvaluationPeriods": 1,
    "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1.0, "TreatMissingData": "notBreaching",
    "OKActions": ["arn:aws:sns:eu-west-1:123456712345:alerts"], "AlarmActions": ["arn:aws:sns:eu-west-1:123456712345:alerts"],
    "InsufficientDataActions": [], "AlarmConfigurationUpdatedTimestamp": dt.datetime(2023, 8, 17, 8, 47, 29, 454000, tzinfo=dt.UTC),
}


def rule_of(alarm: dict) -> Rule:
    n = alarm["EvaluationPeriods"]
    return Rule(n, alarm.get("DatapointsToAlarm", n), alarm["ComparisonOperator"], alarm["Threshold"], alarm["TreatMissingData"])


def test_ok_reason_reads_like_aws() -> None:
    rule = rule_of(ERRORS_ALARM)
    outcome = evaluate([None, None, 0.0], rule)
    assert outcome.state == OK
    assert state_reason(ERRORS_ALARM, rule, outcome, OK, PERIOD_START) == (
        "Threshold Crossed: 1 datapoint [0.0 (19/03/24 17:14:00)] was not greater than or equal to the threshold (1.0).")


def test_m_of_n_alarm_reason_counts_the_missing_datapoints_treated_as_not_breaching() -> None:
    """AWS: "Threshold Crossed: 1 out of the last 20 datapoints [613.0 (16/03/24 12:15:00)] was greater than or
    equal to the threshold (1.0) and 19 missing datapoints were treated as [NonBreaching] (minimum 1 datapoint
    for OK -> ALARM transition).\""""
    alarm = {**ERRORS_ALARM, "EvaluationPeriods": 20, "DatapointsToAlarm": 1}
    rule = rule_of(alarm)
    outcome = evaluate([None] * 21 + [613.0], rule)
    assert outcome.state == ALARM
    assert state_reason(alarm, rule, outcome, ALARM, PERIOD_START) == (
        "Threshold Crossed: 1 out of the last 20 datapoints [613.0 (19/03/24 17:14:00)] was greater than or equal to "
        "the threshold (1.0) and 19 missing datapoints were treated as [NonBreaching] "
        "(minimum 1 datapoint for OK -> ALARM transition).")


def test_insufficient_data_and_no_datapoints_reasons() -> None:
    alarm = {**ERRORS_ALARM, "TreatMissingData": "missing"}
    outcome = evaluate([None, None, None], rule_of(alarm))
    assert outcome.state == INSUFFICIENT_DATA
    assert state_reason(alarm, rule_of(alarm), outcome, INSUFFICIENT_DATA, PERIOD_START) == "Insufficient Data: 3 datapoints were unknown."
    breaching = {**ERRORS_ALARM, "TreatMissingData": "breaching"}
    outcome = evaluate([None, None, None], rule_of(breaching))
    assert state_reason(breaching, rule_of(breaching), outcome, ALARM, PERIOD_START) == (
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching].")


def test_notification_has_the_shape_aws_publishes() -> None:
    """The fields and formats of a real Lambda Errors notification (alarm_messages.py's docstring)."""
    changed = dt.datetime(2024, 3, 19, 17, 19, 14, 422000, tzinfo=dt.UTC)
    message = notification(ERRORS_ALARM, "ALARM", "OK", "Threshold Crossed: ...", changed, "eu-west-1")
    assert list(message) == ["AlarmName", "AlarmDescription", "AWSAccountId", "AlarmConfigurationUpdatedTimestamp",
                             "NewStateValue", "NewStateReason", "StateChangeTime", "Region", "AlarmArn", "OldStateValue",
                             "OKActions", "AlarmActions", "InsufficientDataActions", "Trigger"]
    assert message["AWSAccountId"] == "123456712345" and message["Region"] == "EU (Ireland)"
    assert message["StateChangeTime"] == "2024-03-19T17:19:14.422+0000"
    assert message["AlarmConfigurationUpdatedTimestamp"] == "2023-08-17T08:47:29.454+0000"
    assert message["Trigger"] == {
        "MetricName": "Errors", "Namespace": "AWS/Lambda", "StatisticType": "Statistic", "Statistic": "SUM", "Unit": None,
        "Dimensions": [{"value": "fn", "name": "FunctionName"}], "Period": 60, "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1.0, "TreatMissingData": "notBreaching",
        "EvaluateLowSampleCountPercentile": ""}
    percentile = notification({**ERRORS_ALARM, "Statistic": None, "ExtendedStatistic": "p99", "DatapointsToAlarm": 1},
                              "OK", "ALARM", "r", changed, "eu-west-1")["Trigger"]
    assert (percentile["StatisticType"], percentile["ExtendedStatistic"], percentile["DatapointsToAlarm"]) == ("ExtendedStatistic", "p99", 1)
    assert "Statistic" not in percentile


def test_subject_names_state_alarm_and_region_within_sns_limit() -> None:
    assert subject("errors", "ALARM", "us-east-1") == 'ALARM: "errors" in US East (N. Virginia)'
    long = subject("x" * 200, "INSUFFICIENT_DATA", "eu-south-1")
    assert len(long) == 100 and long.endswith('..." in EU (Milan)')


def test_reason_data_lists_the_evaluated_datapoints() -> None:
    rule = rule_of(ERRORS_ALARM)
    outcome = evaluate([None, 2.0, 3.0], rule)
    data = json.loads(reason_data(ERRORS_ALARM, outcome, END, END - dt.timedelta(minutes=3), PERIOD_START))
    assert data["statistic"] == "Sum" and data["period"] == 60 and data["threshold"] == 1.0
    assert data["recentDatapoints"] == [3.0]
    assert data["evaluatedDatapoints"] == [{"timestamp": aws_time(PERIOD_START[1]), "value": 3.0}]
