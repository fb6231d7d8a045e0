"""Kinesis records as the mapping runner holds them, and in the shape Lambda hands to functions."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

# Bytes a record adds to the invocation payload beyond its base64 data (keys, ARNs, ids).
RECORD_OVERHEAD_BYTES = 512
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024


@dataclass(frozen=True)
class StreamRecord:
    sequence_number: str
    partition_key: str
    data: bytes
    arrival: float  # epoch seconds, Kinesis' ApproximateArrivalTimestamp

    @classmethod
    def from_get_records(cls, record: dict[str, Any]) -> StreamRecord:
        arrival = record["ApproximateArrivalTimestamp"]
        if isinstance(arrival, dt.datetime):
            arrival = arrival.timestamp()
        return cls(record["SequenceNumber"], record["PartitionKey"], record["Data"], float(arrival))

    @property
    def order(self) -> int:
        """Sequence numbers are decimal strings of varying length; compare them as integers."""
        return int(self.sequence_number)

    @property
    def payload_bytes(self) -> int:
        return 4 * ((len(self.data) + 2) // 3) + len(self.partition_key) + RECORD_OVERHEAD_BYTES


def event_record(record: StreamRecord, shard_id: str, stream_arn: str, region: str, role_arn: str) -> dict[str, Any]:
    """One entry of the event's `Records`, as in AWS's documented Kinesis event."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "data": base64.b64encode(record.data).decode(),
            "approximateArrivalTimestamp": record.arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def iso_millis(epoch: float) -> str:
    """Timestamps in on-failure and async invocation records: ISO 8601 UTC with milliseconds."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(epoch * 1000) % 1000:03d}Z"
