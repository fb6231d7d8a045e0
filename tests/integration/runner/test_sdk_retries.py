"""An SDK retry of a request moto already carried out gets the first attempt's response, not a duplicate error.

botocore's `before-send` hook gives two calls the same invocation id, as the SDK gives the attempts of one
call; the second says `attempt=2`. Calls with ids of their own are separate requests and are refused as on AWS.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from local_stack.emulators.moto_server import MotoServer


def _client(moto: MotoServer, service: str) -> Any:
    return boto3.client(service, endpoint_url=moto.endpoint_url, region_name=moto.region,
                        aws_access_key_id="t", aws_secret_access_key="t")


class Attempts:
    """Sends the next call as attempt `n` of invocation `invocation`."""

    def __init__(self, client: Any) -> None:
        self.invocation: str | None = None
        self.attempt = 1
        client.meta.events.register("before-send", self._headers)

    def _headers(self, request: Any, **_: Any) -> None:
        if self.invocation:
            request.headers["amz-sdk-invocation-id"] = self.invocation
            request.headers["amz-sdk-request"] = f"attempt={self.attempt}; max=3"

    def call(self, invocation: str, attempt: int, operation: Callable[..., Any], **params: Any) -> Any:
        self.invocation, self.attempt = invocation, attempt
        try:
            return operation(**params)
        finally:
            self.invocation = None


def test_a_retried_create_gets_the_first_response_and_a_new_call_is_a_duplicate(own_moto: MotoServer) -> None:
    own_moto.reset()
    kinesis, ec2 = _client(own_moto, "kinesis"), _client(own_moto, "ec2")
    kinesis_attempts, ec2_attempts = Attempts(kinesis), Attempts(ec2)

    create = str(uuid.uuid4())
    kinesis_attempts.call(create, 1, kinesis.create_stream, StreamName="s", ShardCount=2)
    kinesis_attempts.call(create, 2, kinesis.create_stream, StreamName="s", ShardCount=2)
    assert len(kinesis.list_shards(StreamName="s")["Shards"]) == 2
    with pytest.raises(kinesis.exceptions.ResourceInUseException):
        kinesis.create_stream(StreamName="s", ShardCount=2)

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    create = str(uuid.uuid4())
    first = ec2_attempts.call(create, 1, ec2.create_security_group, GroupName="g", Description="d", VpcId=vpc)
    again = ec2_attempts.call(create, 2, ec2.create_security_group, GroupName="g", Description="d", VpcId=vpc)
    assert again["GroupId"] == first["GroupId"]
    with pytest.raises(ec2.exceptions.ClientError, match="Duplicate"):
        ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc)


def test_a_retry_after_a_failed_first_attempt_is_carried_out(own_moto: MotoServer) -> None:
    own_moto.reset()
    lam, iam = _client(own_moto, "lambda"), _client(own_moto, "iam")
    attempts = Attempts(lam)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(e, c): return 1\n")
    spec = {"FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler", "Code": {"ZipFile": buffer.getvalue()}}
    role = "arn:aws:iam::123456789012:role/r"

    create = str(uuid.uuid4())
    with pytest.raises(lam.exceptions.ClientError):
        attempts.call(create, 1, lam.create_function, Role=role, **spec)  # the role does not exist yet
    iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    created = attempts.call(create, 2, lam.create_function, Role=role, **spec)
    assert lam.get_function(FunctionName="f")["Configuration"]["FunctionArn"] == created["FunctionArn"]
    with pytest.raises(lam.exceptions.ResourceConflictException):
        attempts.call(str(uuid.uuid4()), 1, lam.create_function, Role=role, **spec)
