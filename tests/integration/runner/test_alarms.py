"""A real alarm on a function's Errors, on real minutes: OK, ALARM when the function fails, OK again;
and the queue depths a dead-letter queue alarm reads.

Everything is asserted through the CloudWatch and SQS APIs: the metrics the runner published, the
alarm's state and history, and the notifications an SQS queue subscribed to the alarm's topic got.
The alarm has a 60-second period, so this takes two to three minutes of real time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from local_stack.esm.aws_clients import AwsClients
from local_stack.monitoring.alarm_evaluator import AlarmEvaluator, EvaluatorOptions
from local_stack.monitoring.lambda_metrics import LambdaMetrics
from local_stack.monitoring.metric_publisher import MetricPublisher
from local_stack.monitoring.queue_metrics import QueueMetrics
from waiting import wait_until

from tests.integration.emulated_stack import Stack, bodies


class Monitored:
    """The stack's runner with Lambda's metrics published and every alarm evaluated, as LocalSession runs them."""

    def __init__(self, stack: Stack) -> None:
        clients = AwsClients(stack.env)
        self.metrics = MetricPublisher(clients("cloudwatch").put_metric_data, flush_interval_s=0.5).start()
        self.runner = stack.runner(metrics=LambdaMetrics(self.metrics)).start()
        self.alarms = AlarmEvaluator(clients, stack.env["AWS_REGION"], EvaluatorOptions(check_interval_s=0.5, settle_s=1.5),
                                     publish=self.runner.sns.publish).start()

    def close(self) -> None:
        self.alarms.stop()
        self.runner.stop()
        self.metrics.close()


@pytest.fixture
def monitored(stack: Stack) -> Iterator[tuple[Stack, Monitored]]:
    arn = stack.stream("clicks", shards=1)
    stack.function("sink", "sink")
    stack.lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="sink", StartingPosition="TRIM_HORIZON",
                                          BatchSize=10, MaximumRetryAttempts=0, MetricsConfig={"Metrics": ["EventCount"]})
    running = Monitored(stack)
    yield stack, running
    running.close()


def state(cloudwatch: Any, name: str) -> str:
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    value: str = alarm["StateValue"]
    return value


def notifications(stack: Stack, url: str) -> list[dict[str, Any]]:
    """The alarm messages the queue got through SNS (each in SNS's envelope)."""
    return [{"Subject": envelope["Subject"], **json.loads(envelope["Message"])} for envelope in stack.drain(url)]


def test_errors_alarm_fires_when_the_function_fails_and_recovers_notifying_its_topic(monitored: tuple[Stack, Monitored]) -> None:
    stack, running = monitored
    cloudwatch, sns = stack.client("cloudwatch"), stack.client("sns")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    url, queue_arn = stack.queue("alarm-notifications")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    [mapping] = stack.lam.list_event_source_mappings(FunctionName="sink")["EventSourceMappings"]
    function = [{"Name": "FunctionName", "Value": "sink"}]
    cloudwatch.put_metric_alarm(
        AlarmName="sink-errors", AlarmDescription="The sink failed: read its log", Namespace="AWS/Lambda",
        MetricName="Errors", Dimensions=function, Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
        AlarmActions=[topic], OKActions=[topic])
    cloudwatch.put_metric_alarm(
        AlarmName="sink-dropped", Namespace="AWS/Lambda", MetricName="DroppedEventCount",
        Dimensions=[{"Name": "EventSourceMappingUUID", "Value": mapping["UUID"]}], Statistic="Sum", Period=60,
        EvaluationPeriods=1, DatapointsToAlarm=1, Threshold=0.0, ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching", AlarmActions=[topic])

    wait_until(lambda: state(cloudwatch, "sink-errors") == "OK", 30, "the new alarm's first evaluation (no data, not breaching)")
    stack.put("clicks", bodies(3, keys=1, special={1: "crash"}))  # one failing invocation, given up at once
    wait_until(lambda: state(cloudwatch, "sink-errors") == "ALARM", 90, "the errors alarm to fire after the minute ends")
    wait_until(lambda: state(cloudwatch, "sink-dropped") == "ALARM", 30, "the dropped-events alarm to fire")
    stack.put("clicks", bodies(2, keys=1))  # traffic goes on without errors: Errors is 0 for the next minute
    wait_until(lambda: state(cloudwatch, "sink-errors") == "OK", 90, "the errors alarm to recover on the next minute")
    evaluated = notifications(stack, url)
    # Testing the topic as operators do: a state set with SetAlarmState runs its actions too.
    cloudwatch.set_alarm_state(AlarmName="sink-errors", StateValue="ALARM", StateReason="testing the pager")

    def pager_tested() -> bool:
        evaluated.extend(notifications(stack, url))
        return any(m["NewStateReason"] == "testing the pager" for m in evaluated)
    wait_until(pager_tested, 30, "the notification of the state set with SetAlarmState")
    running.alarms.stop()

    history = cloudwatch.describe_alarm_history(AlarmName="sink-errors", HistoryItemType="StateUpdate",
                                                ScanBy="TimestampAscending")["AlarmHistoryItems"]
    assert [item["HistorySummary"] for item in history][:4] == [
        "Alarm updated from INSUFFICIENT_DATA to OK", "Alarm updated from OK to ALARM", "Alarm updated from ALARM to OK",
        "Alarm updated from OK to ALARM"]
    fired = json.loads(history[1]["HistoryData"])["newState"]
    assert fired["stateReason"].startswith("Threshold Crossed: 1 datapoint [1.0 (")
    assert fired["stateReason"].endswith(")] was greater than or equal to the threshold (1.0).")
    assert fired["stateReasonData"]["statistic"] == "Sum" and fired["stateReasonData"]["recentDatapoints"] == [1.0]

    messages = [m for m in evaluated if m["AlarmName"] == "sink-errors"]
    assert [(m["OldStateValue"], m["NewStateValue"]) for m in messages][:4] == [
        ("INSUFFICIENT_DATA", "OK"), ("OK", "ALARM"), ("ALARM", "OK"), ("OK", "ALARM")]
    assert messages[3]["NewStateReason"] == "testing the pager"
    assert [(t.new, t.by_set_alarm_state) for t in running.alarms.transitions if t.alarm == "sink-errors"][:4] == [
        ("OK", False), ("ALARM", False), ("OK", False), ("ALARM", True)]
    alarm_message = messages[1]
    assert alarm_message["Subject"] == 'ALARM: "sink-errors" in US East (N. Virginia)'
    assert alarm_message["NewStateReason"] == fired["stateReason"]
    assert alarm_message["AlarmDescription"] == "The sink failed: read its log"
    assert alarm_message["Trigger"]["Statistic"] == "SUM"
    assert alarm_message["Trigger"]["Dimensions"] == [{"value": "sink", "name": "FunctionName"}]

    invocations = running.runner.registry.get("sink").invocations
    running.runner.stop()
    running.metrics.close()
    assert running.metrics.errors == [] and running.alarms.errors == [] and running.runner.all_errors() == []
    window = {"StartTime": history[0]["Timestamp"].replace(second=0, microsecond=0) - dt.timedelta(minutes=1),
              "EndTime": history[-1]["Timestamp"] + dt.timedelta(minutes=1)}

    def total(name: str, dimensions: list[dict[str, str]]) -> float:
        result = cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "q", "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": name, "Dimensions": dimensions}, "Period": 60, "Stat": "Sum"}}],
            **window)["MetricDataResults"][0]
        return float(sum(result["Values"]))

    uuid = [{"Name": "EventSourceMappingUUID", "Value": mapping["UUID"]}]
    assert total("Invocations", function) == total("Invocations", []) == invocations
    assert total("Errors", function) == 1
    assert total("PolledEventCount", uuid) == 5
    assert total("DroppedEventCount", uuid) == 3, "the failing batch of three was given up with no destination"
    assert total("InvokedEventCount", uuid) == 5 and total("FailedInvokeEventCount", uuid) == 3


