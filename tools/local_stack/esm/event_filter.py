"""Lambda event filtering (a mapping's FilterCriteria) for Kinesis records, as AWS documents it.

Sources: https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html,
https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html and the rule syntax Lambda
shares with EventBridge, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html.
- FilterCriteria.Filters holds at most 5 filters by default (the quota can be raised to 10); each
  Pattern is a JSON object of at most 4,096 characters. A record is delivered when any filter
  matches (filters are ORed); otherwise it is filtered out: checkpointed, never delivered, never retried.
- A pattern is matched against the record's `kinesis` fields: the metadata (partitionKey,
  sequenceNumber, approximateArrivalTimestamp, kinesisSchemaVersion) and `data`, the base64-decoded
  payload parsed as JSON. When the payload is not JSON only metadata can match: a filter that names
  `data` drops the record. A pattern for `data` must itself be an object (AWS refuses others).
- Rules: fields are ANDed, the values in a field's array ORed, `$or` ORs whole sub-patterns;
  strings match character by character and numbers by their JSON text (300, 300.0 and 3.0e2 are
  not equal), except in `numeric` and `anything-but` (numbers), which compare values.
moto's EventPattern is not used: it treats 300 and 3.0e2 as equal, true as 1, and an unknown operator as matching everything.
"""

from __future__ import annotations

import ipaddress
import json
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from local_stack.esm.kinesis_records import StreamRecord

DEFAULT_FILTER_QUOTA = 5  # filters per event source mapping, Lambda's default quota
MAX_FILTER_QUOTA = 10  # the most AWS raises that quota to on request
MAX_PATTERN_CHARS = 4096  # API Filter.Pattern: maximum length
SYNTAX_URL = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-syntax"
NUMERIC_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}

Test = Callable[[Any], bool]  # one leaf value (str, JsonNumber, bool or None) -> does it match
Node = Callable[[Any], bool]  # one object of the event -> does the (sub-)pattern match it


class FilterCriteriaError(ValueError):
    """A pattern CreateEventSourceMapping would refuse (InvalidParameterValueException)."""


@dataclass(frozen=True)
class JsonNumber:
    """A JSON number as written: equality uses the text, comparisons the value."""

    text: str

    @property
    def value(self) -> float:
        return float(self.text)


class _NotJson:
    """A payload that is not JSON: only metadata can match, and a pattern on `data` never does."""


NOT_JSON = _NotJson()


def parse_json(text: str | bytes) -> Any:
    """JSON with numbers kept as JsonNumber; NaN and Infinity are not JSON, so they are refused."""
    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=no_constant)


