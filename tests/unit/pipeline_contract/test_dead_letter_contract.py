"""The tools' reader of dead-letter messages (pipeline_contract.dead_letter) and the writer the stream
processor ships in the common layer (pipeline_common.sqs_large_payload) agree on the pointer format.
Both against real SQS and S3: tests/integration/functions/test_fn_dead_letter.py."""

from __future__ import annotations

import pytest
from pipeline_common import sqs_large_payload as writer
from pipeline_contract import dead_letter as reader


def test_both_know_the_same_pointer_classes() -> None:
    assert reader.POINTER_CLASSES == (writer.POINTER_CLASS, writer.LEGACY_POINTER_CLASS)


@pytest.mark.parametrize(("bucket", "key"), [
    ("clickstream-archive-1", "dead-letter/clicks/shardId-000000000000/4959033827149025660855969253836157109592.json"),
    ("b", 'odd "key"/with\\escapes'),
])
def test_the_tools_read_the_pointer_the_processor_writes(bucket: str, key: str) -> None:
    body = writer.pointer_body(bucket, key)
    assert reader.s3_pointer(body) == writer.s3_pointer(body) == (bucket, key)


@pytest.mark.parametrize("body", [
    '{"reason": "oversize", "data": "AAAA"}',
    '["com.amazon.sqs.javamessaging.MessageS3Pointer", {"s3BucketName": "b", "s3Key": "k"}]',
    '["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3Key": "k"}]',
    '["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": "b", "s3Key": 1}]',
    '["other", {"s3BucketName": "b", "s3Key": "k"}]',
    "[broken",
])
def test_both_decide_alike_what_is_a_pointer(body: str) -> None:
    assert reader.s3_pointer(body) == writer.s3_pointer(body)