def test_queue_depths_are_published_per_queue_name(stack: Stack) -> None:
    """What a dead-letter queue alarm reads: AWS/SQS ApproximateNumberOfMessagesVisible by QueueName."""
    url, _ = stack.queue("dead-letter")
    for body in ("a", "b"):
        stack.sqs.send_message(QueueUrl=url, MessageBody=body)
    stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300)
    clients = AwsClients(stack.env)
    published = MetricPublisher(clients("cloudwatch").put_metric_data)
    before = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    QueueMetrics(clients, published).sample()
    published.close()
    assert published.errors == []

    def maximum(metric: str) -> list[float]:
        result = stack.client("cloudwatch").get_metric_data(MetricDataQueries=[{"Id": "q", "MetricStat": {
            "Metric": {"Namespace": "AWS/SQS", "MetricName": metric, "Dimensions": [{"Name": "QueueName", "Value": "dead-letter"}]},
            "Period": 60, "Stat": "Maximum", "Unit": "Count"}}], StartTime=before, EndTime=before + dt.timedelta(minutes=2))
        values: list[float] = result["MetricDataResults"][0]["Values"]
        return values

    assert maximum("ApproximateNumberOfMessagesVisible") == [1.0]
    assert maximum("ApproximateNumberOfMessagesNotVisible") == [1.0]
    assert maximum("ApproximateNumberOfMessagesDelayed") == [0.0]
