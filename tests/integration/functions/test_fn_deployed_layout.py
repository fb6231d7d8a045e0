"""The handlers run unchanged as Lambda lays them out: code in a /var/task-like dir, the layer in
an /opt/python-like dir, configuration only from environment variables, in a fresh process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path

import orjson
from kinesis_events import clickstream_batch, on_failure_sns_event
from pipeline_common import aws_clients
from repo_paths import REPO_ROOT as ROOT

# Mimics the runtime's bootstrap: import the module named by the handler string, getattr the function.
BOOTSTRAP = """
import importlib, json, sys
task, layer, handler = sys.argv[1:4]
sys.path[:0] = [task, layer]
module_name, function_name = handler.rsplit(".", 1)
function = getattr(importlib.import_module(module_name), function_name)
class Context:
    aws_request_id = "req-deployed"
    def get_remaining_time_in_millis(self):
        return 60_000
result = function(json.load(sys.stdin), Context())
print("RESULT " + json.dumps(result))
"""


def deploy(tmp_path: Path, function: str, package: str) -> tuple[Path, Path, str]:
    task, layer = tmp_path / "var/task", tmp_path / "opt/python"
    shutil.copytree(ROOT / "functions" / function / package, task / package)
    shutil.copytree(ROOT / "layers/common/pipeline_common", layer / "pipeline_common")
    handler = tomllib.loads((ROOT / "functions" / function / "function.toml").read_text())["handler"]
    (tmp_path / "bootstrap.py").write_text(BOOTSTRAP)
    return task, layer, handler


def invoke(tmp_path: Path, task: Path, layer: Path, handler: str, env: dict[str, str], event: dict) -> tuple[dict, list[dict]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "DLQ_", "ARCHIVE_", "PYTHON"))}
    out = subprocess.run([sys.executable, "-P", str(tmp_path / "bootstrap.py"), str(task), str(layer), handler],
                         input=orjson.dumps(event), capture_output=True, env={**base, **env}, cwd=task,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr.decode()
    lines = out.stdout.decode().splitlines()
    result = orjson.loads(lines[-1].removeprefix("RESULT "))
    return result, [orjson.loads(line) for line in lines[:-1]]


def test_stream_processor_runs_from_the_deployed_layout(tmp_path, database, dlq_url, aws):
    task, layer, handler = deploy(tmp_path, "stream_processor", "stream_processor")
    env = {**aws.env(), "DLQ_URL": dlq_url, "DB_HOST": "127.0.0.1", "DB_PORT": str(database.server.port),
           "DB_NAME": database.name, "DB_USER": "postgres", "DB_AUTH": "trust", "LOG_LEVEL": "INFO"}
    event = clickstream_batch(300)
    event["Records"][7]["kinesis"]["data"] = "bm90IGpzb24="  # "not json"
    result, logs = invoke(tmp_path, task, layer, handler, env, event)
    assert result == {"batchItemFailures": []}
    assert len(logs) == 1, "one summary line per batch, never one per record"
    assert (logs[0]["message"], logs[0]["stored"], logs[0]["poison"], logs[0]["request_id"]) == \
        ("batch processed", 299, 1, "req-deployed")
    assert database.query("SELECT count(*) FROM clickstream_events") == [(299,)]


def test_stream_processor_refuses_to_start_without_its_configuration(tmp_path):
    task, layer, handler = deploy(tmp_path, "stream_processor", "stream_processor")
    out = subprocess.run([sys.executable, "-P", str(tmp_path / "bootstrap.py"), str(task), str(layer), handler],
                         input=b'{"Records": []}', capture_output=True, timeout=60, check=False,
                         env={"PATH": os.environ.get("PATH", ""), "DB_AUTH": "trust", "DB_USER": "app"})
    assert out.returncode != 0
    assert out.stderr.decode().strip().splitlines()[-1] == (
        "pipeline_common.config.ConfigError: environment variable DLQ_URL is required but not set; "
        "set it in the function's environment")


def test_failure_handler_runs_from_the_deployed_layout(tmp_path, aws, stream):
    task, layer, handler = deploy(tmp_path, "failure_handler", "failure_handler")
    bucket = f"archive-{uuid.uuid4().hex[:8]}"
    aws_clients.client("s3").create_bucket(Bucket=bucket)
    env = {**aws.env(), "ARCHIVE_BUCKET": bucket, "LOG_LEVEL": "INFO"}
    result, logs = invoke(tmp_path, task, layer, handler, env, on_failure_sns_event(stream, 2, 6))
    assert [(a["records"], a["complete"], a["outcome"]) for a in result["archived"]] == [(5, True, "written")]
    assert [line["message"] for line in logs] == ["failed batch archived"]
    assert aws_clients.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 1
