"""Lambda event filtering for Kinesis, checked against the examples AWS documents.

Operators: the comparison-operator table of "Control which events Lambda sends to your function"
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html#filtering-syntax) and the
EventBridge table it refers to (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
Kinesis: "Using event filtering with a Kinesis event source"
(https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from local_stack.esm.event_filter import MAX_PATTERN_CHARS, FilterCriteriaError, compile_pattern, mapping_filter
from local_stack.esm.kinesis_records import StreamRecord


def record(data: bytes | dict[str, Any], partition_key: str = "1", sequence_number: str = "49590338271490256608559692538361571095921575989136588898") -> StreamRecord:
    payload = data if isinstance(data, bytes) else json.dumps(data).encode()
    return StreamRecord(sequence_number, partition_key, payload, 1545084650.987)


def keeps(patterns: list[dict[str, Any]], rec: StreamRecord) -> bool:
    """Whether a mapping with these filter patterns delivers the record."""
    event_filter = mapping_filter({"UUID": "u", "FilterCriteria": {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}})
    assert event_filter is not None
    return event_filter.keeps(rec)


def data_matches(rule: dict[str, Any], data: bytes | dict[str, Any]) -> bool:
    return keeps([{"data": rule}], record(data))


# (operator, rule on data, payloads it matches, payloads it does not): the documented examples, with their near misses.
OPERATORS = [
    ("null", {"UserID": [None]}, [{"UserID": None}], [{"UserID": ""}, {"UserID": "null"}, {}]),
    ("empty", {"LastName": [""]}, [{"LastName": ""}], [{"LastName": None}, {"LastName": " "}, {}]),
    ("equals", {"Name": ["Alice"]}, [{"Name": "Alice"}, {"Name": ["Bob", "Alice"]}], [{"Name": "alice"}, {"Name": "Alice "}, {}]),
    ("equals-ignore-case", {"Name": [{"equals-ignore-case": "alice"}]}, [{"Name": "Alice"}, {"Name": "ALICE"}],
     [{"Name": "Alicia"}, {"Name": 1}]),
    ("and", {"Location": ["New York"], "Day": ["Monday"]}, [{"Location": "New York", "Day": "Monday"}],
     [{"Location": "New York", "Day": "Tuesday"}, {"Location": "New York"}]),
    ("or", {"PaymentType": ["Credit", "Debit"]}, [{"PaymentType": "Credit"}, {"PaymentType": "Debit"}], [{"PaymentType": "Cash"}]),
    ("or across fields ($or)", {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
     [{"Location": "New York", "Day": "Sunday"}, {"Location": "Paris", "Day": "Monday"}], [{"Location": "Paris", "Day": "Sunday"}]),
    ("not (anything-but)", {"Weather": [{"anything-but": ["Raining"]}]}, [{"Weather": "Sunny"}, {"Weather": 7}],
     [{"Weather": "Raining"}, {}]),
    ("anything-but a number", {"Price": [{"anything-but": [100, 500]}]}, [{"Price": 101}, {"Price": 100.1}],
     [{"Price": 100}, {"Price": 500.0}]),
    ("anything-but prefix", {"Region": [{"anything-but": {"prefix": "us-"}}]}, [{"Region": "eu-west-1"}], [{"Region": "us-east-1"}]),
    ("anything-but suffix", {"FileName": [{"anything-but": {"suffix": ".png"}}]}, [{"FileName": "a.jpg"}], [{"FileName": "a.png"}]),
    ("anything-but ignore case", {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}, [{"state": "running"}],
     [{"state": "INITIALIZING"}, {"state": "initializing"}]),
    ("anything-but wildcard", {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}, [{"FilePath": "src/app.py"}],
     [{"FilePath": "src/lib/util.py"}]),
    ("numeric equals", {"Price": [{"numeric": ["=", 100]}]}, [{"Price": 100}, {"Price": 100.0}, {"Price": 1e2}],
     [{"Price": "100"}, {"Price": 100.5}, {"Price": True}]),
    ("numeric range", {"Price": [{"numeric": [">", 10, "<=", 20]}]}, [{"Price": 20}, {"Price": 10.5}],
     [{"Price": 10}, {"Price": 20.01}, {"Price": "15"}]),
    ("exists", {"ProductName": [{"exists": True}]}, [{"ProductName": "Lamp"}, {"ProductName": None}], [{}, {"ProductName": []}]),
    ("does not exist", {"ProductName": [{"exists": False}]}, [{}, {"Other": 1}], [{"ProductName": "Lamp"}]),
    ("begins with", {"Region": [{"prefix": "us-"}]}, [{"Region": "us-east-1"}], [{"Region": "eu-west-1"}, {"Region": "US-east-1"}]),
    ("begins with, ignoring case", {"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}, [{"service": "EventBridge"}],
     [{"service": "Lambda"}]),
    ("ends with", {"FileName": [{"suffix": ".png"}]}, [{"FileName": "image.png"}], [{"FileName": "image.PNG"}, {"FileName": "png.jpg"}]),
    ("ends with, ignoring case", {"service": [{"suffix": {"equals-ignore-case": "tbridge"}}]}, [{"service": "EVENTBRIDGE"}],
     [{"service": "bridges"}]),
    ("wildcard", {"FileName": [{"wildcard": "dir/*.png"}]}, [{"FileName": "dir/image.png"}, {"FileName": "dir/a/b.png"}],
     [{"FileName": "other/image.png"}, {"FileName": "dir/image.png.txt"}]),
    ("wildcard escapes", {"Path": [{"wildcard": "a\\*b*"}]}, [{"Path": "a*bc"}], [{"Path": "axbc"}]),
    ("cidr", {"source-ip": [{"cidr": "10.0.0.0/24"}]}, [{"source-ip": "10.0.0.255"}], [{"source-ip": "10.0.1.1"}, {"source-ip": "x"}]),
]


@pytest.mark.parametrize(("rule", "matching", "missing"), [case[1:] for case in OPERATORS], ids=[case[0] for case in OPERATORS])
def test_each_documented_operator_matches_its_example_and_nothing_else(rule: dict[str, Any], matching: list[dict[str, Any]],
                                                                      missing: list[dict[str, Any]]) -> None:
    assert [data_matches(rule, d) for d in matching] == [True] * len(matching)
    assert [data_matches(rule, d) for d in missing] == [False] * len(missing)


def test_numbers_match_by_their_json_text_as_lambda_documents() -> None:
    """"For numbers, Lambda also uses string representation. For example, 300, 300.0, and 3.0e2 are not considered equal."""
    rule = {"Price": [300]}
    assert data_matches(rule, b'{"Price": 300}')
    assert not data_matches(rule, b'{"Price": 300.0}')
    assert not data_matches(rule, b'{"Price": 3.0e2}')
    assert not data_matches(rule, b'{"Price": "300"}')
    assert not data_matches({"Flag": [1]}, b'{"Flag": true}'), "true is not the number 1"
    assert data_matches({"Flag": [True]}, b'{"Flag": true}')


