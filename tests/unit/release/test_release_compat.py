"""The compatibility gate over fixtures/compat/<case>/{before,after}: one case per kind of change.

Each case must report exactly the listed (name, needs) rows, each change text containing its hint,
so a kind of breaking change the gate stops seeing, or a change it starts over-reporting, fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from release.compat import compare, judge
from release.errors import ReleaseError
from release.interface import read_module_set, read_working_tree
from release.semver import Level, Version

FIXTURES = Path(__file__).parent / "fixtures" / "compat"
MAJOR, MINOR = Level.MAJOR, Level.MINOR

EXPECTED: dict[str, set[tuple[str, Level, str]]] = {
    "variable_removed": {("var.retries", MAJOR, "removed")},
    "variable_renamed": {("var.stream_name", MAJOR, "removed (renamed to stream?)"), ("var.stream", MINOR, "added, optional")},
    "required_variable_added": {("var.kms_key_arn", MAJOR, "added, required")},
    "default_removed": {("var.retries", MAJOR, "default removed: now required")},
    "type_narrowed": {
        ("var.settings", MAJOR, "narrowed from any to map(string)"),
        ("var.sizes", MAJOR, "list element: string became number"),
        ("var.count_text", MAJOR, "string became number"),
        ("var.labels", MAJOR, "map element: narrowed from any to string"),
        ("var.target", MAJOR, "required attribute owner added; attribute retries became required"),
        ("var.pair", MAJOR, "tuple element 1: number became bool"),
        ("var.ids", MAJOR, "list(string) became set(string)"),
        # The defaults change with the types; each is reported once, as its own row.
        ("var.count_text", MINOR, "default changed"),
        ("var.pair", MINOR, "default changed"),
    },
    "null_refused": {("var.kms_key_arn", MAJOR, "null no longer accepted")},
    "output_removed": {("output.arn", MAJOR, "removed")},
    "output_renamed": {("output.stream_arn", MAJOR, "removed"), ("output.arn", MINOR, "added")},
    "output_made_sensitive": {("output.endpoint", MAJOR, "made sensitive")},
    "provider_minimum_raised": {("provider aws", MAJOR, "minimum raised from 5.100.0 to 6.0.0")},
    "provider_maximum_lowered": {("provider aws", MAJOR, "maximum lowered from 7.0.0 to 6.0.0")},
    "provider_version_excluded": {("provider aws", MAJOR, "6.2.0 excluded")},
    "provider_source_changed": {("provider aws", MAJOR, "source changed")},
    "terraform_minimum_raised": {("terraform", MAJOR, "minimum raised from 1.11.0 to 1.12.0")},
    "optional_variable_added": {("var.tags", MINOR, "added, optional")},
    "output_added": {("output.name", MINOR, "added")},
    "type_widened": {
        ("var.settings", MINOR, "widened from map(string) to any"),
        ("var.size", MINOR, "widened from number to string"),
        ("var.size", MINOR, "default changed"),
        ("var.target", MINOR, "optional attribute owner added; attribute name became optional"),
    },
    "default_changed": {("var.retries", MINOR, "default changed"), ("var.target", MINOR, "attribute retries default 2 -> 5")},
    "default_added": {("var.retries", MINOR, "default added: now optional")},
    "provider_range_widened": {("provider aws", MINOR, "minimum lowered from 5.100.0 to 5.90.0"),
                               ("provider aws", MINOR, "maximum raised from 6.0.0 to 7.0.0")},
    "validation_changed": {("var.retries", MINOR, "validation changed")},
    "cosmetic_only": set(),
}


def _changes(case: str) -> list:
    before, after = (read_module_set(read_working_tree(FIXTURES / case / side)) for side in ("before", "after"))
    return compare(before, after)


def test_every_fixture_has_an_expectation() -> None:
    assert {p.name for p in FIXTURES.iterdir()} == {*EXPECTED, "module_set"}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_kind_of_change_is_reported_at_its_level(case: str) -> None:
    changes = _changes(case)
    assert {(c.name, c.level) for c in changes} == {(name, level) for name, level, _ in EXPECTED[case]}
    for name, level, hint in EXPECTED[case]:
        assert any(c.name == name and c.level is level and hint in c.change for c in changes), (hint, changes)
    assert len(changes) == len(EXPECTED[case]), changes


def test_modules_removed_and_added_across_the_set() -> None:
    changes = _changes("module_set")
    assert [(c.module, c.change, c.level) for c in changes] == [
        ("modules/mapping", "removed", MAJOR), ("modules/pipeline", "added", MINOR)]


@pytest.mark.parametrize(("case", "version", "ok"), [
    ("variable_removed", "1.4.2", False),
    ("variable_removed", "1.5.0", False),
    ("variable_removed", "2.0.0", True),
    ("optional_variable_added", "1.4.2", False),
    ("optional_variable_added", "1.4.3", False),
    ("optional_variable_added", "1.5.0", True),
    ("optional_variable_added", "2.0.0", True),
    ("cosmetic_only", "1.4.2", True),
    ("cosmetic_only", "1.4.3", True),
    ("cosmetic_only", "1.4.1", False),
])
def test_version_must_be_bumped_as_far_as_the_changes_need(case: str, version: str, ok: bool) -> None:
    verdict = judge(_changes(case), Version(1, 4, 2), Version.parse(version, "VERSION"))
    assert verdict.ok is ok, verdict.message


def test_a_failed_verdict_names_the_version_to_set() -> None:
    verdict = judge(_changes("variable_removed"), Version(1, 4, 2), Version(1, 5, 0))
    assert verdict.message == ("the changes since v1.4.2 need a major release but VERSION 1.5.0 is only a minor release: "
                               "set VERSION to 2.0.0 and describe them under Unreleased in CHANGELOG.md")


def test_unparsable_hcl_names_the_file_and_the_fix() -> None:
    with pytest.raises(ReleaseError, match=r"^modules/a/variables\.tf: cannot parse HCL .*run `terraform validate` there$"):
        read_module_set({"modules/a/variables.tf": 'variable "x" {\n  type = \n'})


def test_a_type_the_gate_cannot_read_is_named_with_its_variable() -> None:
    with pytest.raises(ReleaseError, match=r"^variables\.tf: variable 'x' has a type the gate cannot read \(lists\(string\)"):
        read_module_set({"variables.tf": 'variable "x" {\n  type = lists(string)\n}\n'})


def test_only_each_modules_own_files_count() -> None:
    modules = read_module_set({
        "main.tf": 'variable "a" {}\n',
        "modules/m/variables.tf": 'variable "b" {}\n',
        "modules/m/examples/basic/main.tf": 'variable "c" {}\n',
        "modules/m/tests/plan.tftest.hcl": "run \"x\" {}\n",
        "examples/minimal/main.tf": 'variable "d" {}\n',
    })
    assert {path: sorted(m.variables) for path, m in modules.items()} == {".": ["a"], "modules/m": ["b"]}
