"""One gzip JSON object per failed batch in S3, under a key derived from the batch itself.

The key is {prefix}{stream}/{shard}/{start}-{end}.json.gz, so SNS redelivery or a retried
invocation writes the same object: an archive that is already complete is left alone, and an
incomplete one is only replaced by one holding more records (records expire from the stream, so
a late retry must not overwrite a good archive with an emptier one).
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from typing import Any

import orjson

from failure_handler.on_failure import FailedBatch
from failure_handler.stream_reader import ReadResult

FORMAT_VERSION = 1


def archive_key(prefix: str, batch: FailedBatch) -> str:
    return f"{prefix}{batch.stream_name}/{batch.shard_id}/{batch.start_sequence}-{batch.end_sequence}.json.gz"


def archive_document(batch: FailedBatch, read: ReadResult) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "stream_arn": batch.stream_arn,
        "shard_id": batch.shard_id,
        "start_sequence": batch.start_sequence,
        "end_sequence": batch.end_sequence,
        "batch_size": batch.batch_size,
        "complete": read.complete,
        "note": read.note,
        "record_count": len(read.records),
        "archived_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "on_failure": batch.message,
        "records": read.records,
    }


def encode(document: dict[str, Any]) -> bytes:
    return gzip.compress(orjson.dumps(document), mtime=0)


def decode(blob: bytes) -> dict[str, Any]:
    document = orjson.loads(gzip.decompress(blob))
    if document.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"archive format_version {document.get('format_version')!r} is not {FORMAT_VERSION}")
    return document


def _existing(s3: Any, bucket: str, key: str) -> dict[str, str] | None:
    try:
        return s3.head_object(Bucket=bucket, Key=key).get("Metadata", {})
    except Exception as error:
        code = (getattr(error, "response", None) or {}).get("Error", {}).get("Code")
        if code in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def store(s3: Any, bucket: str, key: str, document: dict[str, Any]) -> str:
    """Write the archive unless an at-least-as-good one exists; returns "written" or "kept"."""
    existing = _existing(s3, bucket, key)
    if existing is not None and (existing.get("complete") == "true"
                                 or int(existing.get("record-count", "0")) >= document["record_count"]):
        return "kept"
    s3.put_object(
        Bucket=bucket, Key=key, Body=encode(document), ContentType="application/gzip",
        Metadata={"complete": "true" if document["complete"] else "false", "record-count": str(document["record_count"])},
    )
    return "written"
