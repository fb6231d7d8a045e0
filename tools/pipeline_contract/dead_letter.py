"""The dead-letter queue's messages as the tools read them: a poison record's JSON inline, or the
SQS Extended Client Library's pointer to that JSON in S3 when it is too large for SQS.

The stream processor writes them with the common layer's `pipeline_common.sqs_large_payload`,
which deployed code must carry itself; this is the tools' reader of the same format.
tests/unit/pipeline_contract/test_dead_letter_contract.py keeps the two in step.
"""

from __future__ import annotations

import json
from typing import Any

POINTER_CLASSES = ("software.amazon.payloadoffloading.PayloadS3Pointer", "com.amazon.sqs.javamessaging.MessageS3Pointer")


def s3_pointer(body: str) -> tuple[str, str] | None:
    """(bucket, key) when `body` is an extended-client pointer, else None (an inline message is a JSON object)."""
    if not body.startswith("["):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if (isinstance(parsed, list) and len(parsed) == 2 and parsed[0] in POINTER_CLASSES and isinstance(parsed[1], dict)
            and isinstance(parsed[1].get("s3BucketName"), str) and isinstance(parsed[1].get("s3Key"), str)):
        return parsed[1]["s3BucketName"], parsed[1]["s3Key"]
    return None


def poison_message(body: str, s3: Any) -> dict[str, Any]:
    """The poison record's message (reason, eventID, whole base64 `data`, …), following a pointer with `s3` (boto3)."""
    pointer = s3_pointer(body)
    if pointer is not None:
        bucket, key = pointer
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    message: dict[str, Any] = json.loads(body)
    return message
