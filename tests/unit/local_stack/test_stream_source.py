"""A mapping's source: a stream, or an enhanced fan-out consumer of it, and the label its readers carry."""

from __future__ import annotations

import pytest
from local_stack.esm.stream_source import StreamSource, parse_shard_label, shard_label

STREAM = "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks"


def test_a_stream_arn_is_read_directly() -> None:
    source = StreamSource.of(STREAM)
    assert (source.stream_name, source.stream_arn, source.consumer_name) == ("clicks", STREAM, None)
    assert source.shard_label("shardId-000000000001") == "clicks/shardId-000000000001"


def test_a_consumer_arn_names_its_stream_and_consumer_without_the_creation_time() -> None:
    source = StreamSource.of(f"{STREAM}/consumer/fan.out-1:1540591608")
    assert (source.stream_name, source.stream_arn, source.consumer_name) == ("clicks", STREAM, "fan.out-1")
    assert source.shard_label("shardId-000000000001") == "clicks/consumer/fan.out-1/shardId-000000000001"


@pytest.mark.parametrize("consumer", [None, "fanout"])
def test_a_label_parses_back_to_its_parts(consumer: str | None) -> None:
    assert parse_shard_label(shard_label("clicks", "shardId-000000000003", consumer)) == ("clicks", consumer, "shardId-000000000003")
