"""Where a Kinesis mapping reads: its stream directly, or through a registered enhanced fan-out consumer.

A mapping's EventSourceArn is a stream ARN (`arn:aws:kinesis:<region>:<account>:stream/<name>`) or a
consumer ARN (`<stream ARN>/consumer/<consumer>:<creation time>`). Through a consumer, Lambda gets
records pushed over HTTP/2 (SubscribeToShard) with read throughput dedicated to the consumer; moto
serves no SubscribeToShard, so the runner reads with GetRecords on the consumer's behalf. What it
honours: the consumer must exist and be ACTIVE, and the mapping's readers, checkpoints and status are
its own, labelled `<stream>/consumer/<consumer>/<shardId>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONSUMER_PART = "consumer"


@dataclass(frozen=True)
class StreamSource:
    arn: str  # the mapping's EventSourceArn, as given
    stream_name: str
    stream_arn: str
    consumer_name: str | None = None  # set when the mapping reads through an enhanced fan-out consumer

    @classmethod
    def of(cls, arn: str) -> StreamSource:
        prefix, _, path = arn.partition(":stream/")
        name, _, rest = path.partition("/")
        consumer = None
        if rest.startswith(f"{CONSUMER_PART}/"):
            consumer = rest.removeprefix(f"{CONSUMER_PART}/").rsplit(":", 1)[0]
        return cls(arn, name, f"{prefix}:stream/{name}", consumer)

    def shard_label(self, shard_id: str) -> str:
        return shard_label(self.stream_name, shard_id, self.consumer_name)


def shard_label(stream: str, shard_id: str, consumer: str | None = None) -> str:
    """How status and summaries name one reader: `stream/shardId`, or `stream/consumer/<name>/shardId`."""
    return f"{stream}/{CONSUMER_PART}/{consumer}/{shard_id}" if consumer else f"{stream}/{shard_id}"


def parse_shard_label(label: str) -> tuple[str, str | None, str]:
    """(stream, consumer or None, shardId) of a label `shard_label` wrote (stream and consumer names have no '/')."""
    stream, _, rest = label.partition("/")
    if rest.startswith(f"{CONSUMER_PART}/"):
        consumer, _, shard_id = rest.removeprefix(f"{CONSUMER_PART}/").partition("/")
        return stream, consumer, shard_id
    return stream, None, rest


def unavailable_consumer(kinesis: Any, source: StreamSource) -> str | None:
    """Why Lambda would deliver nothing through the mapping's consumer (DescribeStreamConsumer), or None when it is ACTIVE."""
    try:
        status = kinesis.describe_stream_consumer(ConsumerARN=source.arn)["ConsumerDescription"]["ConsumerStatus"]
    except kinesis.exceptions.ResourceNotFoundException:
        return (f"stream consumer {source.arn} does not exist (deregistered?), so nothing is delivered through it; "
                "register a consumer and point the mapping at its ARN")
    if status != "ACTIVE":
        return f"stream consumer {source.arn} is {status}, not ACTIVE, so nothing is delivered through it"
    return None
