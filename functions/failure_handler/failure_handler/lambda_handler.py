"""Lambda entry point, invoked asynchronously by SNS with the on-failure records.

An exception here makes Lambda retry the async invocation and then hand the event to the
function's own on-failure destination (Lambda Destinations), so nothing is dropped silently.
"""

from __future__ import annotations

import os
from typing import Any

from pipeline_common import aws_clients
from pipeline_common.config import Env
from pipeline_common.jsonlog import JsonLogger

from failure_handler.archive import archive_document, archive_key, store
from failure_handler.on_failure import parse_event
from failure_handler.stream_reader import read_batch

_env = Env(os.environ)
ARCHIVE_BUCKET = _env.text("ARCHIVE_BUCKET")
ARCHIVE_PREFIX = _env.text("ARCHIVE_PREFIX", "failed-batches/")
LOG = JsonLogger("failure_handler", _env.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    LOG.bind_request(context)
    archived = []
    for batch in parse_event(event):
        read = read_batch(aws_clients.client("kinesis", batch.region), batch, context)
        key = archive_key(ARCHIVE_PREFIX, batch)
        outcome = store(aws_clients.client("s3"), ARCHIVE_BUCKET, key, archive_document(batch, read))
        entry = {"key": key, "outcome": outcome, "records": len(read.records), "expected": batch.batch_size,
                 "complete": read.complete, "shard_id": batch.shard_id, "condition": batch.condition,
                 "start_sequence": batch.start_sequence, "end_sequence": batch.end_sequence}
        LOG.log("INFO" if read.complete else "WARNING", "failed batch archived", note=read.note, **entry)
        archived.append(entry)
    return {"archived": archived}
