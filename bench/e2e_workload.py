"""Kinesis batches for the end-to-end benchmark: sizes drawn from a distribution, non-ASCII text,
nested `properties`, and a share of poison records of several kinds.

Pages follow a Zipf law over 2,000 paths (the top page gets ~12% of the traffic, as on a shop's
home page), events arrive 10 ms apart (a busy shard's 1,000 records/s), so the per-page/minute
counters see the repetition a real site gives them.

The clickstream events of tests/integration/functions/kinesis_events.py are all ~600 bytes of
ASCII with the same shape; real beacons vary. Here every event's JSON size is drawn from a named
mix (log-normal between a floor and a cap, or narrowly around ~300 bytes), a share of events
carries non-ASCII text (accented Latin, CJK, emoji) in `page` and `properties`, and `properties`
grows nested items until the event reaches its drawn size. Everything is deterministic for a
seed, so every variant of the benchmark processes byte-identical batches.
"""

from __future__ import annotations

import base64
import itertools
import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

REGION = "us-east-1"
ACCOUNT = "123456789012"
SHARD = "shardId-000000000000"
FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136588898
EVENT_TYPES = ("page_view", "page_view", "page_view", "click", "scroll", "add_to_cart", "purchase", "search")
ASCII_WORDS = ("shoes", "jacket", "lamp", "chair", "table", "phone", "case", "cable", "book", "mug", "socks")
NON_ASCII_WORDS = ("größe", "café", "señal", "crème", "Ærø", "ÉTÉ", "靴", "ジャケット", "椅子", "전화",
                   "книга", "φως", "☕", "🚲", "👟")
USER_AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Safari/605.1.15"
PAGE_COUNT = 2_000
PAGE_RANKS = range(PAGE_COUNT)
PAGE_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) ** 1.1 for rank in PAGE_RANKS))
POISON_KINDS = ("truncated_json", "bad_base64", "missing_field", "bad_uuid", "naive_timestamp", "wrong_type",
                "unknown_event_type")


@dataclass(frozen=True)
class PayloadMix:
    """Event JSON sizes: log-normal with `median` bytes and `sigma`, clipped to [floor, cap]."""

    name: str
    median: int
    sigma: float
    floor: int
    cap: int

    def draw(self, rng: random.Random) -> int:
        return min(self.cap, max(self.floor, round(rng.lognormvariate(math.log(self.median), self.sigma))))


MIXES = {
    "large": PayloadMix("large", median=700, sigma=0.8, floor=150, cap=6_144),
    "small": PayloadMix("small", median=300, sigma=0.08, floor=250, cap=360),
}


def parse_mix(text: str) -> PayloadMix:
    """A preset name, or NAME=MEDIAN:SIGMA:FLOOR:CAP for a distribution of one's own."""
    if text in MIXES:
        return MIXES[text]
    name, _, spec = text.partition("=")
    try:
        median, sigma, floor, cap = spec.split(":")
        return PayloadMix(name, int(median), float(sigma), int(floor), int(cap))
    except ValueError:
        raise SystemExit(f"error: payload mix {text!r} is neither {sorted(MIXES)} nor NAME=MEDIAN:SIGMA:FLOOR:CAP "
                         "(e.g. wide=900:1.0:150:6144)") from None


@dataclass(frozen=True)
class Batch:
    """A Lambda Kinesis event as JSON (what the runtime deserializes per call) and what it holds."""

    event_json: bytes
    valid: int
    poison: int
    payload_bytes: int


def _word(rng: random.Random, non_ascii: bool) -> str:
    return rng.choice(NON_ASCII_WORDS if non_ascii and rng.random() < 0.6 else ASCII_WORDS)


def _page(rank: int, non_ascii: bool) -> str:
    words = NON_ASCII_WORDS if non_ascii else ASCII_WORDS
    return f"/{words[rank % len(words)]}/{rank}"


