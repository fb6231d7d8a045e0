"""Put records into a Kinesis stream in their order per partition key, confirming each one by PutRecords' result.

PutRecords may write some entries of a call and reject others (throttling), and a rejected entry
resent later would land behind its successors; Kinesis therefore promises no order within a call.
So a call carries at most one record per partition key, and a key's next record goes out only in a
later call, once the call that wrote its predecessor has returned: calls are sequential, and a
shard gives a record written later a higher sequence number. Throughput is one record per key per
round trip, up to 500 keys per call, which suits a dead-letter queue's poison (few records, many
users). A key whose record Kinesis keeps rejecting is given up after `max_attempts` together with its
later records, which must not overtake it.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024  # data and partition keys together


@dataclass(frozen=True)
class Entry:
    ref: str  # the caller's name for the record (the redrive: its eventID)
    data: bytes
    partition_key: str


@dataclass(frozen=True)
class NotPut:
    entry: Entry
    error: str  # Kinesis' ErrorCode and message, or why the entry was held back


@dataclass(frozen=True)
class Backoff:
    max_attempts: int = 8
    base_s: float = 0.2
    max_s: float = 5.0

    def delay(self, round_: int) -> float:
        """Full jitter: a random wait up to an exponentially growing cap."""
        return random.uniform(0, min(self.max_s, self.base_s * 2 ** round_))


def _calls(heads: list[Entry]) -> list[list[Entry]]:
    calls: list[list[Entry]] = []
    size = 0
    for entry in heads:
        cost = len(entry.data) + len(entry.partition_key.encode())
        if not calls or len(calls[-1]) == MAX_RECORDS_PER_CALL or size + cost > MAX_BYTES_PER_CALL:
            calls.append([])
            size = 0
        calls[-1].append(entry)
        size += cost
    return calls


def stream_parameter(stream: str) -> dict[str, str]:
    return {"StreamARN": stream} if stream.startswith("arn:") else {"StreamName": stream}


def put_in_order(kinesis: Any, stream: str, entries: Sequence[Entry], confirmed: Callable[[list[Entry]], None],
                 before_call: Callable[[], None] = lambda: None, backoff: Backoff = Backoff(),
                 sleep: Callable[[float], None] = time.sleep) -> list[NotPut]:
    """Put `entries` (in the order to keep per partition key); `confirmed` gets, after each call, the entries it
    wrote. Returns what was not put. An exception of a call (not an entry's rejection) propagates: what that
    call wrote is unknown, so nothing of it is reported confirmed."""
    queues: dict[str, deque[Entry]] = {}
    for entry in entries:
        queues.setdefault(entry.partition_key, deque()).append(entry)
    failures: dict[str, int] = {}  # partition key -> rejections of its current head
    not_put: list[NotPut] = []
    round_ = 0
    while queues:
        rejected = False
        for call in _calls([queue[0] for queue in queues.values()]):
            before_call()
            results = kinesis.put_records(**stream_parameter(stream),
                                          Records=[{"Data": e.data, "PartitionKey": e.partition_key} for e in call])["Records"]
            written = []
            for entry, result in zip(call, results, strict=True):
                key = entry.partition_key
                if "ErrorCode" not in result:
                    written.append(entry)
                    failures.pop(key, None)
                    queues[key].popleft()
                    if not queues[key]:
                        del queues[key]
                    continue
                rejected = True
                failures[key] = failures.get(key, 0) + 1
                if failures[key] >= backoff.max_attempts:
                    error = f"{result['ErrorCode']}: {result.get('ErrorMessage', '')}".strip(": ")
                    head, *later = queues.pop(key)
                    not_put.append(NotPut(head, f"rejected {failures.pop(key)} times ({error})"))
                    not_put += [NotPut(e, f"held back behind {head.ref} of the same partition key") for e in later]
            confirmed(written)
        if rejected:
            sleep(backoff.delay(round_))
            round_ += 1
    return not_put
