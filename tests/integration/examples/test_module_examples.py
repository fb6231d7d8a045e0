"""Terratest-style: apply every module's example and the repository's examples (examples/, except the
VPC + RDS Proxy reference) against the emulator, check what they created, plan again, destroy.

Each example gets its own moto server and a staged copy of the repository's Terraform, and
they apply APPLY_CONCURRENCY at a time: the AWS provider's fixed waiters (stream and
queue creation, ~10-30 s each) are mostly sleeping, so overlapping them keeps the total
low, while a bound keeps the two cores answering every emulator promptly (an SDK retry of
a slow create otherwise fails as a duplicate in another test's apply). The repository's examples also run records through
the mapping runner, and the reference (the root module with a database) is validated and planned.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.terraform_stack import TerraformStack, stage
from local_stack.esm.mapping_runner import MappingRunner, RunnerOptions
from pipeline_contract.manifest import load as load_manifest

from tests.example_functions import build_example_functions
from tests.integration.fixture_functions import write_artifacts

REGION = "us-east-1"
ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@dataclass
class Applied:
    name: str
    moto: MotoServer
    stack: TerraformStack
    error: str = ""
    plan_after_apply: str = ""
    context: dict = field(default_factory=dict)

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.moto.endpoint_url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")


def _existing_function(applied: Applied, name: str) -> str:
    """A function the example expects to exist already (it maps or configures, not creates, it)."""
    role = applied.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    return applied.client("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                                    Handler="app.handler", Code={"ZipFile": buffer.getvalue()})["FunctionArn"]


def _prepare_event_source(applied: Applied) -> None:
    _existing_function(applied, "example-stream-processor")
    kinesis = applied.client("kinesis")
    kinesis.create_stream(StreamName="example-clicks", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="example-clicks")["StreamDescription"]["StreamARN"]
    applied.stack.variables["stream_arn"] = arn
    applied.context["stream_arn"] = arn


def _prepare_stream(applied: Applied) -> None:
    """The stream the versions example maps to its function's alias."""
    kinesis = applied.client("kinesis")
    kinesis.create_stream(StreamName="example-clicks", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="example-clicks")["StreamDescription"]["StreamARN"]
    applied.stack.variables["stream_arn"] = arn
    applied.context["stream_arn"] = arn


def _prepare_destinations(applied: Applied) -> None:
    _existing_function(applied, "example-failure-handler")


def _prepare_monitored_pipeline(applied: Applied) -> None:
    """The pipeline the monitoring example watches: stream, function and their mapping."""
    function_arn = _existing_function(applied, "example-stream-processor")
    kinesis = applied.client("kinesis")
    kinesis.create_stream(StreamName="example-clicks", ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName="example-clicks")["StreamDescription"]["StreamARN"]
    mapping = applied.client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=function_arn, StartingPosition="TRIM_HORIZON",
        MetricsConfig={"Metrics": ["EventCount"]})
    applied.stack.variables["event_source_mapping_uuid"] = mapping["UUID"]
    applied.context["mapping_uuid"] = mapping["UUID"]


def _build_example_functions(applied: Applied) -> None:
    """examples/functions built in this example's staged copy, as `build.py --root examples build` does."""
    applied.context["manifest"] = build_example_functions(applied.stack.workdir.parent)


EXAMPLES: dict[str, tuple[str, Callable[[Applied], None] | None]] = {
    "minimal": ("examples/minimal", _build_example_functions),
    "two-pipelines-one-stream": ("examples/two-pipelines-one-stream", _build_example_functions),
    "kinesis-stream": ("modules/kinesis-stream/examples/provisioned-with-consumer", None),
    "kinesis-event-source": ("modules/kinesis-event-source/examples/basic", _prepare_event_source),
    "kinesis-lambda-pipeline": ("modules/kinesis-lambda-pipeline/examples/with-failure-handler", None),
    "lambda-destinations": ("modules/lambda-destinations/examples/basic", _prepare_destinations),
    "lambda-function": ("modules/lambda-function/examples/basic", None),
    "lambda-function-versions": ("modules/lambda-function/examples/versions-and-alias", _prepare_stream),
    "lambda-layer": ("modules/lambda-layer/examples/basic", None),
    "network": ("modules/network/examples/with-nat", None),
    "pipeline-monitoring": ("modules/pipeline-monitoring/examples/basic", _prepare_monitored_pipeline),
    "vpc-endpoints": ("modules/vpc-endpoints/examples/basic", None),
}


