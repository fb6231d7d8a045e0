"""The mapping runner against moto with real worker processes running small fixture functions."""

from __future__ import annotations

import base64
import json
import math
import time
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from local_stack.runtime.artifacts import ArtifactError
from waiting import wait_until

from tests.integration.emulated_stack import Stack, bodies


def test_every_record_once_in_order_per_key_with_parallel_lanes_and_warm_workers(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=2)
    stack.function("sink", "sink")
    stack.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON",
                                          BatchSize=25, ParallelizationFactor=3)
    sent = bodies(600, keys=12)
    stack.put("clicks", sent)
    with stack.runner(max_workers_per_function=3) as runner:
        assert runner.wait_idle(60), "runner did not finish"
        assert runner.all_errors() == []
        invocations = runner.registry.get("sink").invocations
    got = stack.delivered()
    assert sorted(r["id"] for r in got) == list(range(600))
    by_key = defaultdict(list)
    for r in got:
        by_key[r["key"]].append(r["id"])
    assert all(ids == sorted(ids) for ids in by_key.values())
    assert invocations >= 600 // 25
    init_pids = stack.init_log.read_text().split()
    assert 1 <= len(init_pids) <= 3, "module init must run once per warm worker, not per invocation"
    assert {r["pid"] for r in got} <= {int(p) for p in init_pids}


