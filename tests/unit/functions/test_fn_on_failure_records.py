"""The failure handler refuses, by name, a message that is not a Kinesis on-failure record."""

from __future__ import annotations

import orjson
import pytest
from failure_handler.on_failure import NotAnOnFailureRecord, parse_event


@pytest.mark.parametrize("event, problem", [
    ({"Records": [{"Sns": {"Message": "not json"}}]}, "not JSON"),
    ({"Records": [{"Sns": {"Message": '{"requestContext": {}}'}}]}, "no KinesisBatchInfo"),
    ({"Records": [{"Sns": {"Message": orjson.dumps({"KinesisBatchInfo": {
        "shardId": "s", "startSequenceNumber": "9", "endSequenceNumber": "1",
        "streamArn": "arn:aws:kinesis:us-east-1:1:stream/x"}}).decode()}}]}, "range is invalid"),
    ({"Records": []}, "no Records"),
])
def test_messages_that_are_not_on_failure_records_are_rejected(event, problem):
    with pytest.raises(NotAnOnFailureRecord, match=problem):
        parse_event(event)