def _event(rng: random.Random, when: datetime, target: int, non_ascii: bool) -> dict:
    """One valid event whose compact JSON is about `target` bytes (never below the required fields)."""
    user = rng.randrange(50_000)
    event: dict = {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "event_type": rng.choice(EVENT_TYPES),
        "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user_id": f"u{user}",
        "session_id": f"s{user}-{rng.randrange(100)}",
        "page": _page(rng.choices(PAGE_RANKS, cum_weights=PAGE_WEIGHTS)[0], non_ascii),
    }
    optional = {
        "duration_ms": rng.randrange(50, 120_000),
        "referrer": rng.choice([None, "https://www.google.com/", "https://news.example.org/a/1234"]),
        "user_agent": USER_AGENT,
    }
    size = len(orjson.dumps(event))
    for key, value in optional.items():
        cost = len(key) + len(orjson.dumps(value)) + 4
        if size + cost <= target:
            event[key] = value
            size += cost
    if size + 60 > target:
        return event
    properties: dict = {"device": {"type": rng.choice(["mobile", "desktop", "tablet"]),
                                   "viewport": rng.choice(["390x844", "1440x900"])},
                        "country": rng.choice(["DE", "US", "FR", "JP", "BR", "KR"])}
    event["properties"] = properties
    size = len(orjson.dumps(event))
    items: list = []
    while size < target - 40:
        item = {"sku": f"SKU-{rng.randrange(10**6):06d}", "name": f"{_word(rng, non_ascii)} {_word(rng, non_ascii)}",
                "qty": rng.randrange(1, 5), "price": round(rng.uniform(1, 500), 2),
                "attrs": {"color": _word(rng, non_ascii), "size": rng.choice(["S", "M", "L", 42, 43.5])}}
        if not items:
            properties["cart"] = {"items": items, "currency": "EUR"}
        items.append(item)
        size = len(orjson.dumps(event))
    return event


def _poison(rng: random.Random, kind: str, good: dict) -> tuple[bytes, str | None]:
    """(raw payload, or None with base64 text instead) for one poison record of `kind`."""
    body = dict(good)
    if kind == "truncated_json":
        return orjson.dumps(body)[:-5], None
    if kind == "bad_base64":
        return b"", "abc"
    if kind == "missing_field":
        del body["session_id"]
    elif kind == "bad_uuid":
        body["event_id"] = "not-a-uuid"
    elif kind == "naive_timestamp":
        body["timestamp"] = body["timestamp"].rstrip("Z")
    elif kind == "wrong_type":
        body["duration_ms"] = "fast"
    elif kind == "unknown_event_type":
        body["event_type"] = "hover"
    return orjson.dumps(body), None


def kinesis_batch(size: int, mix: PayloadMix, seed: int, non_ascii_share: float = 0.25,
                  poison_rate: float = 0.005) -> Batch:
    """`size` records in AWS's Kinesis event shape; each record is poison with probability `poison_rate`."""
    rng = random.Random(f"{mix.name}-{size}-{seed}")
    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC) + timedelta(minutes=seed)
    records, valid, payload_bytes = [], 0, 0
    for i in range(size):
        good = _event(rng, start + timedelta(milliseconds=10 * i), mix.draw(rng), rng.random() < non_ascii_share)
        raw, data = orjson.dumps(good), None
        if rng.random() < poison_rate:
            raw, data = _poison(rng, POISON_KINDS[rng.randrange(len(POISON_KINDS))], good)
        else:
            valid += 1
        payload_bytes += len(raw)
        sequence = FIRST_SEQUENCE + i * 1_000_003
        records.append({
            "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": good["user_id"], "sequenceNumber": str(sequence),
                        "data": data if data is not None else base64.b64encode(raw).decode(),
                        "approximateArrivalTimestamp": 1_795_000_000.0 + i / 1000},
            "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"{SHARD}:{sequence}",
            "eventName": "aws:kinesis:record", "invokeIdentityArn": f"arn:aws:iam::{ACCOUNT}:role/stream-processor",
            "awsRegion": REGION, "eventSourceARN": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clickstream",
        })
    return Batch(orjson.dumps({"Records": records}), valid, size - valid, payload_bytes)
