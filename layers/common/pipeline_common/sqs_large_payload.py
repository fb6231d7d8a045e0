"""SQS messages too large for SQS, kept whole in S3 as the Amazon SQS Extended Client Library does.

SQS takes at most 262,144 bytes of body and attributes; a Kinesis record is up to 1 MB. A larger
message body is written to S3 and the queue gets the extended client's pointer instead: the body
`["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": …, "s3Key": …}]` and the
Number attribute `ExtendedPayloadSize` (bytes of the stored body). Matching that format exactly
means a consumer using the library (Java or Python) gets the original body without knowing about
this project. This is the writing side, which deployed code needs; the project's readers (the redrive,
the local stack's summary) run outside Lambda and use tools/pipeline_contract/dead_letter.py, kept in
step with this module by tests/unit/pipeline_contract/test_dead_letter_contract.py. The library itself
is not shipped: the format is these few lines.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer"
SIZE_ATTRIBUTE = "ExtendedPayloadSize"
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