def test_the_documented_kinesis_order_example() -> None:
    pattern = {"data": {"order": {"type": ["buy"]}}}
    assert keeps([pattern], record({"record": 12345, "order": {"type": "buy", "stock": "ANYCO", "quantity": 1000}}))
    assert not keeps([pattern], record({"record": 12346, "order": {"type": "sell", "stock": "ANYCO", "quantity": 1000}}))


def test_metadata_and_data_properties_together() -> None:
    """The filtering example: a given partitionKey (metadata) and Location "Los Angeles" (data)."""
    pattern = {"partitionKey": ["1"], "data": {"Location": ["Los Angeles"]}}
    assert keeps([pattern], record({"Location": "Los Angeles"}, partition_key="1"))
    assert not keeps([pattern], record({"Location": "Los Angeles"}, partition_key="2"))
    assert not keeps([pattern], record({"Location": "Seattle"}, partition_key="1"))
    numeric = {"data": {"Temperature": [{"numeric": [">", 50, "<=", 60]}]}}
    assert keeps([numeric], record({"Temperature": 55}))
    assert not keeps([numeric], record({"Temperature": "55"})), "the documented record holds a string: numeric never matches it"


def test_other_metadata_properties_can_be_matched() -> None:
    rec = record({"any": 1}, partition_key="user-7", sequence_number="4959")
    assert keeps([{"sequenceNumber": ["4959"], "kinesisSchemaVersion": ["1.0"]}], rec)
    assert keeps([{"approximateArrivalTimestamp": [{"numeric": [">", 1545084650, "<", 1545084651]}]}], rec)
    assert not keeps([{"partitionKey": [{"prefix": "admin-"}]}], rec)


