"""Tiny Lambda functions, zipped with a manifest written like build.py writes it, for testing the runner alone."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from pipeline_contract.artifact_hash import filebase64sha256
from pipeline_contract.manifest import MANIFEST_FILE, Artifact, Manifest
from pipeline_contract.manifest import write as write_manifest

# A handler whose behaviour each record chooses, so a test can provoke every path of the runner.
# Records are JSON: {"id": ..., "key": ..., "mode": "ok" | "poison" | "sleep" | "crash" | "spin" | "hog" | "nap"}
# ("spin": `loops` iterations of CPU work; "hog": hold `mb` MB of memory; "nap": sleep `seconds`).
SINK_HANDLER = '''
import base64, fcntl, json, os, time

with open(os.environ["INIT_LOG"], "a") as init_log:
    init_log.write(f"{os.getpid()}\\n")

def _take_transient_failure():
    path = os.environ.get("FAIL_BUDGET", "")
    if not path or not os.path.exists(path):
        return False
    with open(path, "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        left = int(handle.read() or 0)
        if left <= 0:
            return False
        handle.seek(0); handle.truncate(); handle.write(str(left - 1))
        return True

def handler(event, context):
    assert context.get_remaining_time_in_millis() > 0
    if _take_transient_failure():
        raise RuntimeError("sink unavailable")
    failures, lines = [], []
    for record in event["Records"]:
        body = json.loads(base64.b64decode(record["kinesis"]["data"]))
        mode = body.get("mode", "ok")
        if mode == "sleep":
            time.sleep(30)
        if mode == "spin":
            total = 0
            for i in range(body["loops"]):
                total += i
        if mode == "hog":
            held = b"x" * (body["mb"] << 20)
        if mode == "nap":
            time.sleep(body["seconds"])
        if mode == "crash":
            raise ValueError(f"poison record {body['id']}")
        if mode == "poison":
            failures.append({"itemIdentifier": record["kinesis"]["sequenceNumber"]})
            break
        lines.append(json.dumps({"id": body["id"], "key": record["kinesis"]["partitionKey"],
                                 "seq": record["kinesis"]["sequenceNumber"], "pid": os.getpid(), "code": CODE_TAG,
                                 "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
                                 "invoked": context.invoked_function_arn, "source": record["eventSourceARN"]}))
    if lines:
        with open(os.environ["OUT_FILE"], "a") as out:
            out.write("\\n".join(lines) + "\\n")
    return {"batchItemFailures": failures}
'''

LAYER_HELPER = '''
def shout(text):
    return text.upper() + "!"
'''

LAYER_USER_HANDLER = '''
import boto3, json, os, helper

def handler(event, context):
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps({
        "shout": helper.shout("hi"), "boto3": boto3.__file__, "records": len(event.get("Records", [])),
        "request_id": context.aws_request_id, "function": context.function_name,
    }))
    if os.environ.get("ALWAYS_FAIL"):
        raise RuntimeError("asked to fail")
    return {"ok": True}
'''

# A tumbling-window aggregator: sums each record's `value` per `key` into `state` and writes one line per
# successful invocation (what it was given, and at the final invocation the window's totals) to OUT_FILE.
# A record with mode "crash" fails the invocation before anything is written.
WINDOW_SUM_HANDLER = '''
import base64, json, os

def handler(event, context):
    state = dict(event["state"])
    ids = []
    for record in event["Records"]:
        body = json.loads(base64.b64decode(record["kinesis"]["data"]))
        if body.get("mode") == "crash":
            raise ValueError(f"poison record {body['id']}")
        state[body["key"]] = state.get(body["key"], 0) + body["value"]
        ids.append(body["id"])
    line = {"final": event["isFinalInvokeForWindow"], "early": event["isWindowTerminatedEarly"],
            "window": event["window"], "shard": event["shardId"], "source": event["eventSourceARN"],
            "state_in": event["state"], "ids": ids}
    if event["isFinalInvokeForWindow"]:
        line["totals"] = state
    with open(os.environ["OUT_FILE"], "a") as out:
        out.write(json.dumps(line) + "\\n")
    return {"state": state}
'''


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def write_artifacts(root: Path, rename: dict[str, str] | None = None, code_tag: str = "first") -> Path:
    """dist/*.zip + dist/manifest.json under root, written by the contract; returns the manifest path.

    `rename` gives artifacts the names a configuration expects (e.g. sink -> stream_processor).
    `code_tag` is built into the sink's code and written with each record, so another tag is a
    new build and a test sees which build ran.
    """
    rename = rename or {}
    dist = root / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    zips = {
        "sink": ("function", {"app.py": f"CODE_TAG = {code_tag!r}\n{SINK_HANDLER}"}),
        "layer_user": ("function", {"app.py": LAYER_USER_HANDLER}),
        "helpers": ("layer", {"python/helper.py": LAYER_HELPER}),
        "window_sum": ("function", {"app.py": WINDOW_SUM_HANDLER}),
    }
    artifacts = []
    for original, (kind, files) in zips.items():
        name = rename.get(original, original)
        path = dist / f"{name}.zip"
        path.write_bytes(_zip(files))
        artifacts.append(Artifact(
            name=name, kind=kind, path=f"dist/{name}.zip", source_code_hash=filebase64sha256(path),
            zipped_bytes=path.stat().st_size, unzipped_bytes=sum(len(text.encode()) for text in files.values()),
            runtime="python3.12", architecture="x86_64", handler="app.handler" if kind == "function" else None,
            layers=(rename.get("helpers", "helpers"),) if original == "layer_user" else (), aws_services=(),
            upload_via_s3=False,
        ))
    manifest = dist / MANIFEST_FILE
    write_manifest(manifest, Manifest.of(artifacts))
    return manifest
