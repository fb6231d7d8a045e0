"""`make status` (python -m operations.status) against a moto server whose resources were made through boto3
as on AWS: per-shard lag, the mapping's state, queue depth and oldest-message age, the pipeline's alarms
(one put in ALARM with SetAlarmState), as a table and as JSON; the parts named by flags, by `terraform
output` of a root module's state, and by a running local stack's stack.json."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from atomic_files import write_text_atomic
from local_stack.emulators.moto_server import MotoServer
from repo_paths import REPO_ROOT

ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
LAG_REASON = "Threshold Crossed: 1 out of the last 1 datapoints [95000.0] was greater than the threshold (60000.0)."


def status(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "operations.status", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr + result.stdout
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.fixture(scope="module")
def pipeline(own_moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A two-shard stream (shard-level iterator age on), a function with its mapping, a dead-letter queue holding
    three messages, an empty failure queue, alarms of the pipeline and others, and the metrics AWS would publish."""
    own_moto.reset()
    session = boto3.session.Session(region_name=own_moto.region, aws_access_key_id="testing", aws_secret_access_key="testing")

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=own_moto.endpoint_url)

    kinesis, sqs, lam, cloudwatch = client("kinesis"), client("sqs"), client("lambda"), client("cloudwatch")
    kinesis.create_stream(StreamName="clicks", ShardCount=2)
    kinesis.get_waiter("stream_exists").wait(StreamName="clicks", WaiterConfig={"Delay": 0.2})
    kinesis.enable_enhanced_monitoring(StreamName="clicks", ShardLevelMetrics=["IteratorAgeMilliseconds"])
    stream_arn = kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"]["StreamARN"]
    shards = [s["ShardId"] for s in kinesis.list_shards(StreamName="clicks")["Shards"]]
    role = client("iam").create_role(RoleName="processor", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    lam.create_function(FunctionName="clicks-processor", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": code.getvalue()})
    mapping = lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName="clicks-processor",
                                              StartingPosition="LATEST", BatchSize=100)["UUID"]
    dlq = sqs.create_queue(QueueName="clicks-poison")["QueueUrl"]
    failed = sqs.create_queue(QueueName="clicks-failed")["QueueUrl"]
    for n in range(3):
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"reason": "malformed_json", "n": n}))
    for name, tags in (("clicks-iterator-age", []), ("clicks-dead-letter-depth", []), ("other-pipeline-lag", []),
                       ("team-owned-throttles", [{"Key": "team", "Value": "clicks"}])):
        cloudwatch.put_metric_alarm(AlarmName=name, Namespace="AWS/Lambda", MetricName="IteratorAge", Statistic="Maximum",
                                    Dimensions=[{"Name": "FunctionName", "Value": "clicks-processor"}], Period=60,
                                    EvaluationPeriods=1, Threshold=60000, ComparisonOperator="GreaterThanThreshold", Tags=tags)
    cloudwatch.set_alarm_state(AlarmName="clicks-iterator-age", StateValue="ALARM", StateReason=LAG_REASON)
    cloudwatch.set_alarm_state(AlarmName="clicks-dead-letter-depth", StateValue="OK", StateReason="back to normal")
    cloudwatch.set_alarm_state(AlarmName="other-pipeline-lag", StateValue="ALARM", StateReason="not ours")
    now = datetime.now(UTC)

    def publish(namespace: str, metric: str, dimensions: dict[str, str], value: float, minutes_ago: float = 0) -> None:
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=[{
            "MetricName": metric, "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()], "Value": value,
            "Timestamp": now - timedelta(minutes=minutes_ago)}])

    publish("AWS/Lambda", "IteratorAge", {"FunctionName": "clicks-processor"}, 4_500, minutes_ago=3)
    publish("AWS/Lambda", "IteratorAge", {"FunctionName": "clicks-processor"}, 9_000, minutes_ago=1)  # the latest wins
    publish("AWS/Lambda", "IteratorAge", {"FunctionName": "clicks-processor"}, 70_000, minutes_ago=20)  # too old to show
    publish("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": "clicks-poison"}, 240, minutes_ago=1)
    publish("AWS/Kinesis", "IteratorAgeMilliseconds", {"StreamName": "clicks", "ShardId": shards[0]}, 1_500, minutes_ago=1)
    publish("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", {"StreamName": "clicks"}, 2_500, minutes_ago=1)
    state_dir = tmp_path_factory.mktemp("no-local-stack")
    env = {**os.environ, **own_moto.env(), "LOCAL_STACK_STATE_DIR": str(state_dir)}
    outputs = {"stream_name": "clicks", "stream_processor_function_name": "clicks-processor", "dead_letter_queue_url": dlq,
               "failure_handler_outcome_queue_urls": {"succeeded": failed, "failed": failed},
               "alarm_names": {"iterator_age_lagging": "clicks-iterator-age", "dead_letter_depth": "clicks-dead-letter-depth"}}
    return {"env": env, "state_dir": state_dir, "dlq": dlq, "failed": failed, "shards": shards, "mapping": mapping,
            "outputs": outputs, "moto": own_moto}


