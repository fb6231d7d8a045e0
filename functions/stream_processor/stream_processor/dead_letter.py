"""Poison records to the dead-letter SQS queue: whole payload, partition key, sequence number, reason.

A poison record must leave the shard (never retried forever) without being lost, so it is only
counted as handled once SQS has accepted it; entries SQS rejects are retried with backoff and,
if still failing, the caller reports the chunk as not processed so Kinesis redelivers it.
Delivery is at-least-once: `eventID` (shard:sequence) in each message lets consumers deduplicate;
with a FIFO queue it is the MessageDeduplicationId, so SQS drops the duplicates itself.

A message too large for SQS (a Kinesis record is up to 1 MB, an SQS message 256 KiB) is written
whole to S3 first and the queue gets the SQS Extended Client Library's pointer to it
(pipeline_common.sqs_large_payload). The object key is the record's stream, shard and sequence
number, so a redelivered chunk overwrites its objects instead of adding copies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pipeline_common.retry import LambdaContext, RetryPolicy, retry_with_backoff
from pipeline_common.sqs_large_payload import fits_inline, pointer_body, size_attribute

from stream_processor.events import Poison

SQS_BATCH_ENTRIES = 10
SQS_BATCH_BYTES = 262_144
_ENVELOPE_ALLOWANCE = 2_048
DEFAULT_DLQ_POLICY = RetryPolicy(max_attempts=4, base_delay=0.1, max_delay=2.0)


class DeadLetterUnavailable(RuntimeError):
    """SQS (or S3, for a message too large for SQS) did not accept every poison record after retries."""


def dead_letter_message(poison: Poison, record: dict) -> dict[str, Any]:
    """The JSON body for one poison record; the payload is the record's base64 `data`, whole and byte-exact."""
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
        "data": data,
        "dataBase64Chars": len(data),
        "failedAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
    }


def payload_key(prefix: str, record: dict) -> str:
    """{prefix}{stream}/{shard}/{sequence}.json: the same record always gets the same key."""
    stream = str(record.get("eventSourceARN") or "").partition(":stream/")[2].split("/", 1)[0]
    shard = str(record.get("eventID") or "").partition(":")[0]
    sequence = record["kinesis"]["sequenceNumber"]
    return f"{prefix}{stream or 'unknown-stream'}/{shard or 'unknown-shard'}/{sequence}.json"


@dataclass(frozen=True)
class Outgoing:
    """One poison record as sent: the queue's body and attributes, and the S3 object to write first, if any."""

    message: dict[str, Any]
    body: str
    attributes: dict[str, dict[str, str]]
    stored: tuple[str, bytes] | None = None


def message_body(message: dict[str, Any]) -> str:
    """The message as JSON; a string UTF-8 cannot encode (a lone surrogate in an envelope field) is
    written as a JSON escape by the standard library instead of failing the whole dead-letter send."""
    try:
        return orjson.dumps(message).decode()
    except TypeError:
        import json  # only here: the json module costs the cold start a few ms

        return json.dumps(message, ensure_ascii=True)


def outgoing(message: dict[str, Any], record: dict, bucket: str, prefix: str) -> Outgoing:
    """The message inline when it fits in an SQS message, else stored whole at a pointer."""
    body = message_body(message)
    attributes = {"reason": {"DataType": "String", "StringValue": message["reason"]}}
    if fits_inline(body, attributes):
        return Outgoing(message, body, attributes)
    key = payload_key(prefix, record)
    data = body.encode()
    return Outgoing(message, pointer_body(bucket, key), {**attributes, **size_attribute(len(data))}, (key, data))


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


def _entry(index: int, item: Outgoing, fifo: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": str(index), "MessageBody": item.body, "MessageAttributes": item.attributes}
    if fifo:
        event_id = str(item.message["eventID"] or item.message["sequenceNumber"])
        entry["MessageGroupId"] = event_id.split(":", 1)[0][:128]  # the shard: safe characters, shard order
        entry["MessageDeduplicationId"] = event_id[:128]
    return entry


@dataclass(frozen=True)
class PayloadBucket:
    """Where messages too large for SQS are kept: s3://bucket/prefix…, through `s3_client()`."""

    bucket: str
    prefix: str
    s3_client: Callable[[], Any]


class SqsDeadLetter:
    """Sends poison records to `queue_url` with the reason as a message attribute for filtering.

    A standard queue gets its SendMessageBatch calls in parallel (up to PARALLEL_CALLS), so 50
    poison records cost about one round trip, not five; a FIFO queue gets them one after the other,
    which keeps each shard's order.
    """

    PARALLEL_CALLS = 4

    def __init__(self, queue_url: str, sqs_client: Callable[[], Any], payloads: PayloadBucket,
                 policy: RetryPolicy = DEFAULT_DLQ_POLICY) -> None:
        self.queue_url = queue_url
        self._sqs = sqs_client
        self.payloads = payloads
        self.policy = policy
        self._calls: Any = None  # the thread pool of parallel calls, created on the first batch that needs it

    def _send_groups(self, groups: list[list[dict[str, Any]]]) -> tuple[set[int], BaseException | None]:
        """Ids SQS accepted, and the first error of a call that failed (the other calls still count)."""
        def call(entries: list[dict[str, Any]]) -> Any:
            return self._sqs().send_message_batch(QueueUrl=self.queue_url, Entries=entries)

        if len(groups) > 1 and not self.queue_url.endswith(".fifo"):
            if self._calls is None:
                from concurrent.futures import ThreadPoolExecutor

                self._calls = ThreadPoolExecutor(max_workers=self.PARALLEL_CALLS, thread_name_prefix="sqs")
            futures = [self._calls.submit(call, entries) for entries in groups]
            outcomes = [(f.result(), None) if f.exception() is None else (None, f.exception()) for f in futures]
        else:
            outcomes = []
            for entries in groups:
                try:
                    outcomes.append((call(entries), None))
                except Exception as error:
                    outcomes.append((None, error))
                    break
        accepted = {int(ok["Id"]) for response, _ in outcomes if response for ok in response.get("Successful", [])}
        return accepted, next((error for _, error in outcomes if error is not None), None)

    def send(self, poison: Sequence[Poison], records: Sequence[dict], context: LambdaContext | None = None) -> int:
        """Deliver every poison record or raise DeadLetterUnavailable; returns how many were sent."""
        if not poison:
            return 0
        items = [outgoing(dead_letter_message(p, records[p.index]), records[p.index],
                          self.payloads.bucket, self.payloads.prefix) for p in poison]
        fifo = self.queue_url.endswith(".fifo")
        pending = set(range(len(items)))
        unstored = [item.stored for item in items if item.stored is not None]

        def attempt() -> None:
            while unstored:  # the objects first: a pointer must never name a missing object
                key, data = unstored[-1]
                self.payloads.s3_client().put_object(Bucket=self.payloads.bucket, Key=key, Body=data,
                                                     ContentType="application/json")
                unstored.pop()
            order = sorted(pending)
            groups = [[_entry(order[g], items[order[g]], fifo) for g in group]
                      for group in _batches([items[i].body for i in order])]
            accepted, error = self._send_groups(groups)
            pending.difference_update(accepted)
            if error is not None:
                raise error
            if pending:
                raise DeadLetterUnavailable(f"SQS rejected {len(pending)} poison record(s) for {self.queue_url}")

        try:
            retry_with_backoff(attempt, self.policy, context=context)
        except Exception as error:
            raise DeadLetterUnavailable(f"dead-letter queue {self.queue_url} unavailable: {error}") from error
        return len(items)
