"""The handlers run unchanged as Lambda lays them out (tests/lambda_layout.py), invoked against the
emulator and PostgreSQL. Refusing to start without configuration: tests/unit/functions/test_fn_deployed_configuration.py."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import orjson
from kinesis_events import clickstream_batch, on_failure_sns_event
from lambda_layout import deploy, run_deployed
from pipeline_common import aws_clients


def invoke(tmp_path: Path, task: Path, layer: Path, handler: str, env: dict[str, str], event: dict) -> tuple[dict, list[dict]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DLQ_", "ARCHIVE_", "PYTHON"))}
    out = run_deployed(tmp_path, task, layer, handler, {**base, **env}, orjson.dumps(event), timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    lines = out.stdout.decode().splitlines()
    result = orjson.loads(lines[-1].removeprefix("RESULT "))
    return result, [orjson.loads(line) for line in lines[:-1]]


def test_stream_processor_runs_from_the_deployed_layout(tmp_path, database, dlq_url, payload_bucket, aws):
    task, layer, handler = deploy(tmp_path, "stream_processor", "stream_processor")
    env = {**aws.env(), "DLQ_URL": dlq_url, "DLQ_PAYLOAD_BUCKET": payload_bucket, "DB_HOST": "127.0.0.1", "DB_PORT": str(database.server.port),
           "DB_NAME": database.name, "DB_USER": "postgres", "DB_AUTH": "trust", "LOG_LEVEL": "INFO"}
    event = clickstream_batch(300)
    event["Records"][7]["kinesis"]["data"] = "bm90IGpzb24="  # "not json"
    result, logs = invoke(tmp_path, task, layer, handler, env, event)
    assert result == {"batchItemFailures": []}
    assert len(logs) == 1, "one summary line per batch, never one per record"
    assert (logs[0]["message"], logs[0]["stored"], logs[0]["poison"], logs[0]["request_id"]) == \
        ("batch processed", 299, 1, "req-deployed")
    assert database.query("SELECT count(*) FROM clickstream_events") == [(299,)]


def test_failure_handler_runs_from_the_deployed_layout(tmp_path, aws, stream):
    task, layer, handler = deploy(tmp_path, "failure_handler", "failure_handler")
    bucket = f"archive-{uuid.uuid4().hex[:8]}"
    aws_clients.client("s3").create_bucket(Bucket=bucket)
    env = {**aws.env(), "ARCHIVE_BUCKET": bucket, "LOG_LEVEL": "INFO"}
    result, logs = invoke(tmp_path, task, layer, handler, env, on_failure_sns_event(stream, 2, 6))
    assert [(a["records"], a["complete"], a["outcome"]) for a in result["archived"]] == [(5, True, "written")]
    assert [line["message"] for line in logs] == ["failed batch archived"]
    assert aws_clients.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 1
