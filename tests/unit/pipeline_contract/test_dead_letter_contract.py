"""The tools' reader of dead-letter messages (pipeline_contract.dead_letter) reads the pointer the writer the
stream processor ships in the common layer (pipeline_common.sqs_large_payload) writes, and only a pointer.
Both against real SQS and S3: tests/integration/functions/test_fn_dead_letter.py."""

from __future__ import annotations

import pytest
from pipeline_common import sqs_large_payload as writer
from pipeline_contract import dead_letter as reader


def test_the_reader_knows_the_class_the_writer_writes_and_the_libraries_legacy_one() -> None:
    assert reader.POINTER_CLASSES == (writer.POINTER_CLASS, "com.amazon.sqs.javamessaging.MessageS3Pointer")


@pytest.mark.parametrize(("bucket", "key"), [
    ("clickstream-archive-1", "dead-letter/clicks/shardId-000000000000/4959033827149025660855969253836157109592.json"),
    ("b", 'odd "key"/with\\escapes'),
])
def test_the_tools_read_the_pointer_the_processor_writes(bucket: str, key: str) -> None:
    body = writer.pointer_body(bucket, key)
    assert reader.s3_pointer(body) == (bucket, key)


@pytest.mark.parametrize(("body", "pointer"), [
    ('{"reason": "oversize", "data": "AAAA"}', None),
    ('["com.amazon.sqs.javamessaging.MessageS3Pointer", {"s3BucketName": "b", "s3Key": "k"}]', ("b", "k")),
    ('["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": "b", "s3Key": "k/1.json"}]', ("b", "k/1.json")),
    ('["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3Key": "k"}]', None),
    ('["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": "b"}]', None),
    ('["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": "b", "s3Key": 1}]', None),
    ('["other", {"s3BucketName": "b", "s3Key": "k"}]', None),
    ("[broken", None),
])
def test_the_reader_decides_what_is_a_pointer(body: str, pointer: tuple[str, str] | None) -> None:
    """Only an extended-client pointer (current or legacy class, both names strings) is read as one."""
    assert reader.s3_pointer(body) == pointer
