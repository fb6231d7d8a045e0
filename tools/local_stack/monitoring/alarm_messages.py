"""What an alarm says when its state changes: the state reason, its data, and the SNS notification.

Shaped after what AWS sends (the notification's fields are those of aws-lambda-go's
CloudWatchAlarmSnsPayload plus the action lists and configuration timestamp current messages
carry), e.g. a real Lambda Errors alarm going back to OK:
  NewStateReason "Threshold Crossed: 1 datapoint [0.0 (19/03/24 17:14:00)] was not greater than
  or equal to the threshold (1.0).", StateChangeTime "2024-03-19T17:19:14.422+0000",
  Trigger {"MetricName": "Errors", "Namespace": "AWS/Lambda", "StatisticType": "Statistic",
  "Statistic": "SUM", "Unit": null, "Dimensions": [{"value": ..., "name": "FunctionName"}], ...}.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from local_stack.monitoring.alarm_rules import ALARM, INSUFFICIENT_DATA, Outcome, Rule

OPERATORS = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}
# Region names as AWS writes them in notifications ("Region" and the subject).
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)", "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)", "eu-west-1": "EU (Ireland)", "eu-west-2": "EU (London)",
    "eu-west-3": "EU (Paris)", "eu-central-1": "EU (Frankfurt)", "eu-north-1": "EU (Stockholm)",
    "eu-south-1": "EU (Milan)", "ap-southeast-1": "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)", "ap-northeast-2": "Asia Pacific (Seoul)", "ap-south-1": "Asia Pacific (Mumbai)",
    "ca-central-1": "Canada (Central)", "sa-east-1": "South America (Sao Paulo)",
}
SUBJECT_MAX = 100  # SNS subjects are at most 100 characters; AWS shortens the alarm name with "..."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _point(value: float, at: dt.datetime) -> str:
    return f"{value!r} ({at.strftime('%d/%m/%y %H:%M:%S')})"


def _points(points: list[tuple[float, dt.datetime]]) -> str:
    return "[" + ", ".join(_point(v, at) for v, at in points) + "]"


def state_reason(alarm: dict[str, Any], rule: Rule, outcome: Outcome, state: str,
                 period_start: dict[int, dt.datetime]) -> str:
    """AWS's sentence for the new state; `period_start` maps "periods ago" to the period's start."""
    if state == INSUFFICIENT_DATA:
        return f"Insufficient Data: {_plural(outcome.missing, 'datapoint')} {_was(outcome.missing)} unknown."
    to_alarm = state == ALARM
    shown = [(v, period_start[age]) for age, v in outcome.evaluated if rule.breaches(v) == to_alarm]
    operator = OPERATORS[rule.comparison] if to_alarm else f"not {OPERATORS[rule.comparison]}"
    filled_breaching = rule.treat_missing_data == "breaching"
    filled = ""
    if outcome.filled:
        as_what = "Breaching" if filled_breaching else "NonBreaching"
        filled = f" and {_plural(outcome.filled, 'missing datapoint')} {_was(outcome.filled)} treated as [{as_what}]"
    if not outcome.evaluated:
        return f"Threshold Crossed: no datapoints were received for {_plural(outcome.filled, 'period')}{filled}."
    threshold = f"the threshold ({rule.threshold!r}){filled}"
    if "DatapointsToAlarm" not in alarm:
        return f"Threshold Crossed: {_plural(len(shown), 'datapoint')} {_points(shown)} {_was(len(shown))} {operator} {threshold}."
    count = len(shown) + (outcome.filled if filled_breaching == to_alarm else 0)
    n, m = rule.evaluation_periods, rule.datapoints_to_alarm
    minimum, transition = (m, "OK -> ALARM") if to_alarm else (n - m + 1, "ALARM -> OK")
    return (f"Threshold Crossed: {count} out of the last {n} datapoints {_points(shown)} {_was(count)} {operator} "
            f"{threshold} (minimum {_plural(minimum, 'datapoint')} for {transition} transition).")


def aws_time(moment: dt.datetime) -> str:
    """StateChangeTime's format: 2024-07-05T15:20:44.959+0000."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def reason_data(alarm: dict[str, Any], outcome: Outcome, query_time: dt.datetime, range_start: dt.datetime,
                period_start: dict[int, dt.datetime]) -> str:
    """StateReasonData: the query and the datapoints it evaluated, as AWS records them."""
    data: dict[str, Any] = {"version": "1.0", "queryDate": aws_time(query_time), "startDate": aws_time(range_start)}
    if alarm.get("Unit"):
        data["unit"] = alarm["Unit"]
    if alarm.get("ExtendedStatistic"):
        data["extendedStatistic"] = alarm["ExtendedStatistic"]
    else:
        data["statistic"] = alarm["Statistic"]
    data.update(period=int(alarm["Period"]), recentDatapoints=[v for _, v in reversed(outcome.evaluated)],
                threshold=float(alarm["Threshold"]),
                evaluatedDatapoints=[{"timestamp": aws_time(period_start[age]), "value": v} for age, v in outcome.evaluated])
    return json.dumps(data)