def test_every_part_of_a_pipeline_named_by_flags(pipeline: dict[str, Any]) -> None:
    report = as_json(status(pipeline["env"], "--aws", "--stream", "clicks", "--function", "clicks-processor",
                            "--dlq", pipeline["dlq"], "--alarm-prefix", "clicks-", "--json"))
    assert report["target"].startswith("AWS us-east-1 (") and "AWS_ENDPOINT_URL" in report["target"]
    assert report["runner"] is None and report["problems"] == []
    [stream] = report["streams"]
    assert (stream["name"], stream["status"], stream["open_shards"], stream["reader_age_ms"]["value"]) == ("clicks", "ACTIVE", 2, 2_500)
    first, second = report["shards"]
    assert [first["shard"], second["shard"]] == pipeline["shards"] and first["state"] == second["state"] == "open"
    assert (first["ms_behind"]["value"], first["ms_behind"]["source"]) == (1_500, "CloudWatch AWS/Kinesis IteratorAgeMilliseconds Maximum")
    assert second["ms_behind"] == {"value": None, "source": "no AWS/Kinesis IteratorAgeMilliseconds datapoint in 15 min",
                                   "at": None, "at_least": False}
    assert first["records_behind"]["value"] is None and "checkpoint" in first["records_behind"]["source"]
    [function] = report["functions"]
    assert function["name"] == "clicks-processor" and function["iterator_age_ms"]["value"] == 9_000
    assert datetime.fromisoformat(function["iterator_age_ms"]["at"]) > datetime.now(UTC) - timedelta(minutes=3)
    [mapping] = report["mappings"]
    assert (mapping["uuid"], mapping["function"], mapping["event_source"], mapping["state"]) == (
        pipeline["mapping"], "clicks-processor", "clicks", "Enabled")
    [queue] = report["queues"]
    assert (queue["name"], queue["messages"], queue["in_flight"], queue["oldest_age_s"]["value"]) == ("clicks-poison", 3, 0, 240)
    assert [(a["name"], a["state"], a["reason"]) for a in report["alarms"]] == [
        ("clicks-dead-letter-depth", "OK", "back to normal"), ("clicks-iterator-age", "ALARM", LAG_REASON)]


def test_the_table_shows_the_same_in_one_readable_table(pipeline: dict[str, Any]) -> None:
    result = status(pipeline["env"], "--aws", "--stream", "clicks", "--dlq", pipeline["dlq"], "--alarm-prefix", "clicks-")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("pipeline status: AWS us-east-1 (") and lines[1] == "parts from the command line"
    assert lines[3].split() == ["component", "name", "state", "backlog", "age", "detail"]
    rows = {tuple(line.split()[:2]): line for line in lines[5:] if line and not line.startswith(" ")}
    assert "ALARM" in rows[("alarm", "clicks-iterator-age")] and "Threshold Crossed" in rows[("alarm", "clicks-iterator-age")]
    assert "3 messages" in rows[("queue", "clicks-poison")] and "4 min 0 s" in rows[("queue", "clicks-poison")]
    assert "9.0 s" in rows[("function", "clicks-processor")], "the mapping's function is found through the stream"
    assert "1.5 s" in rows[("shard", f"clicks/{pipeline['shards'][0]}")]
    assert "Enabled" in rows[("mapping", pipeline["mapping"])]


def test_alarms_selected_by_tag(pipeline: dict[str, Any]) -> None:
    report = as_json(status(pipeline["env"], "--aws", "--stream", "clicks", "--alarm-tag", "team=clicks", "--json"))
    assert [a["name"] for a in report["alarms"]] == ["team-owned-throttles"]


