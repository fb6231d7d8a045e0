"""The local stack's moto: no Docker delivery beside the runner, mappings keep the alias they name, each deployed
version's zip can be fetched, LoggingConfig is kept, mappings read through enhanced fan-out consumers, resharding keeps
records in closed parents and ends them, and CloudWatch as the alarm evaluator needs it (exact metrics, percentiles,
alarm state and history)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import itertools
import json
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import Any

import boto3
import pytest
from local_stack.emulators.moto_server import MotoServer
from local_stack.runtime.artifacts import DEPLOYED_CODE_PATH


def test_put_records_on_a_mapped_stream_does_not_try_to_run_the_function(own_moto: MotoServer) -> None:
    own_moto.reset()
    make = lambda service: boto3.client(service, endpoint_url=own_moto.endpoint_url, region_name=own_moto.region,  # noqa: E731
                                        aws_access_key_id="t", aws_secret_access_key="t")
    kinesis, lam = make("kinesis"), make("lambda")
    kinesis.create_stream(StreamName="s", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="s")["StreamDescription"]["StreamARN"]
    role = make("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="f", StartingPosition="TRIM_HORIZON")
    kinesis.put_records(StreamName="s", Records=[{"Data": b"x", "PartitionKey": "k"}] * 20)
    # moto's own delivery would have written its Docker failure into the function's log group
    groups = make("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/f")["logGroups"]
    assert groups == []


def _zip_of(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text)
    return buffer.getvalue()


def test_a_mapping_on_an_alias_keeps_the_alias_and_each_versions_zip_can_be_fetched(own_moto: MotoServer) -> None:
    own_moto.reset()
    make = lambda service: boto3.client(service, endpoint_url=own_moto.endpoint_url, region_name=own_moto.region,  # noqa: E731
                                        aws_access_key_id="t", aws_secret_access_key="t")
    kinesis, lam = make("kinesis"), make("lambda")
    kinesis.create_stream(StreamName="s", ShardCount=1)
    stream = kinesis.describe_stream(StreamName="s")["StreamDescription"]["StreamARN"]
    role = make("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    first, second = _zip_of("def handler(e, c): return 1\n"), _zip_of("def handler(e, c): return 2\n")
    arn = lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": first}, Publish=True)["FunctionArn"]
    lam.create_alias(FunctionName="f", Name="live", FunctionVersion="1")
    lam.update_function_code(FunctionName="f", ZipFile=second, Publish=True)
    lam.create_alias(FunctionName="f", Name="next", FunctionVersion="2")

    mapping = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=f"{arn}:live", StartingPosition="LATEST")
    assert mapping["FunctionArn"] == f"{arn}:live", "moto recorded the version the alias pointed at"
    lam.update_event_source_mapping(UUID=mapping["UUID"], FunctionName="f:next")
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["FunctionArn"] == f"{arn}:next"

    def fetch(code_sha256: str) -> bytes:
        query = urllib.parse.urlencode({"account": arn.split(":")[4], "region": own_moto.region, "sha256": code_sha256})
        with urllib.request.urlopen(f"{own_moto.endpoint_url}{DEPLOYED_CODE_PATH}?{query}", timeout=10) as response:
            return response.read()
    for version, code in (("1", first), ("2", second)):
        sha = lam.get_function_configuration(FunctionName="f", Qualifier=version)["CodeSha256"]
        assert sha == base64.b64encode(hashlib.sha256(code).digest()).decode()
        assert fetch(sha) == code, f"version {version} must keep the zip it was published with"
    with pytest.raises(urllib.error.HTTPError, match="404"):
        fetch(base64.b64encode(hashlib.sha256(b"never deployed").digest()).decode())


def test_logging_config_is_kept_and_returned_as_aws_returns_it(own_moto: MotoServer) -> None:
    own_moto.reset()
    make = lambda service: boto3.client(service, endpoint_url=own_moto.endpoint_url, region_name=own_moto.region,  # noqa: E731
                                        aws_access_key_id="t", aws_secret_access_key="t")
    lam = make("lambda")
    role = make("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": _zip_of("def handler(e, c): return 1\n")},
                        LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO"})
    assert lam.get_function_configuration(FunctionName="f")["LoggingConfig"] == {
        "LogFormat": "JSON", "ApplicationLogLevel": "WARN", "SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/f"}
    lam.update_function_configuration(FunctionName="f", LoggingConfig={"LogFormat": "Text"})
    assert lam.get_function(FunctionName="f")["Configuration"]["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/f"}


def test_a_mapping_reads_through_an_enhanced_fan_out_consumer_whose_arn_is_as_in_aws(own_moto: MotoServer) -> None:
    own_moto.reset()
    make = lambda service: boto3.client(service, endpoint_url=own_moto.endpoint_url, region_name=own_moto.region,  # noqa: E731
                                        aws_access_key_id="t", aws_secret_access_key="t")
    kinesis, lam = make("kinesis"), make("lambda")
    kinesis.create_stream(StreamName="s", ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName="s")["StreamDescription"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="c")["Consumer"]
    created = int(consumer["ConsumerCreationTimestamp"].timestamp())
    assert consumer["ConsumerARN"] == f"{stream_arn}/consumer/c:{created}"
    assert kinesis.describe_stream_consumer(ConsumerARN=consumer["ConsumerARN"])["ConsumerDescription"]["ConsumerName"] == "c"
    role = make("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
    mapping = lam.create_event_source_mapping(EventSourceArn=consumer["ConsumerARN"], FunctionName="f", StartingPosition="LATEST")
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["EventSourceArn"] == consumer["ConsumerARN"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_event_source_mapping(EventSourceArn=f"{stream_arn}/consumer/gone:1", FunctionName="f", StartingPosition="LATEST")


def test_deny_insecure_transport_bucket_policy_lets_the_local_endpoint_through(own_moto: MotoServer) -> None:
    own_moto.reset()
    s3 = boto3.client("s3", endpoint_url=own_moto.endpoint_url, region_name=own_moto.region,
                      aws_access_key_id="t", aws_secret_access_key="t")
    s3.create_bucket(Bucket="archive")

    def deny_when_secure_transport_is(value: str) -> None:
        s3.put_bucket_policy(Bucket="archive", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::archive", "arn:aws:s3:::archive/*"],
            "Condition": {"Bool": {"aws:SecureTransport": value}}}]}))

    deny_when_secure_transport_is("false")
    s3.put_object(Bucket="archive", Key="k", Body=b"x")
    deny_when_secure_transport_is("true")
    with pytest.raises(s3.exceptions.ClientError, match=r"Forbidden|AccessDenied"):
        s3.put_object(Bucket="archive", Key="k", Body=b"x")


def _cloudwatch(moto: MotoServer) -> object:
    moto.reset()
    return boto3.client("cloudwatch", endpoint_url=moto.endpoint_url, region_name=moto.region,
                        aws_access_key_id="t", aws_secret_access_key="t")


def test_metric_queries_match_the_exact_dimension_set_and_compute_percentiles(own_moto: MotoServer) -> None:
    """Errors per function and across all functions are two metrics; moto counted both for one function."""
    cloudwatch: Any = _cloudwatch(own_moto)
    minute = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(minutes=2)
    function = [{"Name": "FunctionName", "Value": "f"}]
    stats = {"SampleCount": 4, "Sum": 1, "Minimum": 0, "Maximum": 1}
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[
        {"MetricName": "Errors", "Dimensions": function, "Timestamp": minute, "Unit": "Count", "StatisticValues": stats},
        {"MetricName": "Errors", "Dimensions": [], "Timestamp": minute, "Unit": "Count", "StatisticValues": stats},
        {"MetricName": "Errors", "Dimensions": function, "Timestamp": minute, "Unit": "Count", "StatisticValues": stats},
        {"MetricName": "Duration", "Dimensions": function, "Timestamp": minute, "Unit": "Milliseconds",
         "Values": [float(v) for v in range(1, 101)], "Counts": [1.0] * 100},
    ])
    cloudwatch.put_metric_data(Namespace="Other", MetricData=[
        {"MetricName": "Errors", "Dimensions": function, "Timestamp": minute, "Value": 50.0}])

    def one(name: str, stat: str, dimensions: list[dict[str, str]]) -> list[float]:
        result = cloudwatch.get_metric_data(
            MetricDataQueries=[{"Id": "q", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": name,
                                                                     "Dimensions": dimensions}, "Period": 60, "Stat": stat}}],
            StartTime=minute - dt.timedelta(minutes=1), EndTime=minute + dt.timedelta(minutes=2))
        return result["MetricDataResults"][0]["Values"]

    assert one("Errors", "Sum", function) == [2.0]
    assert one("Errors", "SampleCount", []) == [4.0]
    assert one("Duration", "p99", function) == [99.0]
    assert one("Duration", "p50", function) == [50.0]
    statistics = cloudwatch.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Errors", Dimensions=function,
                                                  StartTime=minute, EndTime=minute + dt.timedelta(minutes=1),
                                                  Period=60, Statistics=["Sum"])
    assert [p["Sum"] for p in statistics["Datapoints"]] == [2.0]


def test_alarms_start_in_insufficient_data_keep_state_on_update_and_record_history(own_moto: MotoServer) -> None:
    cloudwatch: Any = _cloudwatch(own_moto)
    alarm = {"AlarmName": "errors", "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum",
             "Dimensions": [{"Name": "FunctionName", "Value": "f"}], "Period": 60, "EvaluationPeriods": 1,
             "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold"}
    cloudwatch.put_metric_alarm(**alarm)
    [created] = cloudwatch.describe_alarms(AlarmNames=["errors"])["MetricAlarms"]
    assert created["StateValue"] == "INSUFFICIENT_DATA"
    cloudwatch.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="testing",
                               StateReasonData=json.dumps({"version": "1.0"}))
    cloudwatch.put_metric_alarm(**{**alarm, "Threshold": 2.0})
    [updated] = cloudwatch.describe_alarms(AlarmNames=["errors"])["MetricAlarms"]
    assert (updated["StateValue"], updated["StateReason"], updated["Threshold"]) == ("ALARM", "testing", 2.0)
    assert updated["StateTransitionedTimestamp"] >= created["StateUpdatedTimestamp"]
    history = cloudwatch.describe_alarm_history(AlarmName="errors", ScanBy="TimestampAscending")["AlarmHistoryItems"]
    assert [item["HistorySummary"] for item in history] == [
        'Alarm "errors" created', "Alarm updated from INSUFFICIENT_DATA to ALARM", 'Alarm "errors" updated']
    data = json.loads(history[1]["HistoryData"])
    assert data["oldState"]["stateValue"] == "INSUFFICIENT_DATA" and data["newState"]["stateReason"] == "testing"
    states_only = cloudwatch.describe_alarm_history(AlarmName="errors", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert [item["HistoryItemType"] for item in states_only] == ["StateUpdate"]


def test_resharding_keeps_records_in_closed_parents_routes_new_ones_to_open_children_and_ends_closed_shards(
        own_moto: MotoServer) -> None:
    own_moto.reset()
    kinesis = boto3.client("kinesis", endpoint_url=own_moto.endpoint_url, region_name=own_moto.region,
                           aws_access_key_id="t", aws_secret_access_key="t")
    top = 2**128 - 1
    kinesis.create_stream(StreamName="s", ShardCount=1)

    def put(hash_key: int, data: bytes) -> dict[str, str]:
        answer = kinesis.put_record(StreamName="s", Data=data, PartitionKey="k", ExplicitHashKey=str(hash_key))
        return {"shard": answer["ShardId"], "seq": answer["SequenceNumber"]}

    def read(shard_id: str) -> tuple[list[bytes], bool]:
        """The shard's records from its start, and whether GetRecords said the shard has ended."""
        iterator = kinesis.get_shard_iterator(StreamName="s", ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        data: list[bytes] = []
        for _ in range(5):
            answer = kinesis.get_records(ShardIterator=iterator)
            data += [r["Data"] for r in answer["Records"]]
            if answer.get("NextShardIterator") is None:
                return data, True
            iterator = answer["NextShardIterator"]
        return data, False

    def shards() -> dict[str, dict[str, Any]]:
        return {s["ShardId"]: s for s in kinesis.list_shards(StreamName="s")["Shards"]}

    [parent] = shards()
    before = [put(h, b"p%d" % h) for h in (0, 5, top)]
    middle = 2**127
    kinesis.split_shard(StreamName="s", ShardToSplit=parent, NewStartingHashKey=str(middle))
    listed = shards()
    low, high = (s for s in listed if s != parent)
    assert "EndingSequenceNumber" in listed[parent]["SequenceNumberRange"]
    assert listed[parent]["SequenceNumberRange"]["EndingSequenceNumber"] == before[-1]["seq"]
    assert [listed[c].get("ParentShardId") for c in (low, high)] == [parent, parent]
    assert listed[low]["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(middle - 1)}
    assert listed[high]["HashKeyRange"] == {"StartingHashKey": str(middle), "EndingHashKey": str(top)}
    assert read(parent) == ([b"p0", b"p5", b"p%d" % top], True), "the parent keeps its records, then ends"

    after = {h: put(h, b"c%d" % h) for h in (middle - 1, middle, top)}  # both ends of a range are inclusive
    assert [after[h]["shard"] for h in (middle - 1, middle, top)] == [low, high, high]
    assert all(int(a["seq"]) > int(before[-1]["seq"]) for a in after.values()), "children number after their parent"
    assert read(low) == ([b"c%d" % (middle - 1)], False), "an open shard has no end"

    kinesis.merge_shards(StreamName="s", ShardToMerge=high, AdjacentShardToMerge=low)  # the adjacent one below
    [merged] = set(shards()) - {parent, low, high}
    assert shards()[merged]["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(top)}
    assert (shards()[merged]["ParentShardId"], shards()[merged]["AdjacentParentShardId"]) == (high, low)
    assert read(high) == ([b"c%d" % middle, b"c%d" % top], True)
    assert put(7, b"m")["shard"] == merged
    assert read(merged) == ([b"m"], False)

    with pytest.raises(kinesis.exceptions.InvalidArgumentException):  # AWS: at most double the open shards
        kinesis.update_shard_count(StreamName="s", TargetShardCount=3, ScalingType="UNIFORM_SCALING")
    for target in (2, 3):
        kinesis.update_shard_count(StreamName="s", TargetShardCount=target, ScalingType="UNIFORM_SCALING")
    open_shards = sorted((int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"]))
                         for s in shards().values() if "EndingSequenceNumber" not in s["SequenceNumberRange"])
    assert len(open_shards) == 3
    assert open_shards[0][0] == 0 and open_shards[-1][1] == top
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(open_shards)), "open ranges tile the key space"
    assert read(merged) == ([b"m"], True)