def test_filters_are_ored_and_a_record_matching_none_is_dropped() -> None:
    patterns = [{"data": {"type": ["click"]}}, {"partitionKey": ["vip"]}, {"data": {"amount": [{"numeric": [">=", 1000]}]}}]
    assert keeps(patterns, record({"type": "click"}))
    assert keeps(patterns, record({"type": "view"}, partition_key="vip"))
    assert keeps(patterns, record({"type": "view", "amount": 1000}))
    assert not keeps(patterns, record({"type": "view", "amount": 999}))


def test_nested_objects_arrays_and_intermediate_nodes() -> None:
    assert data_matches({"a": {"b": ["x"]}}, {"a": [{"b": "y"}, {"b": "x"}]}), "each object of an array is tried"
    assert not data_matches({"a": {"b": ["x"], "c": ["y"]}}, {"a": [{"b": "x"}, {"c": "y"}]}), "fields must match in one element"
    assert data_matches({"a": {"b": [{"exists": False}]}}, {}), "a missing parent leaves the field missing"
    assert not data_matches({"a": [{"exists": True}]}, {"a": {"b": 1}}), "exists only sees leaf values, not objects"


@pytest.mark.parametrize(("data", "pattern", "delivered"), [
    # The table of the "Properly filtering Kinesis messages" section: data format x pattern format.
    ({"City": "Seattle"}, {"data": {"City": ["Seattle"]}}, True),  # JSON data, JSON pattern: filtered on the data
    ({"City": "Seattle"}, {"partitionKey": ["1"]}, True),  # JSON data, no data pattern: metadata only
    (b"City=Seattle", {"data": {"City": ["Seattle"]}}, False),  # non-JSON data, JSON pattern: dropped
    (b"City=Seattle", {"data": {"City": [{"exists": False}]}}, False),  # dropped even when the pattern would hold for {}
    (b"City=Seattle", {"partitionKey": ["1"]}, True),  # non-JSON data, no data pattern: metadata only
    (b"City=Seattle", {"partitionKey": ["2"]}, False),
    (b"\xff\xfe not utf-8", {"partitionKey": ["1"]}, True),
    (b"\xff\xfe not utf-8", {"$or": [{"data": {"a": ["1"]}}, {"partitionKey": ["1"]}]}, True),
    (b"NaN", {"data": {"a": [{"exists": False}]}}, False),  # NaN is not JSON
])
def test_data_is_matched_as_json_only_when_it_is_json(data: bytes | dict[str, Any], pattern: dict[str, Any], delivered: bool) -> None:
    assert keeps([pattern], record(data)) is delivered


def test_a_mapping_without_filter_criteria_has_no_filter() -> None:
    assert mapping_filter({"UUID": "u"}) is None
    assert mapping_filter({"UUID": "u", "FilterCriteria": {}}) is None
    assert mapping_filter({"UUID": "u", "FilterCriteria": {"Filters": []}}) is None


def criteria(*patterns: str) -> dict[str, Any]:
    return {"UUID": "uuid-1", "FilterCriteria": {"Filters": [{"Pattern": p} for p in patterns]}}


