"""Realistic clickstream events and Kinesis Lambda events in AWS's exact shape.

Shared by the function tests of every tier and bench/bench_handler.py so both measure the same batch. The
event is ~600 bytes of JSON, like a browser analytics beacon; the Lambda event matches the
documented Kinesis record (base64 data, 56-digit sequence numbers, eventID "shard:sequence").
"""

from __future__ import annotations

import base64
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import orjson

REGION = "us-east-1"
ACCOUNT = "123456789012"
FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136588898
PAGES = ["/", "/search", "/cart", "/checkout", "/account"] + [f"/products/{n}" for n in range(40)]
EVENT_TYPES = ["page_view", "page_view", "page_view", "click", "scroll", "add_to_cart", "purchase", "search"]
USER_AGENT = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.1 Safari/605.1.15")

# Timestamp forms the event rules accept, so PostgreSQL's timestamptz must read every one.
ACCEPTED_TIMESTAMPS = [
    "2026-11-26T12:00:00Z", "2026-11-26 12:00:00Z", "2026-11-26t12:00:00+05:30", "2026-11-26T12:00:00-00:00",
    "2026-11-26T12:00:00.123456789Z", "2026-11-26T12:00:00+0530",
    # msgspec's RFC 3339 datetime rejects these, which is why the timestamp is checked with fromisoformat:
    "2026-11-26T12:00+05:30", "2026-11-26T12:00:00+05", "2026-11-26T12:00:00 +05:00", "2026-11-26T12:00:00.Z",
]


def clickstream_event(rng: random.Random, when: datetime) -> dict:
    """One valid event; deterministic for a seeded `rng`."""
    user = rng.randrange(50_000)
    return {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "event_type": rng.choice(EVENT_TYPES),
        "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user_id": f"user-{user:06d}",
        "session_id": f"sess-{user:06d}-{rng.randrange(1000):03d}",
        "page": rng.choice(PAGES),
        "referrer": rng.choice([None, "https://www.google.com/", "https://news.example.org/article/1234"]),
        "user_agent": USER_AGENT,
        "duration_ms": rng.randrange(50, 120_000),
        "properties": {
            "campaign": rng.choice(["winter-sale", "newsletter-48", "organic"]),
            "device": rng.choice(["mobile", "desktop", "tablet"]),
            "country": rng.choice(["DE", "US", "FR", "JP", "BR"]),
            "viewport": rng.choice(["390x844", "1440x900", "820x1180"]),
            "experiment": {"id": "checkout-v2", "variant": rng.choice(["A", "B"])},
        },
    }


def clickstream_events(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    return [clickstream_event(rng, start + timedelta(milliseconds=137 * i)) for i in range(count)]


def stream_arn(stream: str) -> str:
    return f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"


def kinesis_record(payload: bytes, sequence: int, partition_key: str, stream: str = "clickstream",
                   shard: str = "shardId-000000000000", arrival: float = 1_795_000_000.0) -> dict:
    """One element of a Kinesis event's Records, as Lambda delivers it."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": str(sequence),
            "data": base64.b64encode(payload).decode(),
            "approximateArrivalTimestamp": arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard}:{sequence}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/stream-processor",
        "awsRegion": REGION,
        "eventSourceARN": stream_arn(stream),
    }


def kinesis_event(payloads: list[bytes], partition_keys: list[str] | None = None, stream: str = "clickstream",
                  shard: str = "shardId-000000000000", first_sequence: int = FIRST_SEQUENCE) -> dict:
    """A Lambda Kinesis event with increasing sequence numbers (gaps, as in a real shard)."""
    keys = partition_keys or [f"user-{i % 97:06d}" for i in range(len(payloads))]
    return {"Records": [
        kinesis_record(payload, first_sequence + i * 1_000_003, keys[i], stream, shard, 1_795_000_000.0 + i / 1000)
        for i, payload in enumerate(payloads)
    ]}


def clickstream_batch(count: int, seed: int = 7, **kwargs: object) -> dict:
    """A Kinesis event of `count` valid clickstream events, partitioned by user as a producer would."""
    events = clickstream_events(count, seed)
    return kinesis_event([orjson.dumps(e) for e in events], [e["user_id"] for e in events], **kwargs)


class FakeContext:
    """The Lambda context's surface the functions use, with a settable remaining time."""

    def __init__(self, remaining_ms: int = 300_000, request_id: str = "req-test") -> None:
        self.remaining_ms = remaining_ms
        self.aws_request_id = request_id
        self.function_name = "test-function"
        self._started = time.monotonic()

    def get_remaining_time_in_millis(self) -> int:
        """Counts down in real time from `remaining_ms`, as Lambda's does."""
        return self.remaining_ms - int((time.monotonic() - self._started) * 1000)


def on_failure_sns_event(stream: dict, first: int, last: int, end_sequence: str | None = None) -> dict:
    """What SNS delivers to the function for one Kinesis on-failure record (AWS's documented shape)."""
    message = {
        "requestContext": {"requestId": str(uuid.uuid4()), "condition": "RetryAttemptsExhausted",
                           "functionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:stream-processor",
                           "approximateInvokeCount": 4},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": "2026-11-26T16:00:05.021Z",
        "KinesisBatchInfo": {
            "shardId": stream["shard"],
            "startSequenceNumber": stream["sequences"][first],
            "endSequenceNumber": end_sequence or stream["sequences"][last],
            "approximateArrivalOfFirstRecord": "2026-11-26T16:00:00.835Z",
            "approximateArrivalOfLastRecord": "2026-11-26T16:00:01.580Z",
            "batchSize": last - first + 1,
            "streamArn": stream["arn"],
        },
    }
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:stream-processor-failures"
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": f"{topic}:{uuid.uuid4()}",
        "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic, "Subject": None,
                "Message": orjson.dumps(message).decode(), "Timestamp": "2026-11-26T16:00:05.100Z",
                "SignatureVersion": "1", "Signature": "EXAMPLE", "SigningCertUrl": "https://example.invalid/cert.pem",
                "UnsubscribeUrl": "https://example.invalid/unsubscribe", "MessageAttributes": {}},
    }]}
