"""Put the records of an archived failed batch, or the poison records of the dead-letter queue, back into Kinesis.

    python -m failure_handler.replay s3://BUCKET/KEY [--stream NAME] [--ordered] [--dry-run]
    python -m failure_handler.replay --dead-letter QUEUE_URL [--stream NAME] [--ordered] [--dry-run]

Records keep their partition keys, so they land on the same shard as before (unless the stream
was resharded) and the processor's idempotent sink makes a replay of already-stored events a no-op.
A dead-letter redrive (after fixing what made the records poison) reads every message, following
the S3 pointer of a message that was too large for SQS, puts the records back in their shard and
sequence order, and deletes the messages only once all are put; the S3 objects stay (versioned
archive bucket), as the SQS Extended Client Library leaves them by default.
PutRecords (500 records / 5 MiB per call) is the default; it does not guarantee order within a
call, so --ordered uses PutRecord with SequenceNumberForOrdering per partition key instead.
Run it with this function's directory and the common layer on PYTHONPATH and AWS credentials
(or AWS_ENDPOINT_URL for the local stack) in the environment.
"""

from __future__ import annotations

import argparse
import base64
import sys
from collections.abc import Callable
from typing import Any

import orjson
from pipeline_common import aws_clients
from pipeline_common.retry import RetryPolicy, retry_with_backoff
from pipeline_common.sqs_large_payload import read_body

from failure_handler.archive import decode

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024
PUT_POLICY = RetryPolicy(max_attempts=8, base_delay=0.2, max_delay=5.0)
# Long enough to read the whole queue and put its records back before any message reappears.
REDRIVE_VISIBILITY_SECONDS = 900


class ReplayError(RuntimeError):
    """Replay could not finish; the message says what to fix."""


def parse_s3_url(url: str) -> tuple[str, str]:
    if not url.startswith("s3://") or "/" not in url[5:] or url.endswith("/"):
        raise ReplayError(f"archive must be an s3://BUCKET/KEY URL, got {url!r}")
    bucket, key = url[5:].split("/", 1)
    return bucket, key


