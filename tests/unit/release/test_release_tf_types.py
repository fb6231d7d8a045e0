"""Terraform type constraints: parsed as Terraform spells them, and judged by the values a caller may pass."""

from __future__ import annotations

import pytest
from release.semver import Level
from release.tf_types import Attribute, Collection, Object, Primitive, Tuple, compare_types, parse_type

STRING = Primitive("string")


def test_parses_nested_types_with_optional_defaults_that_contain_commas_and_parentheses() -> None:
    parsed = parse_type('${list(object({name = string, "owner-team" = optional(string, "a, (b)"), '
                        'sizes = optional(map(number), {small = 1, large = max(2, 3)}), pair = tuple([string, bool])}))}')
    assert parsed == Collection("list", Object((
        ("name", Attribute(STRING, optional=False, default=None)),
        ("owner-team", Attribute(STRING, optional=True, default='"a, (b)"')),
        ("pair", Attribute(Tuple((STRING, Primitive("bool"))), optional=False, default=None)),
        ("sizes", Attribute(Collection("map", Primitive("number")), optional=True,
                            default="{small = 1, large = max(2, 3)}")),
    )))


def test_whitespace_and_attribute_order_do_not_matter() -> None:
    assert parse_type("object({ b = number,\n a = optional( string ) })") == parse_type("object({a = optional(string), b = number})")


def test_legacy_bare_collections_mean_collections_of_any() -> None:
    assert parse_type("list") == parse_type("list(any)")
    assert parse_type("map") == Collection("map", Primitive("any"))


@pytest.mark.parametrize("text", ["strin", "list(string", "object({a string})", "string string", "optional(string)"])
def test_text_that_is_not_a_type_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_type(text)


@pytest.mark.parametrize(("old", "new", "level", "reason"), [
    ("string", "string", None, ""),
    ("number", "string", Level.MINOR, "widened from number to string"),
    ("bool", "any", Level.MINOR, "widened from bool to any"),
    ("string", "number", Level.MAJOR, "string became number"),
    ("any", "map(string)", Level.MAJOR, "narrowed from any to map(string)"),
    ("list(any)", "list(string)", Level.MAJOR, "list element: narrowed from any to string"),
    ("list(string)", "set(string)", Level.MAJOR, "list(string) became set(string)"),
    ("map(string)", "object({a = string})", Level.MAJOR, "became object"),
    ("tuple([string])", "tuple([string, number])", Level.MAJOR, "became tuple"),
    ("object({a = string})", "object({a = string, b = optional(number)})", Level.MINOR, "optional attribute b added"),
    ("object({a = string})", "object({a = string, b = number})", Level.MAJOR, "required attribute b added"),
    ("object({a = string, b = number})", "object({a = string})", Level.MAJOR, "attribute b removed"),
    ("object({a = optional(string)})", "object({a = string})", Level.MAJOR, "attribute a became required"),
    ("object({a = string})", "object({a = optional(string)})", Level.MINOR, "attribute a became optional"),
    ("object({a = optional(number, 1)})", "object({a = optional(number, 2)})", Level.MINOR, "attribute a default 1 -> 2"),
    ("list(object({a = number}))", "list(object({a = bool}))", Level.MAJOR, "list element: attribute a: number became bool"),
])
def test_type_changes_are_judged_by_what_callers_may_pass(old: str, new: str, level: Level | None, reason: str) -> None:
    found = compare_types(parse_type(old), parse_type(new))
    if level is None:
        assert found is None
    else:
        assert found is not None and found[0] is level and reason in found[1], found


def test_the_weightiest_difference_wins_and_names_every_reason_of_its_weight() -> None:
    found = compare_types(parse_type("object({a = string, b = string})"),
                          parse_type("object({a = number, b = bool, c = optional(string)})"))
    assert found == (Level.MAJOR, "attribute a: string became number; attribute b: string became bool")
