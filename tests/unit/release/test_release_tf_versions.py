"""Terraform version constraints: the range each allows, and which moves of a range break a caller."""

from __future__ import annotations

import pytest
from release.semver import Level
from release.tf_versions import compare_ranges, parse_constraint


@pytest.mark.parametrize(("pessimistic", "explicit"), [
    ("~> 5.100", ">= 5.100, < 6.0"),
    ("~> 5.100.2", ">= 5.100.2, < 5.101.0"),
    ("~> 5", ">= 5.0.0, < 6.0.0"),
    ("= 1.2.3", ">= 1.2.3, <= 1.2.3"),
    ("1.2.3", ">= 1.2.3, <= 1.2.3"),
    (">=1.2,<2", ">= 1.2.0, < 2.0.0"),
])
def test_constraints_that_allow_the_same_versions_read_the_same(pessimistic: str, explicit: str) -> None:
    assert parse_constraint(pessimistic) == parse_constraint(explicit)
    assert compare_ranges(pessimistic, explicit) == []


def test_the_tightest_clauses_win() -> None:
    assert parse_constraint(">= 1.0, >= 1.5, < 3.0, < 2.0") == parse_constraint(">= 1.5, < 2.0")


@pytest.mark.parametrize(("old", "new", "expected"), [
    (">= 5.100, < 7.0", ">= 6.0, < 7.0", [(Level.MAJOR, "minimum raised from 5.100.0 to 6.0.0")]),
    (">= 5.100", "> 5.100", [(Level.MAJOR, "minimum raised from 5.100.0 to 5.100.0")]),
    (">= 5.100, < 7.0", ">= 5.100, < 6.0", [(Level.MAJOR, "maximum lowered from 7.0.0 to 6.0.0")]),
    (">= 5.100", ">= 5.100, < 7.0", [(Level.MAJOR, "maximum lowered from none to 7.0.0")]),
    (">= 5.100, < 7.0", ">= 5.100, != 6.2.0, < 7.0", [(Level.MAJOR, "6.2.0 excluded")]),
    (">= 5.100, < 7.0", ">= 5.90, < 7.0", [(Level.MINOR, "minimum lowered from 5.100.0 to 5.90.0")]),
    ("~> 5.100", ">= 5.100", [(Level.MINOR, "maximum raised from 6.0.0 to none")]),
    (">= 1.11, != 1.12.0", ">= 1.11", [(Level.MINOR, "1.12.0 no longer excluded")]),
])
def test_a_range_that_loses_versions_is_major_one_that_gains_them_minor(old: str, new: str, expected: list) -> None:
    assert compare_ranges(old, new) == expected


@pytest.mark.parametrize("text", [">= five", "=> 1.0", ">= 1.0 < 2.0"])
def test_text_that_is_not_a_constraint_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a version constraint"):
        parse_constraint(text)