def load_archive(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    try:
        blob = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as error:
        raise ReplayError(f"cannot read s3://{bucket}/{key}: {error}; check the URL and your credentials") from None
    try:
        return decode(blob)
    except Exception as error:
        raise ReplayError(f"s3://{bucket}/{key} is not a failed-batch archive: {error}") from None


def _calls(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    calls: list[list[dict[str, Any]]] = []
    size = 0
    for record in records:
        cost = len(record["Data"]) + len(record["PartitionKey"].encode())
        if not calls or len(calls[-1]) == MAX_RECORDS_PER_CALL or size + cost > MAX_BYTES_PER_CALL:
            calls.append([])
            size = 0
        calls[-1].append(record)
        size += cost
    return calls


def _stream_param(stream: str) -> dict[str, str]:
    return {"StreamARN": stream} if stream.startswith("arn:") else {"StreamName": stream}


def put_unordered(kinesis: Any, stream: str, entries: list[dict[str, Any]], progress: Callable[[int], None]) -> int:
    """PutRecords in calls within the API limits; entries Kinesis rejects (throttling) are resent."""
    done = 0
    for call in _calls(entries):
        pending = call

        def attempt() -> None:
            nonlocal pending
            response = kinesis.put_records(**_stream_param(stream), Records=pending)
            pending = [entry for entry, result in zip(pending, response["Records"], strict=True) if "ErrorCode" in result]
            if pending:
                raise ReplayError(f"{len(pending)} record(s) rejected by {stream} (throttled?)")

        retry_with_backoff(attempt, PUT_POLICY)
        done += len(call)
        progress(done)
    return done


def put_ordered(kinesis: Any, stream: str, entries: list[dict[str, Any]], progress: Callable[[int], None]) -> int:
    last: dict[str, str] = {}
    for done, entry in enumerate(entries, 1):
        extra = {"SequenceNumberForOrdering": last[entry["PartitionKey"]]} if entry["PartitionKey"] in last else {}
        response = retry_with_backoff(lambda e=entry, x=extra: kinesis.put_record(**_stream_param(stream), **e, **x), PUT_POLICY)
        last[entry["PartitionKey"]] = response["SequenceNumber"]
        if done % MAX_RECORDS_PER_CALL == 0 or done == len(entries):
            progress(done)
    return len(entries)


def _put(entries: list[dict[str, Any]], target: str, ordered: bool, out: Any) -> int:
    total = len(entries)

    def progress(done: int) -> None:
        print(f"  put {done}/{total} record(s) into {target}", file=out, flush=True)

    region = target.split(":")[3] if target.startswith("arn:") else None
    kinesis = aws_clients.client("kinesis", region)
    put = put_ordered if ordered else put_unordered
    return put(kinesis, target, entries, progress)


def replay(archive_url: str, stream: str | None = None, ordered: bool = False, dry_run: bool = False,
           out: Any = sys.stdout) -> int:
    """Replay one archive; returns the number of records put (or that would be, with dry_run)."""
    bucket, key = parse_s3_url(archive_url)
    document = load_archive(aws_clients.client("s3"), bucket, key)
    target = stream or document["stream_arn"]
    entries = [{"Data": base64.b64decode(r["data"]), "PartitionKey": r["partitionKey"]} for r in document["records"]]
    print(f"archive {archive_url}: {len(entries)} record(s) of {document['shard_id']} "
          f"{document['start_sequence']}..{document['end_sequence']} (complete: {document['complete']})", file=out)
    if dry_run or not entries:
        return len(entries)
    return _put(entries, target, ordered, out)


def _receive_all(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every message of the queue, hidden from other consumers for REDRIVE_VISIBILITY_SECONDS."""
    received: list[dict[str, Any]] = []
    try:
        while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                           VisibilityTimeout=REDRIVE_VISIBILITY_SECONDS).get("Messages"):
            received += batch
    except Exception as error:
        raise ReplayError(f"cannot read the dead-letter queue {queue_url}: {error}; check the URL and your credentials") from None
    return received


def _in_groups_of_ten(sqs_call: Callable[..., Any], queue_url: str, entries: list[dict[str, Any]]) -> None:
    for start in range(0, len(entries), 10):
        sqs_call(QueueUrl=queue_url, Entries=[{"Id": str(i), **e} for i, e in enumerate(entries[start:start + 10])])


def _shard_order(message: dict[str, Any]) -> tuple[str, str, int]:
    """Stream, shard, sequence number: the order the records had, so order per partition key is kept."""
    sequence = str(message.get("sequenceNumber") or "")
    shard = str(message.get("eventID") or "").split(":", 1)[0]
    return str(message.get("eventSourceARN")), shard, int(sequence) if sequence.isdigit() else 0


def redrive(queue_url: str, stream: str | None = None, ordered: bool = False, dry_run: bool = False,
            out: Any = sys.stdout) -> int:
    """Put the dead-letter queue's poison records back; returns how many (or would be, with dry_run)."""
    sqs, s3 = aws_clients.client("sqs"), aws_clients.client("s3")
    received = _receive_all(sqs, queue_url)
    messages: dict[str, dict[str, Any]] = {}  # delivery is at-least-once: one record per eventID
    for raw in received:
        try:
            message = orjson.loads(read_body(raw["Body"], s3))
        except Exception as error:
            raise ReplayError(f"message {raw['MessageId']} of {queue_url} is not a dead-letter message: {error}") from None
        messages.setdefault(str(message.get("eventID") or raw["MessageId"]), message)
    by_stream: dict[str, list[dict[str, Any]]] = {}
    for message in sorted(messages.values(), key=_shard_order):
        target = stream or message.get("eventSourceARN")
        if not target:
            raise ReplayError(f"dead-letter message {message.get('eventID')} names no stream: pass --stream")
        try:
            data = base64.b64decode(message["data"], validate=True)
        except (KeyError, ValueError) as error:
            raise ReplayError(f"dead-letter message {message.get('eventID')} has no payload to put back: {error}") from None
        by_stream.setdefault(target, []).append({"Data": data, "PartitionKey": message["partitionKey"]})
    print(f"dead-letter queue {queue_url}: {len(messages)} poison record(s) in {len(received)} message(s)", file=out)
    handles = [{"ReceiptHandle": m["ReceiptHandle"]} for m in received]
    if dry_run:
        _in_groups_of_ten(sqs.change_message_visibility_batch, queue_url, [dict(h, VisibilityTimeout=0) for h in handles])
        return len(messages)
    count = sum(_put(entries, target, ordered, out) for target, entries in by_stream.items())
    _in_groups_of_ten(sqs.delete_message_batch, queue_url, handles)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m failure_handler.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", nargs="?", help="s3://BUCKET/KEY of a failed-batch archive")
    parser.add_argument("--dead-letter", metavar="QUEUE_URL",
                        help="redrive the poison records of this dead-letter queue instead of an archive")
    parser.add_argument("--stream", help="target stream name or ARN (default: the stream the records came from)")
    parser.add_argument("--ordered", action="store_true", help="PutRecord per record, ordered per partition key")
    parser.add_argument("--dry-run", action="store_true", help="show what would be replayed, put nothing")
    args = parser.parse_args(argv)
    if (args.archive is None) == (args.dead_letter is None):
        parser.error("give either an s3://BUCKET/KEY archive or --dead-letter QUEUE_URL")
    try:
        if args.dead_letter:
            count = redrive(args.dead_letter, args.stream, args.ordered, args.dry_run)
        else:
            count = replay(args.archive, args.stream, args.ordered, args.dry_run)
    except ReplayError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        print(f"error: replay failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"{'would replay' if args.dry_run else 'replayed'} {count} record(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