def _apply(name: str, tmp: Path) -> Applied:
    target, prepare = EXAMPLES[name]
    moto = MotoServer(region=REGION).start()
    workdir = stage(target, tmp)
    write_artifacts(tmp, rename={"sink": "stream_processor", "helpers": "common", "layer_user": "failure_handler"})
    applied = Applied(name, moto, TerraformStack(workdir, moto.env(), {"region": REGION}))
    try:
        if prepare:
            prepare(applied)
        applied.stack.init()
        applied.stack.apply()
        applied.plan_after_apply = applied.stack.plan_changes()
    except Exception as exc:
        applied.error = str(exc)
    return applied


APPLY_CONCURRENCY = 4


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Applied]]:
    with ThreadPoolExecutor(APPLY_CONCURRENCY) as pool:
        futures = {name: pool.submit(_apply, name, tmp_path_factory.mktemp(name)) for name in EXAMPLES}
        applied = {name: future.result() for name, future in futures.items()}
    yield applied
    with ThreadPoolExecutor(len(EXAMPLES)) as pool:
        for result in applied.values():
            if not result.error:
                pool.submit(result.stack.destroy)
    for result in applied.values():
        result.moto.stop()


def applied_ok(examples: dict[str, Applied], name: str) -> Applied:
    applied = examples[name]
    assert not applied.error, applied.error
    assert applied.plan_after_apply == "", f"second plan of {name} shows changes:\n{applied.plan_after_apply[-3000:]}"
    return applied


def _click_records(stream: str, applied: Applied) -> list[str]:
    """Two clicks and one poison record (not JSON) on the stream; the poison record's sequence number."""
    kinesis = applied.client("kinesis")
    for click in ({"page": "/home", "user": "u1"}, {"page": "/cart", "user": "u2"}):
        kinesis.put_record(StreamName=stream, Data=json.dumps(click).encode(), PartitionKey=click["user"])
    return [kinesis.put_record(StreamName=stream, Data=b"<not json>", PartitionKey="u3")["SequenceNumber"]]


def _dead_letters(applied: Applied, queue_url: str, expected: int, timeout_s: float = 60.0) -> list[dict]:
    """The queue's messages once `expected` have arrived (or what came within the timeout)."""
    sqs, found = applied.client("sqs"), []
    deadline = time.monotonic() + timeout_s
    while len(found) < expected and time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        found += [json.loads(m["Body"]) for m in batch]
        for m in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return found


def _runner(applied: Applied, tmp: Path) -> MappingRunner:
    return MappingRunner(applied.moto.env(), applied.context["manifest"], tmp, RunnerOptions(poll_interval_s=0.05))


def test_minimal_example_is_a_whole_pipeline_that_sends_poison_to_its_dead_letter_queue(
        examples: dict[str, Applied], tmp_path: Path) -> None:
    applied = applied_ok(examples, "minimal")
    lam = applied.client("lambda")
    config = lam.get_function_configuration(FunctionName="clicks-stream-processor")
    assert config["CodeSha256"] == load_manifest(applied.context["manifest"]).artifacts["click_counter"].source_code_hash
    [mapping] = lam.list_event_source_mappings(FunctionName="clicks-stream-processor")["EventSourceMappings"]
    assert mapping["EventSourceArn"].endswith(":stream/clicks") and mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"].endswith(":sqs:us-east-1:123456789012:clicks-batch-failures"), \
        "without a failure handler, exhausted batches go to a queue"
    alarms = applied.client("cloudwatch").describe_alarms(AlarmNamePrefix="clicks-")["MetricAlarms"]
    assert len(alarms) == 11
    dead_letter_url = config["Environment"]["Variables"]["DLQ_URL"]
    with _runner(applied, tmp_path):
        [poison] = _click_records(applied.stack.outputs()["stream_name"], applied)
        messages = _dead_letters(applied, dead_letter_url, expected=1)
    assert [(m["sequence_number"], m["reason"]) for m in messages] == [(poison, "not a JSON object with a 'page' field")]


