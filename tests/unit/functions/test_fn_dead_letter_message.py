"""The dead-letter message's shape: the whole payload inline while it fits in an SQS message, else the
SQS Extended Client Library's pointer to the whole message in S3 under a key fixed by the record.
Sent to real SQS and S3: tests/integration/functions/test_fn_dead_letter.py."""

from __future__ import annotations

import base64
import json

import orjson
from kinesis_events import kinesis_event
from pipeline_common.sqs_large_payload import SQS_MESSAGE_BYTES, attributes_bytes
from stream_processor.dead_letter import dead_letter_message, outgoing, payload_key
from stream_processor.events import Poison

RECORD = kinesis_event([b"x"], stream="clicks", shard="shardId-000000000004")["Records"][0]
SEQUENCE = RECORD["kinesis"]["sequenceNumber"]


def inline_bytes(message: dict) -> int:
    return len(orjson.dumps(message)) + attributes_bytes({"reason": {"DataType": "String", "StringValue": "oversize"}})


def message_of(size: int) -> dict:
    """A poison message whose body and `reason` attribute are `size` bytes, as SQS counts them."""

    def with_data(chars: int) -> dict:
        record = {**RECORD, "kinesis": {**RECORD["kinesis"], "data": "A" * chars}}
        return dead_letter_message(Poison(0, "oversize", "record is 1,000,000 bytes"), record)

    message = with_data(size - inline_bytes(with_data(200_000)) + 200_000)
    assert inline_bytes(message) == size
    return message


def test_the_message_carries_the_whole_payload_and_what_identifies_the_record() -> None:
    payload = bytes(range(256)) * 4_000
    record = kinesis_event([payload], stream="clicks", shard="shardId-000000000004")["Records"][0]
    message = dead_letter_message(Poison(0, "oversize", "too big"), record)
    assert base64.b64decode(message["data"]) == payload and message["dataBase64Chars"] == len(message["data"])
    assert (message["reason"], message["detail"], message["eventID"], message["sequenceNumber"]) == (
        "oversize", "too big", f"shardId-000000000004:{SEQUENCE}", SEQUENCE)
    assert "dataTruncated" not in message


def test_a_message_that_fits_in_sqs_is_sent_inline() -> None:
    message = message_of(SQS_MESSAGE_BYTES)
    sent = outgoing(message, RECORD, "archive", "dead-letter/")
    assert sent.stored is None and orjson.loads(sent.body) == message
    assert sent.attributes == {"reason": {"DataType": "String", "StringValue": "oversize"}}


def test_a_larger_message_is_stored_whole_behind_the_extended_client_pointer() -> None:
    message = message_of(SQS_MESSAGE_BYTES + 1)
    sent = outgoing(message, RECORD, "archive", "dead-letter/")
    key = f"dead-letter/clicks/shardId-000000000004/{SEQUENCE}.json"
    assert json.loads(sent.body) == ["software.amazon.payloadoffloading.PayloadS3Pointer",
                                     {"s3BucketName": "archive", "s3Key": key}]
    assert sent.stored is not None and sent.stored[0] == key and orjson.loads(sent.stored[1]) == message
    assert sent.attributes == {"reason": {"DataType": "String", "StringValue": "oversize"},
                               "ExtendedPayloadSize": {"DataType": "Number", "StringValue": str(len(sent.stored[1]))}}


def test_the_object_key_is_the_same_for_every_delivery_of_a_record() -> None:
    assert payload_key("p/", RECORD) == payload_key("p/", dict(RECORD)) == f"p/clicks/shardId-000000000004/{SEQUENCE}.json"
    bare = {"kinesis": {"sequenceNumber": "42"}}
    assert payload_key("p/", bare) == "p/unknown-stream/unknown-shard/42.json"
