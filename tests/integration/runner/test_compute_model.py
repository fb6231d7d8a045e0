"""Lambda's compute model on the emulator: CPU in proportion to memory, memory as a hard limit, and
concurrency (reserved and account) with throttles the mapping retries.

These run only where the runner can make cgroups (the runner says so otherwise, and these tests then
fail on purpose: a host without them does not show the model, it must not pass as if it did).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from local_stack.esm.aws_clients import AwsClients
from local_stack.monitoring.lambda_metrics import LambdaMetrics
from local_stack.monitoring.metric_publisher import MetricPublisher
from local_stack.runtime.worker import OUT_OF_MEMORY

from tests.integration.emulated_stack import Stack, bodies

STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/direct"  # invoked directly, as a mapping on it would


def batch_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": [{"kinesis": {"data": base64.b64encode(json.dumps(r).encode()).decode(), "partitionKey": r["key"],
                                     "sequenceNumber": str(i)}, "eventSourceARN": STREAM_ARN} for i, r in enumerate(records)]}


def test_the_same_cpu_bound_batch_takes_about_1769_over_128_times_as_long_at_128_mb(stack: Stack) -> None:
    stack.function("small", "sink", memory=128, timeout=60)
    stack.function("one_vcpu", "sink", memory=1769, timeout=60)
    # ~0.1 s of CPU: as long at one vCPU, ~1.5 s at 128 MB.
    spin = batch_event([{"id": 1, "key": "k", "mode": "spin", "loops": 2_000_000}])
    with stack.runner() as runner:
        assert runner.compute_note is None, runner.compute_note
        small, one_vcpu = runner.registry.get("small"), runner.registry.get("one_vcpu")
        for invoker in (small, one_vcpu):  # cold starts out of the way: Duration is the handler's time alone
            assert invoker.invoke(batch_event([{"id": 0, "key": "k"}])).cold_start
        fast, slow = [], []
        for _ in range(4):  # interleaved, so a burst of load elsewhere weighs on both sides alike
            fast.append(one_vcpu.invoke(spin))
            slow.append(small.invoke(spin))
        assert [r.error for r in fast + slow] == [None] * 8
        assert runner.all_errors() == []
    # 1769/128 = 13.8. Measured 11-18.5 per pair on a busy host (the same work takes 0.10-0.17 s of CPU from one
    # run to the next there), 13.5-14.7 summed over four pairs; without CPU limits it is about 1, and 1024/128 = 8.
    ratio = sum(r.duration_s for r in slow) / sum(r.duration_s for r in fast)
    assert 10 <= ratio <= 18, [(round(f.duration_s, 3), round(s.duration_s, 3)) for f, s in zip(fast, slow, strict=True)]


def test_a_function_over_its_memory_size_ends_as_out_of_memory_and_bisect_isolates_the_record(stack: Stack, tmp_path: Path) -> None:
    arn = stack.stream("clicks", shards=1)
    url, queue_arn = stack.queue("on-failure")
    stack.function("sink", "sink", memory=128, timeout=30)
    stack.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON", BatchSize=4,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    sent = bodies(4, keys=1)
    sent[2].update(mode="hog", mb=256)
    stack.put("clicks", sent)
    log_path = tmp_path / "functions.log"
    with open(log_path, "ab") as log, stack.runner(log=log) as runner:
        assert runner.compute_note is None, runner.compute_note
        assert runner.wait_idle(90)
        assert runner.all_errors() == []
        invoker = runner.registry.get("sink")
        outcome = runner.pollers[0].stats.outcome
    assert sorted(r["id"] for r in stack.delivered()) == [0, 1, 3]
    [message] = stack.drain(url)
    assert message["KinesisBatchInfo"]["batchSize"] == 1
    assert message["responseContext"]["functionError"] == "Unhandled"
    assert outcome.bisections == 2 and outcome.discarded == 1
    reports = [line for line in log_path.read_text().splitlines() if line.startswith("REPORT ")]
    out_of_memory = [line for line in reports if f"Error Type: {OUT_OF_MEMORY}" in line]
    assert len(out_of_memory) == 3, "the batch of 4, the half holding the record, the record alone"
    assert all("Memory Size: 128 MB\tMax Memory Used: 128 MB" in line for line in out_of_memory)
    assert invoker.cold_starts == 4, "each environment that ran out of memory is discarded"
    assert sum("Init Duration:" in line for line in reports) == invoker.cold_starts


def test_reserved_concurrency_of_one_throttles_a_second_lane_and_every_record_arrives(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=2)
    stack.function("sink", "sink", memory=1769)
    stack.lam.put_function_concurrency(FunctionName="sink", ReservedConcurrentExecutions=1)
    stack.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON",
                                          BatchSize=5, ParallelizationFactor=2, MaximumRetryAttempts=0)
    sent = [dict(body, mode="nap", seconds=0.05) for body in bodies(40, keys=8)]
    stack.put("clicks", sent)
    cloudwatch = AwsClients(stack.env)("cloudwatch")
    published = MetricPublisher(cloudwatch.put_metric_data, flush_interval_s=0.5).start()
    started = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    with stack.runner(metrics=LambdaMetrics(published)) as runner:
        assert runner.wait_idle(60)
        assert runner.all_errors() == []
        invoker = runner.registry.get("sink")
        throttled_batches = sum(p.stats.outcome.throttles for p in runner.pollers)
        discarded = sum(p.stats.outcome.discarded for p in runner.pollers)
    published.close()
    assert published.errors == []
    assert sorted(r["id"] for r in stack.delivered()) == list(range(40)), "throttled batches are retried until they run"
    assert discarded == 0, "throttles do not use up MaximumRetryAttempts 0"
    assert invoker.throttles > 0 and throttled_batches == invoker.throttles
    result = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "t", "MetricStat": {"Metric": {
        "Namespace": "AWS/Lambda", "MetricName": "Throttles", "Dimensions": [{"Name": "FunctionName", "Value": "sink"}]},
        "Period": 60, "Stat": "Sum"}}], StartTime=started - dt.timedelta(minutes=1), EndTime=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    assert sum(result["MetricDataResults"][0]["Values"]) == invoker.throttles


def test_without_cgroups_the_runner_says_so_once_and_runs_unconstrained(stack: Stack, tmp_path: Path, capfd: Any) -> None:
    stack.function("sink", "sink", memory=128)
    log_path = tmp_path / "functions.log"
    with open(log_path, "ab") as log, stack.runner(log=log, compute_limits=False) as runner:
        result = runner.registry.get("sink").invoke(batch_event([{"id": 0, "key": "k"}]))
        assert result.error is None
        assert result.max_memory_used_mb, "Max Memory Used falls back to the worker's peak RSS"
    assert runner.compute_note and "not enforced" in runner.compute_note
    assert capfd.readouterr().err.count("Lambda compute model not enforced") == 1
    assert log_path.read_text().count("Lambda compute model not enforced") == 1
