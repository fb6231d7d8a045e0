"""CloudWatch's documented alarm evaluation, row by row from AWS's page.

The tables are those of "How alarm state is evaluated when data is missing"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html): an
evaluation range of 5 datapoints, oldest first, `0` not breaching, `X` breaching, `-` missing; the
columns are the four TreatMissingData settings. "keep" is AWS's "Retain current state". The
earlier revision of the page had two more rows (`X - - - -`, `- - - - X`), kept below: the rules
still give what that revision said.
"""

from __future__ import annotations

import pytest
from local_stack.monitoring.alarm_rules import ALARM, INSUFFICIENT_DATA, OK, Rule, evaluate

COLUMNS = ("missing", "ignore", "breaching", "notBreaching")
KEEP = "keep"

# Datapoints to Alarm 3, Evaluation Periods 3.
THREE_OF_THREE = [
    ("0 - X - X", (OK, OK, OK, OK)),
    ("0 - - - -", (OK, OK, OK, OK)),
    ("- - - - -", (INSUFFICIENT_DATA, KEEP, ALARM, OK)),
    ("0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("- - X - -", (ALARM, KEEP, ALARM, OK)),
    # earlier revision of the page
    ("- - - - X", (INSUFFICIENT_DATA, KEEP, ALARM, OK)),
    ("X - - - -", (ALARM, KEEP, ALARM, OK)),
]

# Datapoints to Alarm 2, Evaluation Periods 3 (M out of N).
TWO_OF_THREE = [
    ("0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    ("0 - X - -", (OK, OK, ALARM, OK)),
    ("- - - - 0", (OK, OK, ALARM, OK)),
    ("- - - X -", (ALARM, KEEP, ALARM, OK)),
    # earlier revision of the page
    ("- - - - X", (INSUFFICIENT_DATA, KEEP, ALARM, OK)),
]


def datapoints(row: str) -> list[float | None]:
    """Threshold 3 (GreaterThanThreshold): X is 5.0, 0 is 1.0."""
    return [{"X": 5.0, "0": 1.0, "-": None}[c] for c in row.split()]


def cases(table: list[tuple[str, tuple[str, ...]]], m: int) -> list[tuple[str, int, str, str]]:
    return [(row, m, treat, expected) for row, states in table for treat, expected in zip(COLUMNS, states, strict=True)]


@pytest.mark.parametrize(("row", "m", "treat", "expected"), cases(THREE_OF_THREE, 3) + cases(TWO_OF_THREE, 2))
def test_documented_rows(row: str, m: int, treat: str, expected: str) -> None:
    rule = Rule(evaluation_periods=3, datapoints_to_alarm=m, comparison="GreaterThanThreshold", threshold=3.0,
                treat_missing_data=treat)
    assert rule.evaluation_range == 5
    outcome = evaluate(datapoints(row), rule)
    assert outcome.state == (None if expected == KEEP else expected)


def test_the_n_most_recent_real_datapoints_are_evaluated_and_older_ones_ignored() -> None:
    """Row 2 of the M-of-N table: 0 0 X 0 X evaluates X 0 X (newest first), two of them breaching."""
    rule = Rule(3, 2, "GreaterThanThreshold", 3.0)
    outcome = evaluate(datapoints("0 0 X 0 X"), rule)
    assert [age for age, _ in outcome.evaluated] == [1, 2, 3]
    assert (outcome.breaching, outcome.filled, outcome.missing) == (2, 0, 0)


def test_missing_datapoints_are_filled_as_few_times_as_possible() -> None:
    """0 - X - - with missing treated as breaching: the two real ones and one filled (AWS: ALARM)."""
    outcome = evaluate(datapoints("0 - X - -"), Rule(3, 2, "GreaterThanThreshold", 3.0, "breaching"))
    assert (outcome.state, outcome.breaching, outcome.filled, outcome.missing) == (ALARM, 2, 1, 3)


@pytest.mark.parametrize(("comparison", "value", "breaches"), [
    ("GreaterThanOrEqualToThreshold", 3.0, True), ("GreaterThanThreshold", 3.0, False),
    ("LessThanThreshold", 2.9, True), ("LessThanOrEqualToThreshold", 3.0, True), ("LessThanThreshold", 3.0, False),
])
def test_comparison_operators_take_the_statistic_as_first_operand(comparison: str, value: float, breaches: bool) -> None:
    assert Rule(1, 1, comparison, 3.0).breaches(value) is breaches


def test_a_single_period_alarm_goes_ok_on_a_zero_and_alarm_on_one_error() -> None:
    """Errors Sum >= 1, one period of one minute: the reference error alarm."""
    rule = Rule(1, 1, "GreaterThanOrEqualToThreshold", 1.0, "notBreaching")
    assert evaluate([None, None, 1.0], rule).state == ALARM
    assert evaluate([None, 1.0, 0.0], rule).state == OK
    assert evaluate([None, None, None], rule).state == OK
