"""Parse the on-failure records Lambda sends for a Kinesis event source mapping.

Lambda publishes one JSON document per failed batch to the on-failure destination; behind SNS it
arrives as the `Message` string of an SNS notification. It names the shard and the sequence
number range, never the records themselves:

  {"requestContext": {"requestId", "functionArn", "condition", "approximateInvokeCount"},
   "responseContext": {"statusCode", "executedVersion", "functionError"},
   "version": "1.0", "timestamp": "...",
   "KinesisBatchInfo": {"shardId", "startSequenceNumber", "endSequenceNumber",
                        "approximateArrivalOfFirstRecord", "approximateArrivalOfLastRecord",
                        "batchSize", "streamArn"}}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


class NotAnOnFailureRecord(ValueError):
    """The message is not a Kinesis on-failure record; retrying cannot fix it."""


@dataclass(frozen=True)
class FailedBatch:
    stream_arn: str
    shard_id: str
    start_sequence: str
    end_sequence: str
    batch_size: int
    condition: str | None
    message: dict[str, Any]

    @property
    def stream_name(self) -> str:
        return self.stream_arn.split(":stream/", 1)[1]

    @property
    def region(self) -> str:
        return self.stream_arn.split(":")[3]


def parse_message(message: dict[str, Any]) -> FailedBatch:
    info = message.get("KinesisBatchInfo")
    if not isinstance(info, dict):
        raise NotAnOnFailureRecord("message has no KinesisBatchInfo; is this destination fed by a Kinesis event source mapping?")
    try:
        stream_arn = str(info["streamArn"])
        if ":stream/" not in stream_arn or stream_arn.count(":") < 5:
            raise NotAnOnFailureRecord(f"KinesisBatchInfo.streamArn is not a Kinesis stream ARN: {stream_arn!r}")
        start, end = str(info["startSequenceNumber"]), str(info["endSequenceNumber"])
        if not (start.isdigit() and end.isdigit()) or int(start) > int(end):
            raise NotAnOnFailureRecord(f"KinesisBatchInfo sequence range is invalid: {start!r}..{end!r}")
        return FailedBatch(
            stream_arn=stream_arn,
            shard_id=str(info["shardId"]),
            start_sequence=start,
            end_sequence=end,
            batch_size=int(info.get("batchSize") or 0),
            condition=(message.get("requestContext") or {}).get("condition"),
            message=message,
        )
    except KeyError as missing:
        raise NotAnOnFailureRecord(f"KinesisBatchInfo.{missing.args[0]} is missing") from None


def parse_event(event: dict[str, Any]) -> list[FailedBatch]:
    """Every failed batch in an SNS (or SQS) event; a bare on-failure document is accepted too."""
    if "KinesisBatchInfo" in event:
        return [parse_message(event)]
    batches = []
    for record in event.get("Records") or []:
        if "Sns" in record:
            body = record["Sns"].get("Message", "")
        elif "body" in record:
            body = record["body"]
        else:
            raise NotAnOnFailureRecord("record is neither an SNS notification nor an SQS message")
        try:
            message = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise NotAnOnFailureRecord(f"notification message is not JSON: {error}") from None
        batches.append(parse_message(message))
    if not batches:
        raise NotAnOnFailureRecord("event has no Records; expected an SNS notification of a Kinesis on-failure record")
    return batches
