"""Poison records to the dead-letter SQS queue: raw payload, partition key, sequence number, reason.

A poison record must leave the shard (never retried forever) without being lost, so it is only
counted as handled once SQS has accepted it; entries SQS rejects are retried with backoff and,
if still failing, the caller reports the chunk as not processed so Kinesis redelivers it.
Delivery is at-least-once: `eventID` (shard:sequence) in each message lets consumers deduplicate;
with a FIFO queue it is the MessageDeduplicationId, so SQS drops the duplicates itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from pipeline_common.retry import LambdaContext, RetryPolicy, retry_with_backoff

from stream_processor.events import Poison

SQS_BATCH_ENTRIES = 10
SQS_BATCH_BYTES = 262_144
MAX_INLINE_DATA_CHARS = 200_000
_ENVELOPE_ALLOWANCE = 2_048
DEFAULT_DLQ_POLICY = RetryPolicy(max_attempts=4, base_delay=0.1, max_delay=2.0)


class DeadLetterUnavailable(RuntimeError):
    """SQS did not accept every poison record after retries."""


def dead_letter_message(poison: Poison, record: dict) -> dict[str, Any]:
    """The JSON body for one poison record; the payload is the record's base64 `data`, byte-exact."""
    kinesis = record["kinesis"]
    data = kinesis.get("data", "")
    return {
        "reason": poison.reason,
        "detail": poison.detail[:1_000],
        "eventID": record.get("eventID"),
        "eventSourceARN": record.get("eventSourceARN"),
        "partitionKey": kinesis.get("partitionKey"),
        "sequenceNumber": kinesis.get("sequenceNumber"),
        "approximateArrivalTimestamp": kinesis.get("approximateArrivalTimestamp"),
        "data": data[:MAX_INLINE_DATA_CHARS],
        "dataTruncated": len(data) > MAX_INLINE_DATA_CHARS,
        "dataBase64Chars": len(data),
        "failedAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }


def _batches(bodies: Sequence[str]) -> list[list[int]]:
    """Indexes of `bodies` grouped into SendMessageBatch calls within SQS's count and size limits."""
    groups: list[list[int]] = []
    size = 0
    for index, body in enumerate(bodies):
        cost = len(body.encode()) + _ENVELOPE_ALLOWANCE
        if not groups or len(groups[-1]) == SQS_BATCH_ENTRIES or size + cost > SQS_BATCH_BYTES:
            groups.append([])
            size = 0
        groups[-1].append(index)
        size += cost
    return groups


def _entry(index: int, body: str, message: dict[str, Any], fifo: bool) -> dict[str, Any]:
    entry = {"Id": str(index), "MessageBody": body,
             "MessageAttributes": {"reason": {"DataType": "String", "StringValue": message["reason"]}}}
    if fifo:
        event_id = str(message["eventID"] or message["sequenceNumber"])
        entry["MessageGroupId"] = event_id.split(":", 1)[0][:128]  # the shard: safe characters, shard order
        entry["MessageDeduplicationId"] = event_id[:128]
    return entry


class SqsDeadLetter:
    """Sends poison records to `queue_url` with the reason as a message attribute for filtering."""

    def __init__(self, queue_url: str, sqs_client: Callable[[], Any], policy: RetryPolicy = DEFAULT_DLQ_POLICY) -> None:
        self.queue_url = queue_url
        self._sqs = sqs_client
        self.policy = policy

    def send(self, poison: Sequence[Poison], records: Sequence[dict], context: LambdaContext | None = None) -> int:
        """Deliver every poison record or raise DeadLetterUnavailable; returns how many were sent."""
        if not poison:
            return 0
        messages = [dead_letter_message(p, records[p.index]) for p in poison]
        bodies = [orjson.dumps(m).decode() for m in messages]
        fifo = self.queue_url.endswith(".fifo")
        pending = set(range(len(bodies)))

        def attempt() -> None:
            order = sorted(pending)
            for group in _batches([bodies[i] for i in order]):
                ids = [order[g] for g in group]
                response = self._sqs().send_message_batch(QueueUrl=self.queue_url, Entries=[
                    _entry(i, bodies[i], messages[i], fifo) for i in ids])
                for ok in response.get("Successful", []):
                    pending.discard(int(ok["Id"]))
            if pending:
                raise DeadLetterUnavailable(f"SQS rejected {len(pending)} poison record(s) for {self.queue_url}")

        try:
            retry_with_backoff(attempt, self.policy, context=context)
        except Exception as error:
            raise DeadLetterUnavailable(f"dead-letter queue {self.queue_url} unavailable: {error}") from error
        return len(bodies)