def test_two_pipelines_read_one_stream_each_through_its_own_consumer(examples: dict[str, Applied], tmp_path: Path) -> None:
    applied = applied_ok(examples, "two-pipelines-one-stream")
    outputs, lam = applied.stack.outputs(), applied.client("lambda")
    stream_arn = applied.client("kinesis").describe_stream_summary(StreamName=outputs["stream_name"])["StreamDescriptionSummary"]["StreamARN"]
    consumers = applied.client("kinesis").list_stream_consumers(StreamARN=stream_arn)["Consumers"]
    assert sorted(c["ConsumerName"] for c in consumers) == ["clicks-per-page", "user-activity"]
    for pipeline, function in (("clicks", "clicks-stream-processor"), ("user_activity", "user-activity-stream-processor")):
        [mapping] = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
        assert mapping["EventSourceArn"] == outputs["consumer_arns"][pipeline], f"{pipeline} must read through its own consumer"
    with _runner(applied, tmp_path):
        [poison] = _click_records(outputs["stream_name"], applied)
        received = {pipeline: _dead_letters(applied, url, expected=1) for pipeline, url in outputs["dead_letter_queue_urls"].items()}
    assert {p: [(m["sequence_number"], m["reason"]) for m in ms] for p, ms in received.items()} == {
        "clicks": [(poison, "not a JSON object with a 'page' field")],
        "user_activity": [(poison, "not a JSON object with a 'user' field")],
    }, "each pipeline must see every record of the stream"


def test_reference_example_validates_and_plans_the_root_module_as_a_module(tmp_path: Path) -> None:
    """The VPC + RDS Proxy reference calls the root module; applying it is test_end_to_end's job (root_stack)."""
    with MotoServer(region=REGION) as moto:
        stack = TerraformStack(stage("examples/reference", tmp_path), moto.env(), {"region": REGION})
        stack.init()
        stack.validate()
        planned = stack.plan()
    added = re.search(r"Plan: (\d+) to add, 0 to change, 0 to destroy", planned)
    assert added and int(added.group(1)) >= 60, planned[-3000:]
    for address in ("module.clickstream.module.pipeline.module.mapping.aws_lambda_event_source_mapping.this",
                    "module.clickstream.module.db_proxy.aws_db_proxy.this", "module.clickstream.aws_db_instance.database"):
        assert f"# {address} will be created" in planned, address


