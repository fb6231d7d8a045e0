"""The local stack's moto: no Docker delivery beside the runner, and a retried CreateFunction is not a conflict."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest
from local_stack.emulators.moto_server import MotoServer


def test_duplicate_create_function_is_idempotent_and_real_conflicts_remain(own_moto: MotoServer) -> None:
    own_moto.reset()
    client = boto3.client("lambda", endpoint_url=own_moto.endpoint_url, region_name=own_moto.region,
                          aws_access_key_id="t", aws_secret_access_key="t")
    role = boto3.client("iam", endpoint_url=own_moto.endpoint_url, region_name=own_moto.region, aws_access_key_id="t",
                        aws_secret_access_key="t").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(e, c): return 1\n")
    spec = {"FunctionName": "f", "Runtime": "python3.12", "Role": role, "Handler": "app.handler", "Code": {"ZipFile": buffer.getvalue()}}
    first = client.create_function(**spec)
    again = client.create_function(**spec)
    assert (again["FunctionArn"], again["CodeSha256"]) == (first["FunctionArn"], first["CodeSha256"])
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.create_function(**{**spec, "Handler": "other.handler"})


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
