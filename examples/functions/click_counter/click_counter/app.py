"""Counts the clicks of each Kinesis batch by one field and logs the counts as one JSON line.

The pipeline module's contract, in the fewest lines: a record that is not a JSON object with the
GROUP_BY field (default "page") is poison. It goes to the dead-letter queue (DLQ_URL) with its
reason, or, too large for an SQS message, to the archive bucket (DLQ_PAYLOAD_BUCKET under
DLQ_PAYLOAD_PREFIX) with a pointer in the queue. It is never retried: retrying cannot fix it,
and the rest of the batch must not wait behind it. A failure to reach SQS or S3 raises, so the
mapping retries the batch (bisecting it) and finally hands its description to the on-failure
destination: nothing is dropped silently.
"""

from __future__ import annotations

import base64
import json
import os
from collections import Counter
from typing import Any

import boto3

GROUP_BY = os.environ.get("GROUP_BY", "page")
SQS_LIMIT = 200 * 1024  # below SQS's 256 KiB message limit, leaving room for the reason and metadata
_clients: dict[str, Any] = {}


def _client(service: str) -> Any:
    if service not in _clients:
        _clients[service] = boto3.client(service)
    return _clients[service]


def _group(data: bytes) -> str | None:
    try:
        click = json.loads(data)
    except ValueError:
        return None
    value = click.get(GROUP_BY) if isinstance(click, dict) else None
    return str(value) if value is not None else None


def _dead_letter(record: dict[str, Any], reason: str) -> None:
    kinesis = record["kinesis"]
    message: dict[str, Any] = {"reason": reason, "event_source_arn": record.get("eventSourceARN"),
                               "partition_key": kinesis["partitionKey"], "sequence_number": kinesis["sequenceNumber"]}
    if len(kinesis["data"]) <= SQS_LIMIT:
        message["data"] = kinesis["data"]
    else:
        key = f"{os.environ['DLQ_PAYLOAD_PREFIX']}{kinesis['sequenceNumber']}"
        _client("s3").put_object(Bucket=os.environ["DLQ_PAYLOAD_BUCKET"], Key=key, Body=base64.b64decode(kinesis["data"]))
        message["data_s3"] = {"bucket": os.environ["DLQ_PAYLOAD_BUCKET"], "key": key}
    _client("sqs").send_message(QueueUrl=os.environ["DLQ_URL"], MessageBody=json.dumps(message))


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    counts: Counter[str] = Counter()
    poison = 0
    for record in event["Records"]:
        group = _group(base64.b64decode(record["kinesis"]["data"]))
        if group is None:
            _dead_letter(record, f"not a JSON object with a {GROUP_BY!r} field")
            poison += 1
        else:
            counts[group] += 1
    print(json.dumps({"clicks_by": GROUP_BY, "counts": dict(counts), "poison": poison}))
    return {"batchItemFailures": []}