@pytest.mark.parametrize(("pattern", "reason"), [
    ('{"data": ["plain text"]}', '"data" must be an object pattern'),
    ('{"$or": [{"data": "x"}, {"a": ["1"]}]}', '"data" must be an object pattern'),
    ("{'a': ['1']}", "the pattern is not JSON"),
    ('["a"]', "the pattern must be a JSON object"),
    ('{"a": []}', '"a" must be an object or a non-empty array'),
    ('{"a": "x"}', '"a" must be an object or a non-empty array'),
    ('{"data": {"a": [{"contains": "x"}]}}', '"data.a": unknown operator "contains"'),
    ('{"a": [{"prefix": "x", "suffix": "y"}]}', "must be a value or an object with one operator"),
    ('{"a": [{"numeric": ["!", 1]}]}', "numeric takes [operator, number]"),
    ('{"a": [{"numeric": [">", "1"]}]}', "numeric takes [operator, number]"),
    ('{"a": [{"numeric": [">", 20, "<", 10]}]}', "a numeric range needs one lower bound"),
    ('{"a": [{"numeric": [">", 1, ">", 2]}]}', "a numeric range needs one lower bound"),
    ('{"a": [{"exists": "yes"}]}', "exists takes true or false"),
    ('{"a": [{"anything-but": []}]}', "anything-but takes a string, a number"),
    ('{"a": [{"anything-but": ["x", 1]}]}', "anything-but takes a string, a number"),
    ('{"a": [{"anything-but": {"numeric": [">", 1]}}]}', "anything-but takes values or one of"),
    ('{"a": [{"wildcard": "a**b"}]}', "consecutive * at position 1"),
    ('{"a": [{"wildcard": "a\\\\qb"}]}', "wildcard escapes only"),
    ('{"a": [{"cidr": "10.0.0.0/33"}]}', "cidr takes an IP range"),
    ('{"$or": [{"a": ["1"]}]}', '"$or" must be an array of at least two'),
    ('{"a": [NaN]}', "the pattern is not JSON"),
])
def test_malformed_patterns_are_refused_in_one_line_naming_the_mapping_and_filter(pattern: str, reason: str) -> None:
    with pytest.raises(FilterCriteriaError) as refused:
        mapping_filter(criteria('{"ok": ["1"]}', pattern))
    message = str(refused.value)
    assert message.startswith("event source mapping uuid-1: filter 2: ") and "\n" not in message
    assert reason in message
    assert message.endswith("#filtering-syntax")


def test_pattern_size_and_filter_count_limits() -> None:
    def of_length(n: int) -> str:
        pattern = '{"a": ["' + "x" * (n - len('{"a": [""]}')) + '"]}'
        assert len(pattern) == n
        return pattern
    assert mapping_filter(criteria(of_length(MAX_PATTERN_CHARS))) is not None
    with pytest.raises(FilterCriteriaError, match=f"the pattern has {MAX_PATTERN_CHARS + 1} characters, over the limit of {MAX_PATTERN_CHARS}"):
        mapping_filter(criteria(of_length(MAX_PATTERN_CHARS + 1)))
    five, six = criteria(*['{"a": ["1"]}'] * 5), criteria(*['{"a": ["1"]}'] * 6)
    assert mapping_filter(five) is not None
    with pytest.raises(FilterCriteriaError, match="FilterCriteria has 6 filters, over the quota of 5"):
        mapping_filter(six)
    assert mapping_filter(criteria(*['{"a": ["1"]}'] * 10), quota=10) is not None
    with pytest.raises(FilterCriteriaError, match="has 11 filters, over the quota of 10"):
        mapping_filter(criteria(*['{"a": ["1"]}'] * 11), quota=10)
    with pytest.raises(FilterCriteriaError, match="a filter quota of 11 is not possible on AWS; use 1 to 10"):
        mapping_filter(five, quota=11)
    with pytest.raises(FilterCriteriaError, match="filter 1: the filter has no Pattern"):
        mapping_filter({"UUID": "u", "FilterCriteria": {"Filters": [{}]}})


def test_compiled_patterns_match_parsed_events_directly() -> None:
    """compile_pattern is the unit the runner keeps per filter; it takes the fields record_fields builds."""
    node = compile_pattern('{"partitionKey": [{"prefix": "user-"}]}')
    assert node({"partitionKey": "user-1"}) and not node({"partitionKey": "admin"})
