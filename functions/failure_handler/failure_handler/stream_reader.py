"""Re-read a failed batch's records from the stream by sequence number.

GetShardIterator(AT_SEQUENCE_NUMBER = start) then GetRecords until a record past `end`: records
of the shard arrive in sequence order, so the range is exactly the batch Lambda gave up on.
Reads stop when the shard is caught up (the end is not there: trimmed, or a closed shard) so a
bad range can never loop until the Lambda timeout. Throttling (5 reads/s per shard, shared with
the event source mapping) is retried with backoff.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline_common.retry import LambdaContext, RetryPolicy, retry_with_backoff

from failure_handler.on_failure import FailedBatch

THROTTLED = {"ProvisionedThroughputExceededException", "LimitExceededException", "ThrottlingException",
             "KMSThrottlingException"}
MAX_EMPTY_READS = 5


def _throttled(error: BaseException) -> bool:
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in THROTTLED


READ_POLICY = RetryPolicy(max_attempts=6, base_delay=0.2, max_delay=2.0, retryable=_throttled)


@dataclass
class ReadResult:
    records: list[dict[str, Any]]
    complete: bool
    note: str


def archived_record(record: dict[str, Any]) -> dict[str, Any]:
    """A GetRecords record as JSON: base64 data, so the archive is byte-exact."""
    arrival = record.get("ApproximateArrivalTimestamp")
    return {
        "sequenceNumber": record["SequenceNumber"],
        "partitionKey": record["PartitionKey"],
        "data": base64.b64encode(record["Data"]).decode(),
        "approximateArrivalTimestamp": arrival.isoformat() if isinstance(arrival, datetime) else arrival,
    }


def read_batch(kinesis: Any, batch: FailedBatch, context: LambdaContext | None = None,
               policy: RetryPolicy = READ_POLICY) -> ReadResult:
    end = int(batch.end_sequence)
    try:
        iterator = retry_with_backoff(lambda: kinesis.get_shard_iterator(
            StreamARN=batch.stream_arn, ShardId=batch.shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=batch.start_sequence)["ShardIterator"], policy, context=context)
    except Exception as error:
        if _throttled(error) or not getattr(error, "response", None):
            raise
        return ReadResult([], False, f"cannot position at {batch.start_sequence}: {error}")
    records: list[dict[str, Any]] = []
    empty_reads = 0
    while iterator:
        page = retry_with_backoff(lambda it=iterator: kinesis.get_records(ShardIterator=it, Limit=10_000, StreamARN=batch.stream_arn),
                                  policy, context=context)
        for record in page["Records"]:
            sequence = int(record["SequenceNumber"])
            if sequence > end:
                return ReadResult(records, True, "range read")
            records.append(archived_record(record))
            if sequence == end:
                return ReadResult(records, True, "range read")
        if not page["Records"]:
            empty_reads += 1
            if page.get("MillisBehindLatest", 0) == 0 or empty_reads >= MAX_EMPTY_READS:
                break
        iterator = page.get("NextShardIterator")
    return ReadResult(records, False, f"end sequence {batch.end_sequence} not found (trimmed or shard closed)")