def test_poison_record_is_retried_then_reported_to_on_failure_queue_in_aws_shape(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    url, queue_arn = stack.queue("on-failure")
    fn_arn = stack.function("sink", "sink")
    stack.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON", BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    stack.put("clicks", bodies(20, keys=1, special={4: "poison"}))
    with stack.runner() as runner:
        assert runner.wait_idle(60)
        outcome = runner.pollers[0].stats.outcome
    got = sorted(r["id"] for r in stack.delivered())
    assert got == [0, 1, 2, 3, *range(10, 20)]
    assert outcome.retries == 2 and outcome.discarded == 6
    [message] = stack.drain(url)
    seqs = {r["SequenceNumber"]: json.loads(r["Data"])["id"] for r in stack.kinesis.get_records(
        ShardIterator=stack.kinesis.get_shard_iterator(StreamName="clicks", ShardId="shardId-000000000000",
                                                       ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"]}
    info = message["KinesisBatchInfo"]
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["functionArn"] == fn_arn
    assert message["requestContext"]["approximateInvokeCount"] == 3
    assert message["version"] == "1.0" and "functionError" not in message["responseContext"]
    assert (seqs[info["startSequenceNumber"]], seqs[info["endSequenceNumber"]], info["batchSize"]) == (4, 9, 6)
    assert info["shardId"] == "shardId-000000000000" and info["streamArn"] == arn
    assert info["approximateArrivalOfFirstRecord"].endswith("Z")


def test_an_updated_mapping_applies_its_retry_settings_while_running_and_iterator_age_is_recorded(stack: Stack) -> None:
    """AWS applies UpdateEventSourceMapping to a running mapping: here a retry limit lowered to 0 gives up at once."""
    arn = stack.stream("clicks", shards=1)
    url, queue_arn = stack.queue("on-failure")
    stack.function("sink", "sink")
    mapping = stack.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON", BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=10_000,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    with stack.runner(settings_refresh_s=0.1) as runner:
        [poller] = runner.pollers
        stack.lam.update_event_source_mapping(UUID=mapping["UUID"], MaximumRetryAttempts=0)
        wait_until(lambda: poller.policy.max_retry_attempts == 0, 30, "the runner to apply the updated retry limit")
        stack.put("clicks", bodies(10, keys=1, special={0: "poison"}))
        assert runner.wait_idle(60)
        assert (poller.stats.outcome.retries, poller.stats.outcome.discarded) == (0, 10)
        assert 0 < poller.stats.max_iterator_age_ms < 30_000
    assert len(stack.drain(url)) == 1


def test_bisect_isolates_a_crashing_record_and_transient_errors_are_retried(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    url, queue_arn = stack.queue("on-failure")
    budget = stack.tmp / "budget"
    budget.write_text("3")
    stack.function("sink", "sink", env={"FAIL_BUDGET": str(budget)})
    stack.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON", BatchSize=16,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    stack.put("clicks", bodies(16, keys=2, special={9: "crash"}))
    with stack.runner() as runner:
        assert runner.wait_idle(60)
    assert budget.read_text() == "0"
    assert sorted(r["id"] for r in stack.delivered()) == [i for i in range(16) if i != 9]
    [message] = stack.drain(url)
    assert message["KinesisBatchInfo"]["batchSize"] == 1
    assert message["responseContext"]["functionError"] == "Unhandled"


def test_timeout_kills_the_worker_and_counts_as_a_failed_attempt(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    url, queue_arn = stack.queue("on-failure")
    stack.function("sink", "sink", timeout=1)
    stack.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON", BatchSize=1,
        MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    stack.put("clicks", bodies(3, keys=1, special={1: "sleep"}))
    started = time.monotonic()
    with stack.runner() as runner:
        assert runner.wait_idle(30)
        invoker = runner.registry.get("sink")
    assert time.monotonic() - started < 10
    assert sorted(r["id"] for r in stack.delivered()) == [0, 2]
    assert invoker.cold_starts == 2, "the timed-out environment must be replaced"
    [message] = stack.drain(url)
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"


def test_sns_destination_invokes_subscriber_asynchronously_with_layers_runtime_boto3_and_destinations(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    sns = stack.client("sns")
    topic = sns.create_topic(Name="failures")["TopicArn"]
    seen_url, _ = stack.queue("seen")
    _, sns_copy_arn = stack.queue("sns-copy")
    async_failed_url, async_failed_arn = stack.queue("async-failed")
    layer = stack.lam.publish_layer_version(LayerName="helpers", Content={"ZipFile": (stack.dist / "helpers.zip").read_bytes()})
    handler_arn = stack.function("handler", "layer_user", env={"QUEUE_URL": seen_url, "ALWAYS_FAIL": "1"},
                                 layers=[layer["LayerVersionArn"]])
    stack.lam.put_function_event_invoke_config(FunctionName="handler", MaximumRetryAttempts=1,
                                               DestinationConfig={"OnFailure": {"Destination": async_failed_arn}})
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=handler_arn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=sns_copy_arn)
    stack.function("sink", "sink")
    stack.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON", BatchSize=5,
        FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": topic}})
    stack.put("clicks", bodies(5, keys=1, special={2: "poison"}))
    with stack.runner() as runner:
        assert runner.wait_idle(60)
        assert runner.all_errors() == []
        stats = runner.sns.stats
    seen = stack.drain(seen_url)
    assert len(seen) == 2, "one invocation plus MaximumRetryAttempts=1 retry"
    assert all(s["shout"] == "HI!" and s["records"] == 1 and s["function"] == "handler" for s in seen)
    runtime_packages = f"{stack.tmp / 'state' / 'runtime'}/"  # the runtime's boto3, never the dev venv's
    assert all(s["boto3"].startswith(runtime_packages) for s in seen), seen[0]["boto3"]
    [record] = stack.drain(async_failed_url)
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    on_failure = json.loads(record["requestPayload"]["Records"][0]["Sns"]["Message"])
    assert on_failure["KinesisBatchInfo"]["batchSize"] == 3
    assert record["responsePayload"]["errorMessage"] == "asked to fail"
    assert (stats.invocations, stats.failed, stats.destination_messages) == (2, 1, 1)


def test_code_that_differs_from_the_manifest_is_refused(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    stack.function("sink", "sink")
    stack.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="sink", StartingPosition="LATEST")
    (stack.dist / "sink.zip").write_bytes(b"rebuilt since deploy")
    with pytest.raises(ArtifactError, match="no longer matches the deployed function sink; run `make build`"):
        stack.runner().start()


def test_s3_destination_gets_the_metadata_and_the_whole_invocation_under_awss_key_layout(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    s3 = stack.client("s3")
    s3.create_bucket(Bucket="failed-batches")
    stack.function("sink", "sink")
    mapping = stack.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON", BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"], MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failed-batches"}})
    stack.put("clicks", bodies(10, keys=1, special={6: "poison"}))
    with stack.runner() as runner:
        assert runner.wait_idle(60)
        assert runner.all_errors() == []
    [listed] = s3.list_objects_v2(Bucket="failed-batches")["Contents"]
    assert listed["Key"].startswith(f"aws/lambda/{mapping['UUID']}/shardId-000000000000/"), listed["Key"]
    message = json.loads(s3.get_object(Bucket="failed-batches", Key=listed["Key"])["Body"].read())
    assert message["KinesisBatchInfo"]["batchSize"] == 4 and message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    # "For Amazon S3 destinations, Lambda also sends the entire invocation record": the records themselves, 6 to 9.
    payload = message["payload"]["Records"]
    assert [json.loads(base64.b64decode(r["kinesis"]["data"]))["id"] for r in payload] == [6, 7, 8, 9]
    assert payload[0]["kinesis"]["sequenceNumber"] == message["KinesisBatchInfo"]["startSequenceNumber"]
    assert sorted(r["id"] for r in stack.delivered()) == list(range(6))


def test_latest_reads_only_what_is_written_after_the_mapping_starts(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    stack.function("sink", "sink")
    stack.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="sink", StartingPosition="LATEST", BatchSize=10)
    stack.put("clicks", bodies(5, keys=1))  # before the mapping's first read: skipped
    with stack.runner() as runner:
        assert runner.wait_idle(30), "the reader reaches the tip"
        stack.put("clicks", [{**b, "id": b["id"] + 100} for b in bodies(5, keys=1)])
        wait_until(lambda: len(stack.delivered()) >= 5, 30, "the five records written after the start")
        assert runner.wait_idle(30) and runner.all_errors() == []
    assert sorted(r["id"] for r in stack.delivered()) == [100, 101, 102, 103, 104]


def test_at_timestamp_starts_at_the_first_record_written_at_or_after_it(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    stack.function("sink", "sink")
    stack.put("clicks", bodies(5, keys=1))
    # The SDK sends the timestamp in whole seconds: the next second starts after the first five were written.
    between = datetime.fromtimestamp(math.floor(time.time()) + 1, UTC)
    wait_until(lambda: time.time() >= between.timestamp(), 2, "the next whole second")
    stack.put("clicks", [{**b, "id": b["id"] + 100} for b in bodies(5, keys=1)])
    stack.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="sink", StartingPosition="AT_TIMESTAMP",
                                          StartingPositionTimestamp=between, BatchSize=10)
    [mapping] = stack.lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
    assert mapping["StartingPositionTimestamp"] == between, "AWS returns the timestamp the mapping was created with"
    with stack.runner() as runner:
        assert runner.wait_idle(30)
        assert runner.all_errors() == []
    assert sorted(r["id"] for r in stack.delivered()) == [100, 101, 102, 103, 104]