def test_kinesis_stream_example_creates_encrypted_stream_with_consumer(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "kinesis-stream")
    summary = applied.client("kinesis").describe_stream_summary(StreamName="example-clicks")["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2 and summary["RetentionPeriodHours"] == 168
    assert summary["EncryptionType"] == "KMS"
    consumers = applied.client("kinesis").list_stream_consumers(StreamARN=summary["StreamARN"])["Consumers"]
    assert [c["ConsumerName"] for c in consumers] == ["example-processor"]
    assert applied.stack.outputs()["event_source_arn"] == consumers[0]["ConsumerARN"]


def test_kinesis_event_source_example_configures_the_mapping_as_declared(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "kinesis-event-source")
    [mapping] = applied.client("lambda").list_event_source_mappings(FunctionName="example-stream-processor")["EventSourceMappings"]
    assert mapping["EventSourceArn"] == applied.context["stream_arn"]
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"], mapping["ParallelizationFactor"]) == (500, 5, 4)
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MetricsConfig"] == {"Metrics": ["EventCount"]}, "the mapping's event counts must be on by default"
    assert applied.client("lambda").list_tags(Resource=mapping["EventSourceMappingArn"])["Tags"] == {"pipeline": "example-clicks"}
    destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == applied.stack.tf_state().get("aws_sqs_queue.failures.arn")
    assert destination.endswith(":example-clicks-failed-batches")
    statements = applied.stack.outputs()["iam_statements"]
    assert destination in json.dumps(statements), "the role statements must grant sending to the on-failure queue"


def test_pipeline_example_wires_a_complete_pipeline_through_its_own_consumer(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "kinesis-lambda-pipeline")
    outputs, lam = applied.stack.outputs(), applied.client("lambda")
    [mapping] = lam.list_event_source_mappings(FunctionName="example-clicks-stream-processor")["EventSourceMappings"]
    assert mapping["EventSourceArn"] == outputs["event_source_arn"]
    assert "/consumer/example-clicks-processor:" in mapping["EventSourceArn"], "the mapping must read through the pipeline's consumer"
    assert mapping["BisectBatchOnFunctionError"] is True and mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (mapping["BatchSize"], mapping["ParallelizationFactor"], mapping["MaximumRetryAttempts"]) == (500, 2, 5)
    topic = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    assert topic.startswith("arn:aws:sns:") and topic.endswith(":example-clicks-batch-failures")
    [subscription] = applied.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    handler = lam.get_function_configuration(FunctionName="example-clicks-failure-handler")
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("lambda", handler["FunctionArn"])
    assert handler["Environment"]["Variables"]["ARCHIVE_BUCKET"] == outputs["archive_bucket"]
    processor = lam.get_function_configuration(FunctionName="example-clicks-stream-processor")["Environment"]["Variables"]
    assert (processor["DLQ_URL"], processor["DLQ_PAYLOAD_BUCKET"]) == (outputs["dead_letter_queue_url"], outputs["archive_bucket"])
    key = applied.client("kinesis").describe_stream_summary(StreamName=outputs["stream_name"])["StreamDescriptionSummary"]["KeyId"]
    queue = applied.client("sqs").get_queue_attributes(QueueUrl=outputs["dead_letter_queue_url"], AttributeNames=["KmsMasterKeyId"])
    assert queue["Attributes"]["KmsMasterKeyId"] == key and key.startswith("arn:aws:kms:"), "one pipeline key encrypts stream and queues"
    alarms = applied.client("cloudwatch").describe_alarms(AlarmNamePrefix="example-clicks-")["MetricAlarms"]
    assert len(alarms) == 15 and all(a["AlarmActions"] == [outputs["alarm_topic_arn"]] for a in alarms)


def test_lambda_destinations_example_sets_async_invoke_config(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "lambda-destinations")
    config = applied.client("lambda").get_function_event_invoke_config(FunctionName="example-failure-handler")
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (1, 3600)
    assert config["DestinationConfig"]["OnFailure"]["Destination"].endswith(":example-handler-failed")
    assert ":event-bus/example-handler-outcomes" in config["DestinationConfig"]["OnSuccess"]["Destination"]


def test_lambda_function_example_deploys_the_manifest_zip(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "lambda-function")
    manifest = load_manifest(applied.stack.workdir.parents[3] / "dist" / "manifest.json")
    config = applied.client("lambda").get_function_configuration(FunctionName="example-stream-processor")
    assert config["CodeSha256"] == manifest.artifacts["stream_processor"].source_code_hash
    assert (config["MemorySize"], config["Timeout"], config["Runtime"]) == (512, 30, "python3.12")
    assert config["Environment"]["Variables"]["LOG_LEVEL"] == "INFO"
    assert applied.stack.outputs()["function_arn"] == config["FunctionArn"]
    [group] = applied.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/example-stream-processor")["logGroups"]
    key = applied.client("kms").describe_key(KeyId=group["kmsKeyId"])["KeyMetadata"]
    assert key["KeyState"] == "Enabled" and key["KeyManager"] == "CUSTOMER", "with module defaults the logs are encrypted with the module's key"


def test_lambda_function_versions_example_maps_the_stream_to_the_published_alias(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "lambda-function-versions")
    manifest = load_manifest(applied.stack.workdir.parents[3] / "dist" / "manifest.json")
    outputs = applied.stack.outputs()
    assert (outputs["version"], outputs["alias_function_version"]) == ("1", "1")
    lam = applied.client("lambda")
    assert lam.get_alias(FunctionName="example-versioned-processor", Name="live")["AliasArn"] == outputs["alias_arn"]
    published = lam.get_function_configuration(FunctionName="example-versioned-processor", Qualifier="1")
    assert published["CodeSha256"] == manifest.artifacts["stream_processor"].source_code_hash
    assert published["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO",
                                          "LogGroup": "/aws/lambda/example-versioned-processor"}
    [mapping] = lam.list_event_source_mappings(EventSourceArn=applied.context["stream_arn"])["EventSourceMappings"]
    assert mapping["FunctionArn"] == outputs["alias_arn"] == outputs["mapping_function_arn"]


def test_lambda_layer_example_publishes_the_manifest_zip(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "lambda-layer")
    manifest = load_manifest(applied.stack.workdir.parents[3] / "dist" / "manifest.json")
    lam = applied.client("lambda")
    [layer] = lam.list_layers()["Layers"]
    version = lam.get_layer_version(LayerName=layer["LayerName"], VersionNumber=layer["LatestMatchingVersion"]["Version"])
    assert version["Content"]["CodeSha256"] == manifest.artifacts["common"].source_code_hash


def test_network_example_creates_private_subnets_with_a_nat_per_az(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "network")
    ec2 = applied.client("ec2")
    subnet_ids = applied.stack.outputs()["private_subnet_ids"]
    subnets = ec2.describe_subnets(SubnetIds=subnet_ids)["Subnets"]
    assert len(subnets) == 3 and len({s["AvailabilityZone"] for s in subnets}) == 3
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets)
    nats = ec2.describe_nat_gateways()["NatGateways"]
    assert len([n for n in nats if n["State"] == "available"]) == 3


