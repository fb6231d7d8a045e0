"""A mapping with FilterCriteria on the emulator: only matching records reach the function, the others
are counted and checkpointed, and they never hold the shard up.

The records filtered out would break the fixture sink if they reached it (mode "crash" raises, and a
payload that is not JSON fails to parse), and the mapping retries forever, so a single one delivered
would block the shard and the runner would never go idle.
"""

from __future__ import annotations

import datetime as dt
import json

from local_stack.esm.aws_clients import AwsClients
from local_stack.monitoring.lambda_metrics import LambdaMetrics
from local_stack.monitoring.metric_publisher import MetricPublisher
from waiting import wait_until

from tests.integration.emulated_stack import Stack

FILTERS = [
    {"data": {"mode": ["ok"]}},
    {"partitionKey": ["vip"], "data": {"id": [{"numeric": [">=", 100]}]}},
]


def test_a_filtered_mapping_delivers_only_matching_records_counts_the_rest_and_never_blocks_the_shard(stack: Stack) -> None:
    arn = stack.stream("clicks", shards=1)
    stack.function("sink", "sink")
    mapping = stack.lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON", BatchSize=10,
        MetricsConfig={"Metrics": ["EventCount"]},
        FilterCriteria={"Filters": [{"Pattern": json.dumps(p)} for p in FILTERS]})

    def put(body: dict[str, object] | bytes, key: str = "user-1") -> str:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sequence_number: str = stack.kinesis.put_record(StreamName="clicks", Data=data, PartitionKey=key)["SequenceNumber"]
        return sequence_number

    mixed = [{"id": i, "key": "user-1", "mode": "ok" if i % 2 == 0 else "crash"} for i in range(20)]
    for body in mixed:
        put(body)
        if body["id"] % 7 == 3:
            put(b"id=%d not json" % body["id"])
    put({"id": 150, "mode": "skip"}, key="vip")  # delivered by the second filter alone
    put({"id": 50, "mode": "crash"}, key="vip")  # the second filter's numeric bound leaves it out
    expected = [i for i in range(20) if i % 2 == 0] + [150]

    cloudwatch = AwsClients(stack.env)("cloudwatch")
    published = MetricPublisher(cloudwatch.put_metric_data, flush_interval_s=0.5).start()
    started = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    with stack.runner(metrics=LambdaMetrics(published)) as runner:
        [poller] = runner.pollers
        assert runner.wait_idle(60), "a filtered-out record reached the sink and blocked the shard"
        assert sorted(r["id"] for r in stack.delivered()) == expected
        invocations = runner.registry.get("sink").invocations

        last = [put(b) for b in ({"id": 200, "mode": "crash"}, b"\xff\xfe", {"id": 201, "mode": "crash"})][-1]
        wait_until(lambda: poller.checkpoint.sequence_number == last, 30, "the checkpoint to move past records all filtered out")
        assert runner.wait_idle(60)
        assert runner.registry.get("sink").invocations == invocations, "a poll that filters to nothing invokes nothing"

        put({"id": 300, "mode": "ok"})
        assert runner.wait_idle(60)
        assert runner.all_errors() == []
        filtered_out = poller.stats.filtered_out
    published.close()
    assert published.errors == []

    delivered = sorted(r["id"] for r in stack.delivered())
    assert delivered == [*expected, 300]
    read = len(mixed) + 3 + 2 + 3 + 1  # the mixed records, their non-JSON neighbours, the two vip, the filtered wave, the last
    assert filtered_out == read - len(delivered)

    def total(metric: str) -> float:
        result = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "q", "MetricStat": {"Metric": {
            "Namespace": "AWS/Lambda", "MetricName": metric,
            "Dimensions": [{"Name": "EventSourceMappingUUID", "Value": mapping["UUID"]}]}, "Period": 60, "Stat": "Sum"}}],
            StartTime=started - dt.timedelta(minutes=1), EndTime=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
        return float(sum(result["MetricDataResults"][0]["Values"]))
    assert total("PolledEventCount") == read
    assert total("FilteredOutEventCount") == filtered_out
    assert total("InvokedEventCount") == len(delivered)
