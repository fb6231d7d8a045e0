"""What happened to every record sent: counted from the database, the queues, the bucket and the runner.

Each number is read from where the record ended up, not from the runner's own
bookkeeping, so the summary doubles as the end-to-end check: the counts must add up.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from pipeline_contract.dead_letter import poison_message, s3_pointer
from pipeline_contract.outputs import Deployment
from text_table import render

from local_stack.demo.clickstream import Traffic
from local_stack.esm.batch_retry import BatchOutcome
from local_stack.esm.mapping_runner import MappingRunner


@dataclass
class Summary:
    sent: int = 0
    sent_valid: int = 0
    sent_malformed: int = 0
    sent_duplicates: int = 0  # re-sends of a valid event: stored once
    stored_rows: int = 0
    stored_of_sent: int = 0
    missing_ids: list[str] = field(default_factory=list)
    dead_lettered: int = 0
    dead_letter_payload_matches: int = 0
    dead_letter_in_s3: int = 0  # messages too large for SQS: the queue held a pointer to S3
    order_violations: list[str] = field(default_factory=list)
    batches: BatchOutcome = field(default_factory=BatchOutcome)  # the mapping's work, summed over shards
    cold_starts: int = 0
    on_failure_messages: int = 0
    archived_objects: int = 0
    archived_valid: int = 0
    async_invocations: int = 0
    async_failed: int = 0
    shards: list[list[Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    compute_note: str | None = None  # why Lambda's CPU and memory limits were not enforced, when they were not
    throttles: int = 0

    @property
    def adds_up(self) -> bool:
        return (self.stored_of_sent + self.archived_valid == self.sent_valid and not self.missing_ids
                and self.dead_lettered == self.sent_malformed == self.dead_letter_payload_matches
                and not self.order_violations and not self.errors)

    def render(self) -> str:
        rows = [
            ["records sent", f"{self.sent:,}", f"{self.sent_valid:,} valid, {self.sent_malformed:,} malformed, {self.sent_duplicates:,} duplicate re-sends"],
            ["stored in PostgreSQL", f"{self.stored_of_sent:,}", f"{len(self.missing_ids):,} valid records neither stored nor archived"],
            ["dead-lettered (SQS)", f"{self.dead_lettered:,}", f"{self.dead_letter_payload_matches:,} with the exact payload sent, "
             f"{self.dead_letter_in_s3:,} of them through S3 (too large for SQS)"],
            ["invocations", f"{self.batches.invocations:,}", f"{self.cold_starts} cold starts, {self.throttles} throttled"],
            ["retried batches", f"{self.batches.retries:,}", f"{self.batches.bisections} bisections, {self.batches.partial_failures} partial batch responses"],
            ["on-failure messages", f"{self.on_failure_messages:,}", f"{self.batches.discarded:,} records given up by the mapping"],
            ["archived (S3)", f"{self.archived_valid:,}",
             f"{self.archived_objects} objects; {self.async_invocations} failure-handler invocations, {self.async_failed} failed"],
            ["order per partition key", "kept" if not self.order_violations else "BROKEN",
             f"{len(self.order_violations)} keys out of order"],
        ]
        text = render(["", "count", "detail"], rows)
        text += "\n\n" + render(["shard", "read", "checkpoint", "pending", "ms behind"], self.shards)
        verdict = "OK: every record accounted for" if self.adds_up else "MISMATCH: see the rows above"
        text += f"\n\n{verdict}"
        if self.compute_note:
            text += f"\n{self.compute_note}"
        if self.errors:
            text += "\nerrors:\n  " + "\n  ".join(self.errors[:10])
        return text


def _drain(sqs: Any, url: str) -> list[str]:
    """The bodies of every message in the queue, which is left empty."""
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
        bodies += [m["Body"] for m in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(batch)])
    return bodies


def _order_violations(conn: psycopg.Connection, traffic: Traffic) -> list[str]:
    """Keys whose stored events were stored in a different transaction order than sent (given-up ones skipped)."""
    rows = conn.execute("SELECT partition_key, event_id::text FROM clickstream_events "
                        "ORDER BY partition_key, stored_at, sequence_number::numeric").fetchall()
    stored: dict[str, list[str]] = {}
    for key, event_id in rows:
        stored.setdefault(key, []).append(event_id)
    violations = []
    for key, sent in traffic.order.items():
        kept = stored.get(key, [])
        kept_set = set(kept)
        if [i for i in kept if i in traffic.valid] != [i for i in sent if i in kept_set]:
            violations.append(key)
    return violations


def _archived_event_ids(s3: Any, bucket: str, prefix: str) -> tuple[int, set[str]]:
    """(objects, event_ids) of the records the failure handler archived."""
    objects, ids = 0, set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            objects += 1
            document = json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()))
            for record in document.get("records", []):
                try:
                    ids.add(json.loads(base64.b64decode(record["data"]))["event_id"])
                except (ValueError, KeyError, TypeError):
                    continue
    return objects, ids


def collect(traffic: Traffic, runner: MappingRunner, dsn: str, deployment: Deployment) -> Summary:
    summary = Summary(sent=traffic.total, sent_valid=len(traffic.valid), sent_malformed=len(traffic.malformed),
                      sent_duplicates=traffic.duplicates)
    with psycopg.connect(dsn) as conn:
        ids = {row[0] for row in conn.execute("SELECT event_id::text FROM clickstream_events").fetchall()}
        summary.stored_rows = len(ids)
        summary.stored_of_sent = len(ids & traffic.valid.keys())
        summary.order_violations = _order_violations(conn, traffic)
    s3 = runner.clients("s3")
    summary.archived_objects, archived = _archived_event_ids(s3, deployment.archive_bucket, deployment.archive_prefix)
    summary.archived_valid = len((archived & traffic.valid.keys()) - ids)
    summary.missing_ids = sorted(traffic.valid.keys() - ids - archived)
    # Delivery to the DLQ is at-least-once; eventID (shard:sequence) identifies a record.
    bodies = _drain(runner.clients("sqs"), deployment.dlq_url)
    messages = {m.get("eventID"): m for m in (poison_message(body, s3) for body in bodies)}
    summary.dead_lettered = len(messages)
    summary.dead_letter_in_s3 = len({s3_pointer(body) for body in bodies} - {None})
    sent_bad = Counter(base64.b64encode(data).decode() for data in traffic.malformed)
    received: Counter[str] = Counter(str(m.get("data")) for m in messages.values())
    summary.dead_letter_payload_matches = sum((received & sent_bad).values())
    for poller in runner.pollers:
        summary.batches.add(poller.stats.outcome)
    summary.shards = [[shard.shard, shard.records_read, shard.checkpoint or "-", shard.pending, shard.millis_behind_latest]
                      for shard in runner.shard_status()]
    summary.cold_starts = sum(invoker.cold_starts for invoker in runner.registry.all())
    summary.throttles = sum(invoker.throttles for invoker in runner.registry.all())
    summary.compute_note = runner.compute_note
    summary.on_failure_messages = runner.on_failure_messages
    summary.async_invocations = runner.sns.stats.invocations
    summary.async_failed = runner.sns.stats.failed
    summary.errors = runner.all_errors()
    return summary