def test_parts_named_by_the_root_modules_outputs(pipeline: dict[str, Any], tmp_path: Path) -> None:
    """`terraform output -json` (the real CLI) reads them from the root module's state."""
    outputs = {name: {"value": value, "type": "string" if isinstance(value, str) else ["map", "string"]}
               for name, value in pipeline["outputs"].items()}
    (tmp_path / "terraform.tfstate").write_text(json.dumps({
        "version": 4, "terraform_version": "1.11.0", "serial": 1, "lineage": "status-test", "outputs": outputs, "resources": []}))
    report = as_json(status(pipeline["env"], "--aws", "--chdir", str(tmp_path), "--json"))
    assert report["named_by"] == f"`terraform output` in {tmp_path}"
    assert [(q["label"], q["name"], q["messages"]) for q in report["queues"]] == [
        ("dead-letter queue", "clicks-poison", 3), ("failure handler's failed invocations", "clicks-failed", 0)]
    assert [(a["name"], a["state"]) for a in report["alarms"]] == [("clicks-dead-letter-depth", "OK"), ("clicks-iterator-age", "ALARM")]
    assert [f["name"] for f in report["functions"]] == ["clicks-processor"] and len(report["shards"]) == 2


def test_a_running_local_stack_is_the_default_target_with_the_runners_numbers(pipeline: dict[str, Any], tmp_path: Path) -> None:
    """stack.json and status.json as `make up` writes them (the real ones: tests/integration/test_cli.py)."""
    moto, first = pipeline["moto"], pipeline["shards"][0]
    (tmp_path / "stack.json").write_text(json.dumps({"pid": os.getpid(), "endpoint": moto.endpoint_url, "region": moto.region,
                                                     "outputs": pipeline["outputs"]}))
    shard = {"shard": f"clicks/{first}", "records_read": 1_200, "checkpoint": "49", "pending": 600, "millis_behind_latest": 3_000,
             "in_flight": 2, "idle": False, "tip_seen_at": 0.0}
    through = {**shard, "shard": f"clicks/consumer/fanout/{first}", "records_read": 1_800, "pending": 0, "idle": True,
               "millis_behind_latest": 0}  # a second mapping on the same shard, through an enhanced fan-out consumer
    stop = threading.Event()

    def report_like_the_runner() -> None:  # `make up` rewrites status.json four times a second
        while True:
            write_text_atomic(tmp_path / "status.json", json.dumps(
                {"written_at": time.time(), "async_in_flight": False, "errors": [], "shards": [shard, through]}))
            if stop.wait(0.25):
                return

    writer = threading.Thread(target=report_like_the_runner)
    writer.start()
    env = {**pipeline["env"], "LOCAL_STACK_STATE_DIR": str(tmp_path)}
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)  # everything comes from stack.json
    try:
        report = as_json(status(env, "--json"))
        table = status(env)
    finally:
        stop.set()
        writer.join()
    assert report["target"] == f"local stack at {moto.endpoint_url} (pid {os.getpid()}, {moto.region})"
    assert report["named_by"] == "the root module's outputs saved by `make up`"
    read, fanned_out, unread = report["shards"]
    assert (fanned_out["shard"], fanned_out["consumer"], fanned_out["state"], fanned_out["runner"]["records_read"]) == (
        first, "fanout", "caught up", 1_800)
    assert read["consumer"] is None and read["shard"] == first
    assert (read["state"], read["records_behind"]["value"], read["records_behind"]["at_least"], read["ms_behind"]["value"]) == (
        "processing", 600, True, 3_000)
    assert read["records_behind"]["source"].startswith("runner:") and read["ms_behind"]["source"].startswith("runner:")
    assert read["runner"] == {"records_read": 1_200, "checkpoint": "49", "pending": 600, "in_flight": 2}
    assert unread["state"] == "not read" and unread["ms_behind"]["value"] is None and unread["runner"] is None
    assert report["runner"]["drained"] is False and "600 pending" in report["runner"]["not_drained_because"]
    assert [q["messages"] for q in report["queues"]] == [3, 0] and report["functions"][0]["iterator_age_ms"]["value"] == 9_000
    assert f"clicks/consumer/fanout/{first}" in table.stdout
    assert "≥ 600 records" in table.stdout and "local runner drained: no (" in table.stdout


def test_a_part_that_cannot_be_read_is_named_and_the_rest_still_shown(pipeline: dict[str, Any]) -> None:
    result = status(pipeline["env"], "--aws", "--stream", "clicks", "--stream", "gone", "--dlq", pipeline["dlq"], "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert len(report["problems"]) == 1 and report["problems"][0].startswith("stream gone: An error occurred (ResourceNotFoundException)")
    assert [s["name"] for s in report["streams"]] == ["clicks"] and report["queues"][0]["messages"] == 3