def test_vpc_endpoints_example_creates_gateway_and_interface_endpoints(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "vpc-endpoints")
    endpoints = applied.client("ec2").describe_vpc_endpoints()["VpcEndpoints"]
    by_type = {(e["VpcEndpointType"], e["ServiceName"].rsplit(".", 1)[-1]) for e in endpoints}
    assert ("Gateway", "s3") in by_type
    assert {("Interface", s) for s in ("kinesis-streams", "sqs", "logs")} <= by_type
    interface_ids = applied.stack.outputs()["interface_endpoint_ids"]
    assert len(interface_ids) == 3


def test_pipeline_monitoring_example_creates_alarms_that_notify_and_a_dashboard(examples: dict[str, Applied]) -> None:
    applied = applied_ok(examples, "pipeline-monitoring")
    outputs = applied.stack.outputs()
    topic = outputs["topic_arn"]
    alarms = {a["AlarmName"]: a for a in applied.client("cloudwatch").describe_alarms(AlarmNamePrefix="example-clicks-")["MetricAlarms"]}
    assert set(alarms) == set(outputs["alarm_names"].values()) and len(alarms) == 9
    assert all(a["AlarmActions"] == [topic] and a["OKActions"] == [topic] for a in alarms.values())
    dropped = alarms[outputs["alarm_names"]["dropped_events"]]
    assert (dropped["Namespace"], dropped["MetricName"]) == ("AWS/Lambda", "DroppedEventCount")
    assert dropped["Dimensions"] == [{"Name": "EventSourceMappingUUID", "Value": applied.context["mapping_uuid"]}]
    at_risk = alarms[outputs["alarm_names"]["iterator_age_records_at_risk"]]
    assert (at_risk["MetricName"], at_risk["Threshold"], at_risk["TreatMissingData"]) == ("IteratorAge", 43_200_000, "ignore")
    dead_letter = alarms[outputs["alarm_names"]["dead_letter_messages_visible"]]
    assert dead_letter["Dimensions"] == [{"Name": "QueueName", "Value": "example-clicks-poison-records"}]
    assert applied.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"].startswith("arn:")
    body = json.loads(applied.client("cloudwatch").get_dashboard(DashboardName=outputs["dashboard_name"])["DashboardBody"])
    assert sorted(body["widgets"][0]["properties"]["alarms"]) == sorted(a["AlarmArn"] for a in alarms.values())
