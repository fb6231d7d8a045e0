"""SQS messages too large for SQS, kept whole in S3 as the Amazon SQS Extended Client Library does.

SQS takes at most 262,144 bytes of body and attributes; a Kinesis record is up to 1 MB. A larger
message body is written to S3 and the queue gets the extended client's pointer instead: the body
`["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": …, "s3Key": …}]` and the
Number attribute `ExtendedPayloadSize` (bytes of the stored body). Matching that format exactly
means a consumer using the library (Java or Python) gets the original body without knowing about
this project, and this project's readers resolve it with `read_body`. The library itself is not shipped: the
format is these few lines, and its receive side (rewritten receipt handles) is not needed here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer"
LEGACY_POINTER_CLASS = "com.amazon.sqs.javamessaging.MessageS3Pointer"
SIZE_ATTRIBUTE = "ExtendedPayloadSize"
LEGACY_SIZE_ATTRIBUTE = "SQSLargePayloadSize"
SQS_MESSAGE_BYTES = 262_144


def attributes_bytes(attributes: Mapping[str, Mapping[str, str]]) -> int:
    """What SQS counts of the message attributes: name, data type and value of each."""
    return sum(len(name.encode()) + sum(len(str(part).encode()) for part in value.values())
               for name, value in attributes.items())


def fits_inline(body: str, attributes: Mapping[str, Mapping[str, str]]) -> bool:
    return len(body.encode()) + attributes_bytes(attributes) <= SQS_MESSAGE_BYTES


def pointer_body(bucket: str, key: str) -> str:
    """The queue's body for a body stored at s3://bucket/key."""
    return json.dumps([POINTER_CLASS, {"s3BucketName": bucket, "s3Key": key}])


def size_attribute(stored_bytes: int) -> dict[str, dict[str, str]]:
    return {SIZE_ATTRIBUTE: {"DataType": "Number", "StringValue": str(stored_bytes)}}


def s3_pointer(body: str) -> tuple[str, str] | None:
    """(bucket, key) when `body` is an extended-client pointer (current or legacy class), else None."""
    if not body.startswith("["):
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if (isinstance(parsed, list) and len(parsed) == 2 and parsed[0] in (POINTER_CLASS, LEGACY_POINTER_CLASS)
            and isinstance(parsed[1], dict) and isinstance(parsed[1].get("s3BucketName"), str)
            and isinstance(parsed[1].get("s3Key"), str)):
        return parsed[1]["s3BucketName"], parsed[1]["s3Key"]
    return None


def read_body(body: str, s3: Any) -> str:
    """The message's original body: `body` itself, or the S3 object a pointer names (`s3`: a boto3 client)."""
    pointer = s3_pointer(body)
    if pointer is None:
        return body
    bucket, key = pointer
    data: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return data.decode()
