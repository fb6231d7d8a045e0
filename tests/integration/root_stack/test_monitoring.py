"""The reference root's monitoring, as the emulator's CloudWatch, SNS and KMS APIs report it after apply.

Every alarm the root outputs exists, notifies the alarm topic on ALARM and on OK, and watches the
pipeline's own function, mapping and queues; the topic is encrypted with the pipeline key, whose
policy lets CloudWatch use it; the dashboard exists and shows every alarm.
"""

from __future__ import annotations

import json

import boto3
from local_stack.demo.session import LocalSession

PURPOSES = {
    "iterator_age_lagging", "iterator_age_records_at_risk", "dropped_events", "on_failure_delivered",
    "processor_errors", "processor_throttles", "processor_duration", "failure_handler_errors",
    "failure_handler_throttles", "dead_letter_messages_visible", "dead_letter_oldest_message_age",
    "failure_queue_messages_visible", "failure_queue_oldest_message_age",
}


def client(session: LocalSession, service: str):
    assert session.moto
    return boto3.client(service, endpoint_url=session.moto.endpoint_url, region_name=session.moto.region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_every_alarm_is_deployed_notifies_the_topic_and_watches_the_pipeline(root_stack: LocalSession) -> None:
    assert root_stack.stack
    outputs = root_stack.stack.outputs()
    names: dict[str, str] = outputs["alarm_names"]
    assert set(names) == PURPOSES
    deployed = client(root_stack, "cloudwatch").describe_alarms(AlarmNames=list(names.values()))["MetricAlarms"]
    alarms = {purpose: next(a for a in deployed if a["AlarmName"] == name) for purpose, name in names.items()}
    topic = outputs["alarm_topic_arn"]
    assert all(a["AlarmActions"] == [topic] and a["OKActions"] == [topic] for a in alarms.values())

    def dimensions(purpose: str) -> dict[str, str]:
        return {d["Name"]: d["Value"] for d in alarms[purpose]["Dimensions"]}

    assert dimensions("dropped_events") == {"EventSourceMappingUUID": outputs["event_source_mapping_uuid"]}
    assert dimensions("iterator_age_lagging") == {"FunctionName": outputs["stream_processor_function_name"]}
    assert dimensions("failure_handler_errors") == {"FunctionName": outputs["failure_handler_function_name"]}
    assert dimensions("dead_letter_messages_visible") == {"QueueName": outputs["dead_letter_queue_url"].rsplit("/", 1)[-1]}
    assert dimensions("failure_queue_messages_visible") == {
        "QueueName": outputs["failure_handler_outcome_queue_urls"]["failed"].rsplit("/", 1)[-1]}


def test_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(root_stack: LocalSession) -> None:
    assert root_stack.stack
    outputs = root_stack.stack.outputs()
    attributes = client(root_stack, "sns").get_topic_attributes(TopicArn=outputs["alarm_topic_arn"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == outputs["kms_key_arn"]
    policy = json.loads(client(root_stack, "kms").get_key_policy(KeyId=outputs["kms_key_arn"], PolicyName="default")["Policy"])
    [statement] = [s for s in policy["Statement"] if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_dashboard_shows_every_alarm(root_stack: LocalSession) -> None:
    assert root_stack.stack
    outputs = root_stack.stack.outputs()
    body = json.loads(client(root_stack, "cloudwatch").get_dashboard(DashboardName=outputs["dashboard_name"])["DashboardBody"])
    deployed = client(root_stack, "cloudwatch").describe_alarms(AlarmNames=list(outputs["alarm_names"].values()))["MetricAlarms"]
    assert sorted(body["widgets"][0]["properties"]["alarms"]) == sorted(a["AlarmArn"] for a in deployed)