def record_fields(record: StreamRecord) -> dict[str, Any]:
    """The fields a pattern sees: those of the event's `kinesis` object, with `data` decoded and parsed."""
    try:
        data: Any = parse_json(record.data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = NOT_JSON
    return {"kinesisSchemaVersion": "1.0", "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number, "approximateArrivalTimestamp": JsonNumber(repr(record.arrival)),
            "data": data}


@dataclass(frozen=True)
class EventFilter:
    """A mapping's compiled FilterCriteria."""

    patterns: tuple[Node, ...]

    def keeps(self, record: StreamRecord) -> bool:
        fields = record_fields(record)
        return any(pattern(fields) for pattern in self.patterns)


def mapping_filter(mapping: dict[str, Any], quota: int = DEFAULT_FILTER_QUOTA) -> EventFilter | None:
    """The mapping's filter, None when it has no FilterCriteria; a refused pattern raises one line naming it."""
    filters = (mapping.get("FilterCriteria") or {}).get("Filters") or []
    if not filters:
        return None
    where = f"event source mapping {mapping.get('UUID', '?')}"
    if not 1 <= quota <= MAX_FILTER_QUOTA:
        raise FilterCriteriaError(f"{where}: a filter quota of {quota} is not possible on AWS; use 1 to {MAX_FILTER_QUOTA}")
    if len(filters) > quota:
        raise FilterCriteriaError(f"{where}: FilterCriteria has {len(filters)} filters, over the quota of {quota} "
                                  f"({DEFAULT_FILTER_QUOTA} by default, up to {MAX_FILTER_QUOTA} on request); merge patterns or raise the quota")
    patterns = []
    for number, entry in enumerate(filters, 1):
        try:
            patterns.append(compile_pattern(entry.get("Pattern") if isinstance(entry, dict) else None))
        except FilterCriteriaError as exc:
            raise FilterCriteriaError(f"{where}: filter {number}: {exc}; AWS refuses it as an invalid filter pattern "
                                      f"definition, see {SYNTAX_URL}") from None
    return EventFilter(tuple(patterns))


def compile_pattern(text: object) -> Node:
    """One Kinesis filter pattern, validated as CreateEventSourceMapping validates it."""
    if not isinstance(text, str) or not text.strip():
        raise FilterCriteriaError("the filter has no Pattern")
    if len(text) > MAX_PATTERN_CHARS:
        raise FilterCriteriaError(f"the pattern has {len(text)} characters, over the limit of {MAX_PATTERN_CHARS}")
    try:
        pattern = parse_json(text)
    except ValueError as exc:
        raise FilterCriteriaError(f"the pattern is not JSON ({exc})") from None
    if not isinstance(pattern, dict):
        raise FilterCriteriaError("the pattern must be a JSON object")
    _require_data_object(pattern)
    return _compile_object(pattern, "")


def _require_data_object(pattern: dict[str, Any]) -> None:
    """Kinesis: the pattern for `data` must be JSON (an object), at the top or in a top-level `$or`."""
    if "data" in pattern and not isinstance(pattern["data"], dict):
        raise FilterCriteriaError('"data" must be an object pattern, e.g. {"data": {"type": ["click"]}}')
    for alternative in pattern.get("$or", []) if isinstance(pattern.get("$or"), list) else []:
        if isinstance(alternative, dict):
            _require_data_object(alternative)


def _compile_object(pattern: dict[str, Any], path: str) -> Node:
    checks: list[Node] = []
    for key, rule in pattern.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            if not isinstance(rule, list) or len(rule) < 2 or not all(isinstance(p, dict) and p for p in rule):
                raise FilterCriteriaError(f'"{where}" must be an array of at least two non-empty patterns')
            checks.append(_any_of([_compile_object(p, path) for p in rule]))
        elif isinstance(rule, dict):
            checks.append(_nested(key, _compile_object(rule, where)))
        elif isinstance(rule, list) and rule:
            checks.append(_field(key, [_compile_value(value, where) for value in rule]))
        else:
            raise FilterCriteriaError(f'"{where}" must be an object or a non-empty array')
    return lambda obj: all(check(obj) for check in checks)


def _any_of(alternatives: list[Node]) -> Node:
    return lambda obj: any(alternative(obj) for alternative in alternatives)


def _values(obj: Any, key: str) -> Iterator[Any]:
    """What the event holds at `key`, arrays flattened: a field matches when any of its values does."""
    if not isinstance(obj, dict) or key not in obj:
        return
    pending = [obj[key]]
    while pending:
        value = pending.pop(0)
        if isinstance(value, list):
            pending[:0] = value
        else:
            yield value


def _nested(key: str, node: Node) -> Node:
    """A sub-pattern: matched against each object at `key` (one element of an array at a time), or,
    when there is none, against an empty object, so that `exists: false` below it still holds."""
    def check(obj: Any) -> bool:
        values = list(_values(obj, key))
        if any(v is NOT_JSON for v in values):
            return False
        objects = [v for v in values if isinstance(v, dict)] or [{}]
        return any(node(o) for o in objects)
    return check


def _field(key: str, conditions: list[tuple[bool | None, Test]]) -> Node:
    """A leaf rule: each condition is (exists flag, None) or (None, value test); any one matching is enough."""
    def check(obj: Any) -> bool:
        leaves = [v for v in _values(obj, key) if not isinstance(v, dict | _NotJson)]
        for exists, test in conditions:
            if exists is not None:
                if bool(leaves) == exists:
                    return True
            elif any(test(v) for v in leaves):
                return True
        return False
    return check


def _never(value: Any) -> bool:
    return False


def _compile_value(value: Any, where: str) -> tuple[bool | None, Test]:
    """One entry of a field's array: a literal (null, empty string, equals) or a one-operator object."""
    if value is None or isinstance(value, str | bool | JsonNumber):
        return None, _equals(value)
    if not isinstance(value, dict) or len(value) != 1:
        raise FilterCriteriaError(f'"{where}": {json.dumps(_plain(value))} must be a value or an object with one operator')
    [(name, operand)] = value.items()
    if name == "exists":
        if not isinstance(operand, bool):
            raise FilterCriteriaError(f'"{where}": exists takes true or false')
        return operand, _never
    if name == "anything-but":
        inner = _anything_but(operand, where)
        return None, lambda v: not inner(v)
    if name == "numeric":
        return None, _numeric(operand, where)
    if name == "cidr":
        return None, _cidr(operand, where)
    return None, _string_operator(name, operand, where)


def _equals(literal: Any) -> Test:
    if isinstance(literal, bool) or literal is None:
        return lambda v: v is literal
    if isinstance(literal, JsonNumber):
        return lambda v: isinstance(v, JsonNumber) and v.text == literal.text
    return lambda v: isinstance(v, str) and v == literal


def _string_operator(name: str, operand: Any, where: str) -> Test:
    """prefix and suffix (optionally {"equals-ignore-case": ...}), equals-ignore-case, wildcard: strings only."""
    if name in ("prefix", "suffix"):
        ignore_case = isinstance(operand, dict) and list(operand) == ["equals-ignore-case"]
        text = operand["equals-ignore-case"] if ignore_case else operand
        if not isinstance(text, str):
            raise FilterCriteriaError(f'"{where}": {name} takes a string or {{"equals-ignore-case": "..."}}')
        wanted = text.lower() if ignore_case else text

        def affix(v: Any) -> bool:
            if not isinstance(v, str):
                return False
            value = v.lower() if ignore_case else v
            return value.startswith(wanted) if name == "prefix" else value.endswith(wanted)
        return affix
    if name == "equals-ignore-case":
        if not isinstance(operand, str):
            raise FilterCriteriaError(f'"{where}": equals-ignore-case takes a string')
        folded = operand.lower()
        return lambda v: isinstance(v, str) and v.lower() == folded
    if name == "wildcard":
        if not isinstance(operand, str):
            raise FilterCriteriaError(f'"{where}": wildcard takes a string')
        regex = _wildcard_regex(operand, where)
        return lambda v: isinstance(v, str) and regex.fullmatch(v) is not None
    raise FilterCriteriaError(f'"{where}": unknown operator "{name}"')


def _wildcard_regex(text: str, where: str) -> re.Pattern[str]:
    r"""`*` matches any characters; `\*` is a literal star and `\\` a backslash; `**` is refused."""
    parts, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 == len(text) or text[i + 1] not in "*\\":
                raise FilterCriteriaError(rf'"{where}": wildcard escapes only * and \ (at position {i})')
            parts.append(re.escape(text[i + 1]))
            i += 2
            continue
        if char == "*":
            if text[i + 1:i + 2] == "*":
                raise FilterCriteriaError(f'"{where}": wildcard has consecutive * at position {i}')
            parts.append(".*")
        else:
            parts.append(re.escape(char))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def _anything_but(operand: Any, where: str) -> Test:
    """What anything-but excludes: strings, or numbers (by value), one or a list; or one string operator."""
    if isinstance(operand, dict):
        if len(operand) != 1 or next(iter(operand)) not in ("prefix", "suffix", "equals-ignore-case", "wildcard"):
            raise FilterCriteriaError(f'"{where}": anything-but takes values or one of prefix, suffix, equals-ignore-case, wildcard')
        [(name, inner)] = operand.items()
        if name in ("equals-ignore-case", "wildcard") and isinstance(inner, list) and inner:
            tests = [_string_operator(name, item, where) for item in inner]
            return lambda v: any(test(v) for test in tests)
        if name in ("prefix", "suffix") and not isinstance(inner, str):
            raise FilterCriteriaError(f'"{where}": anything-but {name} takes a string')
        return _string_operator(name, inner, where)
    values = operand if isinstance(operand, list) else [operand]
    if values and all(isinstance(v, str) for v in values):
        excluded = set(values)
        return lambda v: isinstance(v, str) and v in excluded
    if values and all(isinstance(v, JsonNumber) for v in values):
        numbers = {v.value for v in values}
        return lambda v: isinstance(v, JsonNumber) and v.value in numbers
    raise FilterCriteriaError(f'"{where}": anything-but takes a string, a number, or a non-empty list of either')


def _numeric(operand: Any, where: str) -> Test:
    """["=", n], one bound (["<", n]) or a lower and an upper bound ([">", 10, "<=", 20]); JSON numbers only."""
    if (not isinstance(operand, list) or len(operand) not in (2, 4)
            or not all(isinstance(op, str) and op in NUMERIC_OPERATORS for op in operand[::2])
            or not all(isinstance(n, JsonNumber) for n in operand[1::2])):
        raise FilterCriteriaError(f'"{where}": numeric takes [operator, number] or two of them, operators =, <, <=, >, >=')
    ops, numbers = operand[::2], [n.value for n in operand[1::2]]
    if len(ops) == 2:
        lower = [n for op, n in zip(ops, numbers, strict=True) if op in (">", ">=")]
        upper = [n for op, n in zip(ops, numbers, strict=True) if op in ("<", "<=")]
        if len(lower) != 1 or len(upper) != 1 or lower[0] >= upper[0]:
            raise FilterCriteriaError(f'"{where}": a numeric range needs one lower bound (> or >=) below one upper bound (< or <=)')
    bounds = [(NUMERIC_OPERATORS[op], n) for op, n in zip(ops, numbers, strict=True)]
    return lambda v: isinstance(v, JsonNumber) and all(compare(v.value, bound) for compare, bound in bounds)


def _cidr(operand: Any, where: str) -> Test:
    try:
        network = ipaddress.ip_network(operand, strict=False) if isinstance(operand, str) else None
    except ValueError:
        network = None
    if network is None:
        raise FilterCriteriaError(f'"{where}": cidr takes an IP range such as "10.0.0.0/24"')

    def test(v: Any) -> bool:
        try:
            return isinstance(v, str) and ipaddress.ip_address(v) in network
        except ValueError:
            return False
    return test


def _plain(value: Any) -> Any:
    """A parsed pattern value back in plain JSON types, for messages."""
    if isinstance(value, JsonNumber):
        return json.loads(value.text)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value

