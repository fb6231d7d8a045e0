"""Clickstream traffic for the local stack: valid events over many users, a share of malformed ones."""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

EVENT_TYPES = ("page_view", "click", "scroll", "add_to_cart", "search", "purchase")
PAGES = ("/", "/products", "/products/42", "/cart", "/checkout", "/search?q=shoes")

# Each malformed kind is something a real producer sends by mistake; the last one, ~900 KB (a
# Kinesis record may be 1 MB), is too large for an SQS message and reaches the DLQ through S3.
MALFORMED = (
    lambda rng: b"{not json",
    lambda rng: json.dumps({"event_id": "not-a-uuid", "event_type": "click"}).encode(),
    lambda rng: json.dumps({**_event(rng, "u-x", datetime.now(UTC)), "event_type": "teleport"}).encode(),
    lambda rng: json.dumps({**_event(rng, "u-x", datetime.now(UTC)), "timestamp": "yesterday"}).encode(),
    lambda rng: json.dumps({**_event(rng, "u-x", datetime.now(UTC)), "properties": {"trace": "x" * 900_000}}).encode(),
)


def _event(rng: random.Random, user: str, at: datetime) -> dict[str, Any]:
    return {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "event_type": rng.choice(EVENT_TYPES),
        "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "user_id": user,
        "session_id": f"{user}-s{rng.randrange(3)}",
        "page": rng.choice(PAGES),
        "referrer": None,
        "user_agent": "local-stack/1.0",
        "duration_ms": rng.randrange(0, 60_000),
        "properties": {"n": rng.randrange(1000)},
    }


@dataclass
class Traffic:
    """What was sent, so the summary and tests can check every record's fate."""

    valid: dict[str, str] = field(default_factory=dict)  # event_id -> partition key
    malformed: list[bytes] = field(default_factory=list)
    order: dict[str, list[str]] = field(default_factory=dict)  # partition key -> event_ids in send order
    duplicates: int = 0  # valid events sent again (same event_id)

    @property
    def total(self) -> int:
        return len(self.valid) + len(self.malformed) + self.duplicates


def generate(count: int, users: int, malformed_share: float, seed: int) -> list[tuple[str, bytes, str | None]]:
    """(partition key, data, event_id or None for malformed) in send order; the malformed kinds take turns."""
    rng = random.Random(seed)
    malformed_count = round(count * malformed_share)
    bad_positions = set(rng.sample(range(count), malformed_count)) if malformed_count else set()
    start = datetime.now(UTC) - timedelta(seconds=count // 100)
    records: list[tuple[str, bytes, str | None]] = []
    bad = 0
    for i in range(count):
        user = f"user-{rng.randrange(users):04d}"
        if i in bad_positions:
            records.append((user, MALFORMED[bad % len(MALFORMED)](rng), None))
            bad += 1
        else:
            event = _event(rng, user, start + timedelta(milliseconds=10 * i))
            records.append((user, json.dumps(event).encode(), event["event_id"]))
    return records


def with_duplicates(records: list[tuple[str, bytes, str | None]], share: float, seed: int) -> list[tuple[str, bytes, str | None]]:
    """`records` with a share of the valid ones sent again a little later, as a producer retrying a
    timed-out PutRecords does: the same event, a new sequence number."""
    rng = random.Random(seed)
    result = list(records)
    valid = [r for r in records if r[2] is not None]
    for record in rng.sample(valid, round(len(valid) * share)):
        first = result.index(record)
        result.insert(min(len(result), first + rng.randrange(1, 200)), record)
    return result


def send_steadily(kinesis: Any, stream: str, records: list[tuple[str, bytes, str | None]], per_second: float,
                  traffic: Traffic | None = None) -> Traffic:
    """`send` paced at `per_second` records per second, in tenth-of-a-second slices: a producer's steady
    traffic rather than one burst, so a fault in the middle meets records arriving all along."""
    traffic = traffic or Traffic()
    step = max(1, round(per_second / 10))
    started = time.monotonic()
    for sent in range(0, len(records), step):
        time.sleep(max(0.0, started + sent / per_second - time.monotonic()))
        send(kinesis, stream, records[sent:sent + step], traffic)
    return traffic


def _chunks(records: list[tuple[str, bytes, str | None]]) -> list[list[tuple[str, bytes, str | None]]]:
    """Consecutive records in PutRecords calls: at most 500 records and 5 MiB each."""
    chunks: list[list[tuple[str, bytes, str | None]]] = []
    size = 0
    for record in records:
        cost = len(record[0].encode()) + len(record[1])
        if not chunks or len(chunks[-1]) == 500 or size + cost > 5 * 1024 * 1024:
            chunks.append([])
            size = 0
        chunks[-1].append(record)
        size += cost
    return chunks


def send(kinesis: Any, stream: str, records: list[tuple[str, bytes, str | None]], traffic: Traffic | None = None) -> Traffic:
    """PutRecords within its limits, resending throttled entries; records of one key keep their order."""
    traffic = traffic or Traffic()
    for chunk in _chunks(records):
        pending = list(range(len(chunk)))
        while pending:
            response = kinesis.put_records(StreamName=stream, Records=[
                {"PartitionKey": chunk[i][0], "Data": chunk[i][1]} for i in pending])
            pending = [i for i, result in zip(pending, response["Records"], strict=True) if "ErrorCode" in result]
        for key, data, event_id in chunk:
            if event_id is None:
                traffic.malformed.append(data)
            elif event_id in traffic.valid:  # a producer's re-send: stored once, its first copy sets the order
                traffic.duplicates += 1
            else:
                traffic.valid[event_id] = key
                traffic.order.setdefault(key, []).append(event_id)
    return traffic
