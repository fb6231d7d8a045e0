"""Put the records of an archived failed batch back into Kinesis.

    python -m failure_handler.replay s3://BUCKET/KEY [--stream NAME] [--ordered] [--dry-run]

Records keep their partition keys, so they land on the same shard as before (unless the stream
was resharded) and the processor's idempotent sink makes a replay of already-stored events a no-op.
The dead-letter queue's poison records are redriven by `make redrive` (tools/operations/redrive.py),
which re-validates each with the processor's current rules first.
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

from pipeline_common import aws_clients
from pipeline_common.retry import RetryPolicy, retry_with_backoff

from failure_handler.archive import decode

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024
PUT_POLICY = RetryPolicy(max_attempts=8, base_delay=0.2, max_delay=5.0)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m failure_handler.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", nargs="?", help="s3://BUCKET/KEY of a failed-batch archive")
    parser.add_argument("--dead-letter", metavar="QUEUE_URL", help=argparse.SUPPRESS)  # moved: see below
    parser.add_argument("--stream", help="target stream name or ARN (default: the stream the records came from)")
    parser.add_argument("--ordered", action="store_true", help="PutRecord per record, ordered per partition key")
    parser.add_argument("--dry-run", action="store_true", help="show what would be replayed, put nothing")
    args = parser.parse_args(argv)
    if args.dead_letter:
        parser.error("the dead-letter redrive is `make redrive ARGS='--queue QUEUE_URL'` (python -m operations.redrive): "
                     "it re-validates each record with the processor's current rules and deletes only what it put back")
    if args.archive is None:
        parser.error("give the s3://BUCKET/KEY of a failed-batch archive")
    try:
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
