"""How CloudWatch decides a metric alarm's state from its datapoints, as AWS documents it.

"Evaluating an alarm" and "Configuring how CloudWatch alarms treat missing data"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html):

- the alarm looks at the evaluation range, more periods than EvaluationPeriods (N), so that
  missing recent datapoints can be made up by older real ones. AWS gives the range only by example
  (5 for N = 3); here it is N + 2;
- with at least N real datapoints in the range, the N most recent real ones are evaluated and
  TreatMissingData is not used; ALARM when at least DatapointsToAlarm (M) of them breach;
- with fewer, every real datapoint is evaluated and the rest of the N is filled per
  TreatMissingData: `breaching` / `notBreaching` fill with that; with no real datapoint at all,
  `missing` gives INSUFFICIENT_DATA and `ignore` keeps the state;
- for `missing` and `ignore` with some real datapoints: M breaching real ones are ALARM; a
  non-breaching one makes it OK; only breaching ones, the oldest at least M periods old, is the
  "premature alarm" case: ALARM for `missing`, unchanged for `ignore`; younger, INSUFFICIENT_DATA
  for `missing` and unchanged for `ignore`.

These reproduce every row of the page's tables (tests/unit/local_stack/test_alarm_rules.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
TREAT_MISSING = ("missing", "ignore", "breaching", "notBreaching")
COMPARISONS = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}


@dataclass(frozen=True)
class Rule:
    """The parts of a metric alarm that decide its state."""

    evaluation_periods: int
    datapoints_to_alarm: int
    comparison: str
    threshold: float
    treat_missing_data: str = "missing"

    @property
    def evaluation_range(self) -> int:
        return self.evaluation_periods + 2

    def breaches(self, value: float) -> bool:
        return bool(COMPARISONS[self.comparison](value, self.threshold))


@dataclass(frozen=True)
class Outcome:
    """The new state (None: keep the current one) and what it was decided on, for the reason."""

    state: str | None
    evaluated: tuple[tuple[int, float], ...]  # (periods ago, value) of the real datapoints used, newest first
    breaching: int  # breaching datapoints among the N evaluated, filled ones included
    filled: int  # missing datapoints counted as TreatMissingData says
    missing: int  # missing datapoints in the evaluation range


def evaluate(values: Sequence[float | None], rule: Rule) -> Outcome:
    """`values`: the evaluation range, oldest first, None where a period has no datapoint."""
    newest_first = [(age, value) for age, value in enumerate(reversed(values), start=1) if value is not None]
    missing = len(values) - len(newest_first)
    n, m = rule.evaluation_periods, rule.datapoints_to_alarm
    if len(newest_first) >= n:
        used = tuple(newest_first[:n])
        breaching = sum(rule.breaches(v) for _, v in used)
        return Outcome(ALARM if breaching >= m else OK, used, breaching, 0, missing)
    real = tuple(newest_first)
    breaching = sum(rule.breaches(v) for _, v in real)
    fill = n - len(real)
    treat = rule.treat_missing_data
    if treat in ("breaching", "notBreaching"):
        breaching += fill if treat == "breaching" else 0
        return Outcome(ALARM if breaching >= m else OK, real, breaching, fill, missing)
    keep_or = (lambda state: None) if treat == "ignore" else (lambda state: state)
    if not real:
        return Outcome(keep_or(INSUFFICIENT_DATA), real, 0, 0, missing)
    if breaching >= m:
        return Outcome(ALARM, real, breaching, 0, missing)
    if breaching < len(real):
        return Outcome(OK, real, breaching, 0, missing)
    oldest_age = real[-1][0]
    return Outcome(keep_or(ALARM if oldest_age >= m else INSUFFICIENT_DATA), real, breaching, 0, missing)