def subject(alarm_name: str, state: str, region: str) -> str:
    """'ALARM: "name" in US East (N. Virginia)', the name shortened to fit SNS's 100 characters."""
    where = REGION_NAMES.get(region, region)
    text = f'{state}: "{alarm_name}" in {where}'
    if len(text) > SUBJECT_MAX:
        keep = SUBJECT_MAX - len(f'{state}: "..." in {where}')
        text = f'{state}: "{alarm_name[:max(keep, 0)]}..." in {where}'
    return text


def notification(alarm: dict[str, Any], old_state: str, new_state: str, reason: str, changed_at: dt.datetime,
                 region: str) -> dict[str, Any]:
    """The JSON CloudWatch publishes to an alarm's SNS actions."""
    trigger: dict[str, Any] = {"MetricName": alarm.get("MetricName"), "Namespace": alarm.get("Namespace")}
    if alarm.get("ExtendedStatistic"):
        trigger.update(StatisticType="ExtendedStatistic", ExtendedStatistic=alarm["ExtendedStatistic"])
    else:
        trigger.update(StatisticType="Statistic", Statistic=_upper_snake(alarm["Statistic"]))
    trigger.update(Unit=alarm.get("Unit"), Dimensions=[{"value": d["Value"], "name": d["Name"]} for d in alarm.get("Dimensions", [])],
                   Period=int(alarm["Period"]), EvaluationPeriods=int(alarm["EvaluationPeriods"]))
    if "DatapointsToAlarm" in alarm:
        trigger["DatapointsToAlarm"] = int(alarm["DatapointsToAlarm"])
    trigger.update(ComparisonOperator=alarm["ComparisonOperator"], Threshold=float(alarm["Threshold"]),
                   TreatMissingData=alarm.get("TreatMissingData", ""),
                   EvaluateLowSampleCountPercentile=alarm.get("EvaluateLowSampleCountPercentile", ""))
    updated = alarm.get("AlarmConfigurationUpdatedTimestamp")
    return {
        "AlarmName": alarm["AlarmName"], "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": alarm["AlarmArn"].split(":")[4],
        "AlarmConfigurationUpdatedTimestamp": aws_time(updated) if updated else None,
        "NewStateValue": new_state, "NewStateReason": reason, "StateChangeTime": aws_time(changed_at),
        "Region": REGION_NAMES.get(region, region), "AlarmArn": alarm["AlarmArn"], "OldStateValue": old_state,
        "OKActions": alarm.get("OKActions", []), "AlarmActions": alarm.get("AlarmActions", []),
        "InsufficientDataActions": alarm.get("InsufficientDataActions", []), "Trigger": trigger,
    }


def _upper_snake(statistic: str) -> str:
    """Sum -> SUM, SampleCount -> SAMPLE_COUNT, as the Trigger's Statistic is written."""
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(statistic)).upper()
