"""`make redrive`: the dead-letter queue's poison records that the processor's current rules accept go back
into their stream, and exactly those leave the queue.

    python -m operations.redrive [--queue URL] [--stream NAME] [--function NAME | --max-event-bytes N]
                                 [--dry-run] [--visibility-timeout S] [--max-messages N] [target options]

1. receive every message (up to --max-messages), hidden from other consumers for the visibility
   timeout; one received twice (SQS delivers at least once) is kept once, with its newest receipt handle;
2. read each poison record's message, following the S3 pointer of one too large for SQS
   (pipeline_contract.dead_letter); messages of one record (the same eventID) are one record;
3. judge it with the processor's own validator and the deployed MAX_EVENT_BYTES
   (operations.processor_rules); the still-invalid and the unreadable are made visible again at once
   and stay in the queue, reported by reason;
4. put the valid ones into the stream they came from (eventSourceARN, or --stream) with their
   partition keys, in their original order per key (operations.ordered_put);
5. after each PutRecords call, delete the messages of exactly the records it confirmed.

Nothing is deleted before its record is confirmed, so a stop at any point (a crash, Ctrl-C, a lost
connection) loses nothing: a message whose record was put but not yet deleted is put again by the
next run, and the stream then holds that event twice, which the sink stores once (ON CONFLICT
(event_id) DO NOTHING). While the puts run, the messages still held are hidden again every half
timeout; after an error or Ctrl-C they are made visible at once, after a kill they reappear when
their timeout ends. The S3 objects of large messages stay, as the Extended Client Library leaves them.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from pipeline_contract.dead_letter import poison_message
from text_table import render

from operations.ordered_put import Entry, put_in_order
from operations.processor_rules import Rules, RulesError, deployed_rules
from operations.target import Target, TargetError, add_target_options, operated_pipeline, resolve_target

SQS_BATCH = 10  # entries per DeleteMessageBatch / ChangeMessageVisibilityBatch
MAX_VISIBILITY_S = 43_200  # SQS's limit: 12 hours
STEPS = ("received", "put", "deleted")  # where `hook` is called: after receiving, after each put call, after each delete call


@dataclass
class Held:
    """A message this run has received and not yet deleted or given back."""

    message_id: str
    receipt_handle: str
    body: str


@dataclass
class Record:
    """One poison record and every message that carries it."""

    event_id: str  # shard:sequence, as the processor wrote it
    message: dict[str, Any]
    message_ids: list[str]

    def order(self) -> tuple[str, int, str]:
        """Shard, then sequence number: the order the records had in their stream."""
        shard = self.event_id.split(":", 1)[0]
        sequence = str(self.message.get("sequenceNumber") or "")
        return shard, int(sequence) if sequence.isdigit() else 0, self.event_id


@dataclass(frozen=True)
class Left:
    """A record left in the queue, and why."""

    event_id: str
    reason: str
    detail: str
    was: str  # the reason it was dead-lettered for


@dataclass
class RedriveReport:
    queue_url: str
    rules: str
    warning: str | None = None
    dry_run: bool = False
    messages: int = 0
    records: int = 0
    valid: int = 0  # records the rules accept now
    capped: bool = False  # stopped receiving at --max-messages: the queue may hold more
    put: dict[str, int] = field(default_factory=dict)  # stream -> records confirmed
    deleted: int = 0
    invalid: list[Left] = field(default_factory=list)  # still poison under the current rules, or unreadable
    not_put: list[Left] = field(default_factory=list)  # valid, but not confirmed by Kinesis
    not_deleted: list[str] = field(default_factory=list)  # message ids put whose delete failed: they come back

    @property
    def complete(self) -> bool:
        """Every record the rules accept is back in its stream and out of the queue."""
        return not self.not_put and not self.not_deleted

    def render(self) -> str:
        lines = [f"dead-letter queue {self.queue_url}: {self.messages:,} message(s), {self.records:,} record(s)"
                 + (" (--max-messages reached: run again for the rest)" if self.capped else ""),
                 f"rules: the stream processor's validator of this checkout, {self.rules}"]
        if self.warning:
            lines.append(f"warning: {self.warning}")
        if self.dry_run:
            lines.append(f"dry run: {self.valid:,} record(s) would be put back, {len(self.invalid):,} stay; all messages visible again")
        for stream, count in sorted(self.put.items()):
            lines.append(f"put back {count:,} record(s) into {stream}")
        if not self.dry_run:
            lines.append(f"deleted {self.deleted:,} message(s) of records put back")
        if self.invalid:
            lines += ["", "still poison, left in the queue:", _by_reason(self.invalid)]
        if self.not_put:
            lines += ["", "not put back, left in the queue (run again):", _by_reason(self.not_put)]
        if self.not_deleted:
            lines.append(f"\n{len(self.not_deleted)} message(s) put back but not deleted: they reappear and are put again "
                         "by the next run (the sink stores each event once)")
        return "\n".join(lines)


def _by_reason(left: list[Left]) -> str:
    groups: dict[str, list[Left]] = {}
    for item in left:
        groups.setdefault(item.reason, []).append(item)
    rows = [[reason, f"{len(items):,}", ", ".join(sorted({i.was for i in items})), items[0].event_id, items[0].detail]
            for reason, items in sorted(groups.items())]
    return render(["reason now", "records", "dead-lettered as", "first record", "detail"], rows, max_widths=[18, 9, 20, 40, 70])


def _in_tens(message_ids: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(message_ids), SQS_BATCH):
        yield message_ids[start:start + SQS_BATCH]


class Redrive:
    """One run over one queue; `report` holds what was done so far, also when the run stops with an error."""

    def __init__(self, client: Callable[[str, str | None], Any], queue_url: str, rules: Rules, *, stream: str | None = None,
                 visibility_timeout_s: int = 300, max_messages: int = 10_000, hook: Callable[[str], None] = lambda step: None) -> None:
        self.client, self.queue_url, self.rules, self.stream = client, queue_url, rules, stream
        self.visibility_timeout_s, self.max_messages, self.hook = visibility_timeout_s, max_messages, hook
        self.sqs = client("sqs", None)
        self.held: dict[str, Held] = {}
        self.leave: list[str] = []  # messages of records that stay in the queue
        self.hidden_at = 0.0  # when the visibility of everything held was last (re)started
        self.report = RedriveReport(queue_url, rules.origin, rules.warning)

    def run(self, dry_run: bool = False) -> RedriveReport:
        self.report.dry_run = dry_run
        try:
            self._receive()
            self.hook("received")
            records = self._read()
            valid = self._judge(records)
            if not dry_run:
                self._put_back(valid)
        finally:  # an error, Ctrl-C, or the records left: visible again now, not when their timeout ends
            self._release(list(self.held))
        return self.report

    def _receive(self) -> None:
        self.hidden_at = time.monotonic()
        try:
            while len(self.held) < self.max_messages:
                batch = self.sqs.receive_message(QueueUrl=self.queue_url, WaitTimeSeconds=1, VisibilityTimeout=self.visibility_timeout_s,
                                                 MaxNumberOfMessages=min(SQS_BATCH, self.max_messages - len(self.held))).get("Messages")
                if not batch:
                    break
                for message in batch:
                    self.held[message["MessageId"]] = Held(message["MessageId"], message["ReceiptHandle"], message["Body"])
        except ClientError as error:
            raise TargetError(f"cannot receive from {self.queue_url}: {error}; check the URL and the permissions "
                              "(sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility)") from None
        self.report.messages = len(self.held)
        self.report.capped = len(self.held) >= self.max_messages

    def _read(self) -> list[Record]:
        """The poison records of the held messages; an unreadable message is reported and left in the queue."""
        s3 = self.client("s3", None)
        records: dict[str, Record] = {}
        for held in self.held.values():
            try:
                message = poison_message(held.body, s3)
                if not (isinstance(message.get("data"), str) and isinstance(message.get("partitionKey"), str) and message["partitionKey"]):
                    raise ValueError("no base64 `data` and `partitionKey`")
            except (ValueError, AttributeError, ClientError) as error:
                self.report.invalid.append(Left(held.message_id, "unreadable", f"not a dead-letter message: {error}", "?"))
                self.leave.append(held.message_id)
                continue
            event_id = str(message.get("eventID") or held.message_id)
            records.setdefault(event_id, Record(event_id, message, [])).message_ids.append(held.message_id)
        self.report.records = len(records) + len(self.report.invalid)
        return sorted(records.values(), key=Record.order)

    def _judge(self, records: list[Record]) -> list[Record]:
        """The records the rules accept now; the others are reported and given back to the queue."""
        valid = []
        for record, verdict in zip(records, self.rules.judge([r.message["data"] for r in records]), strict=True):
            if verdict is None:
                valid.append(record)
            else:
                self.report.invalid.append(Left(record.event_id, verdict.reason, verdict.detail[:200],
                                                str(record.message.get("reason"))))
                self.leave += record.message_ids
        self.report.valid = len(valid)
        self._release(self.leave)
        return valid

    def _put_back(self, valid: list[Record]) -> None:
        by_stream: dict[str, list[Record]] = {}
        for record in valid:
            target = self.stream or record.message.get("eventSourceARN")
            if not target:
                self.report.not_put.append(Left(record.event_id, "no_stream", "the message names no stream: pass --stream",
                                                str(record.message.get("reason"))))
                continue
            by_stream.setdefault(str(target), []).append(record)
        for stream, records in by_stream.items():
            of = {r.event_id: r for r in records}
            region = stream.split(":")[3] if stream.startswith("arn:") else None

            def confirmed(entries: list[Entry], stream: str = stream, of: dict[str, Record] = of) -> None:
                if not entries:
                    return
                self.report.put[stream] = self.report.put.get(stream, 0) + len(entries)
                self.hook("put")
                self._delete([m for e in entries for m in of[e.ref].message_ids])

            entries = [Entry(r.event_id, base64.b64decode(r.message["data"]), r.message["partitionKey"]) for r in records]
            for missed in put_in_order(self.client("kinesis", region), stream, entries, confirmed, before_call=self._keep_hidden):
                record = of[missed.entry.ref]
                self.report.not_put.append(Left(record.event_id, "not_put", missed.error, str(record.message.get("reason"))))

    def _delete(self, message_ids: list[str]) -> None:
        for group in _in_tens([m for m in message_ids if m in self.held]):
            response = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": self.held[m].receipt_handle} for i, m in enumerate(group)])
            failed = {int(f["Id"]) for f in response.get("Failed", [])}
            for i, message_id in enumerate(group):
                del self.held[message_id]
                if i in failed:
                    self.report.not_deleted.append(message_id)
                else:
                    self.report.deleted += 1
            self.hook("deleted")

    def _change_visibility(self, message_ids: list[str], seconds: int) -> None:
        for group in _in_tens(message_ids):
            self.sqs.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": self.held[m].receipt_handle, "VisibilityTimeout": seconds} for i, m in enumerate(group)])

    def _keep_hidden(self) -> None:
        """Before each put call: restart the visibility timeout of everything held once half of it has passed."""
        if time.monotonic() - self.hidden_at >= self.visibility_timeout_s / 2:
            self.hidden_at = time.monotonic()
            self._change_visibility(list(self.held), self.visibility_timeout_s)

    def _release(self, message_ids: list[str]) -> None:
        """Visible again at once (best effort: a message not released reappears when its timeout ends)."""
        ids = [m for m in dict.fromkeys(message_ids) if m in self.held]
        with contextlib.suppress(ClientError, BotoCoreError):
            self._change_visibility(ids, 0)
        for message_id in ids:
            del self.held[message_id]


def _positive(limit: int) -> Callable[[str], int]:
    def integer(text: str) -> int:  # argparse names the type by this function: "invalid integer value: 'x'"
        value = int(text)
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"must be 1..{limit:,}, got {value}")
        return value
    return integer


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m operations.redrive", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--queue", metavar="URL", help="the dead-letter queue (default: the root module's dead_letter_queue_url)")
    p.add_argument("--stream", help="put every record into this stream (name or ARN) instead of the one it came from")
    rules = p.add_mutually_exclusive_group()
    rules.add_argument("--function", metavar="NAME",
                       help="the stream processor whose MAX_EVENT_BYTES applies (default: the root module's stream_processor_function_name)")
    rules.add_argument("--max-event-bytes", type=_positive(1_048_576), metavar="N", help="re-validate with this limit instead")
    p.add_argument("--dry-run", action="store_true", help="judge and report, put and delete nothing")
    p.add_argument("--visibility-timeout", type=_positive(MAX_VISIBILITY_S), default=300, metavar="SECONDS",
                   help="how long received messages stay hidden (renewed while the puts run; default 300)")
    p.add_argument("--max-messages", type=_positive(1_000_000), default=10_000, metavar="N",
                   help="receive at most this many messages in one run (default 10,000; run again for more)")
    add_target_options(p)
    return p


def _rules(args: argparse.Namespace, target: Target, function: str | None) -> Rules:
    if args.max_event_bytes:
        return Rules(args.max_event_bytes, f"MAX_EVENT_BYTES={args.max_event_bytes} (--max-event-bytes)")
    assert function is not None
    try:
        configuration = target.client("lambda").get_function_configuration(FunctionName=function)
    except ClientError as error:
        raise TargetError(f"cannot read the configuration of {function}: {error}; pass --function NAME or --max-event-bytes N") from None
    try:
        return deployed_rules(function, configuration.get("Environment", {}).get("Variables", {}), configuration["CodeSha256"])
    except RulesError as error:
        raise TargetError(str(error)) from None


def main(argv: list[str] | None = None, hook: Callable[[str], None] = lambda step: None) -> int:
    args = parser().parse_args(argv)
    redrive = None
    try:
        target = resolve_target(args)
        queue, function = args.queue, args.function
        if not queue or not (function or args.max_event_bytes):
            operated, _ = operated_pipeline(target, args.chdir)
            queue, function = queue or operated.dlq_url, function or operated.processor_function
        redrive = Redrive(target.client, queue, _rules(args, target, function), stream=args.stream,
                          visibility_timeout_s=args.visibility_timeout, max_messages=args.max_messages, hook=hook)
        print(f"redrive on {target.description}", flush=True)
        report = redrive.run(dry_run=args.dry_run)
    except TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except NoCredentialsError:
        print("error: no AWS credentials: pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError, KeyboardInterrupt) as error:
        if redrive is not None:
            print(redrive.report.render())
        why = "interrupted" if isinstance(error, KeyboardInterrupt) else f"stopped: {error}"
        print(f"error: redrive {why}; the messages not deleted are in the queue again, and a run again puts their "
              "records (the sink stores an event once)", file=sys.stderr)
        return 130 if isinstance(error, KeyboardInterrupt) else 1
    print(report.render())
    return 0 if report.complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
