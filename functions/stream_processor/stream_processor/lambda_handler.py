"""The Lambda entry point: configuration, logger, sink and DLQ built once per execution environment.

Nothing here touches the network at import: the database connection and AWS clients are created
on first use and then reused while the environment stays warm (and re-created when broken).
"""

from __future__ import annotations

import os
from typing import Any

from pipeline_common import aws_clients
from pipeline_common.jsonlog import JsonLogger
from pipeline_common.retry import RetryPolicy

from stream_processor.batch import BatchLimits, BatchProcessor
from stream_processor.db_auth import connect_kwargs
from stream_processor.dead_letter import PayloadBucket, SqsDeadLetter
from stream_processor.postgres_sink import PostgresSink
from stream_processor.settings import load_settings

SETTINGS = load_settings(os.environ)
LOG = JsonLogger("stream_processor", SETTINGS.log_level)
PROCESSOR = BatchProcessor(
    sink=PostgresSink(lambda: connect_kwargs(SETTINGS), ensure_schema=SETTINGS.db_ensure_schema),
    dead_letter=SqsDeadLetter(
        SETTINGS.dlq_url, lambda: aws_clients.client("sqs", SETTINGS.region),
        PayloadBucket(SETTINGS.dlq_payload_bucket, SETTINGS.dlq_payload_prefix, lambda: aws_clients.client("s3", SETTINGS.region)),
    ),
    limits=BatchLimits(
        max_event_bytes=SETTINGS.max_event_bytes,
        chunk_size=SETTINGS.chunk_size,
        sink_policy=RetryPolicy(max_attempts=SETTINGS.sink_max_attempts, base_delay=0.1, max_delay=2.0),
        time_reserve_seconds=SETTINGS.time_reserve_seconds,
        sink_attempt_seconds=SETTINGS.db_connect_timeout,
        write_timeout_seconds=SETTINGS.db_write_timeout,
    ),
)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Kinesis batch in, partial batch response out; one JSON summary line per batch."""
    LOG.bind_request(context)
    result = PROCESSOR.process(event.get("Records") or [], context)
    level = "WARNING" if result.summary["error"] or result.summary["poison"] else "INFO"
    LOG.log(level, "batch processed", **result.summary)
    return result.response
