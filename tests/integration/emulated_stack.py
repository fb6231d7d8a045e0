"""Resources on a test module's own moto server, created through the APIs Terraform uses, for
tests that run the mapping runner (and what it publishes) with the small fixture functions."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
from local_stack.emulators.moto_server import MotoServer
from local_stack.esm.mapping_runner import MappingRunner, RunnerOptions

from tests.integration.fixture_functions import write_artifacts

ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


class Stack:
    """Resources in a freshly reset emulator, created through the same APIs Terraform uses."""

    def __init__(self, moto: MotoServer, tmp: Path) -> None:
        moto.reset()
        self.env = moto.env()
        self.tmp = tmp
        self.manifest = write_artifacts(tmp)
        self.dist = tmp / "dist"
        session = boto3.session.Session(region_name=self.env["AWS_REGION"], aws_access_key_id="testing",
                                        aws_secret_access_key="testing")
        self.client = lambda service: session.client(service, endpoint_url=self.env["AWS_ENDPOINT_URL"])
        self.kinesis, self.sqs, self.lam = self.client("kinesis"), self.client("sqs"), self.client("lambda")
        self.role = self.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
        self.out_file = tmp / "out.jsonl"
        self.init_log = tmp / "init.log"

    def queue(self, name: str) -> tuple[str, str]:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        return url, self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def function(self, name: str, artifact: str, timeout: int = 10, env: dict[str, str] | None = None, layers=(),
                 memory: int = 128) -> str:
        variables = {"OUT_FILE": str(self.out_file), "INIT_LOG": str(self.init_log), **(env or {})}
        return self.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=self.role, Handler="app.handler", Timeout=timeout, MemorySize=memory,
            Code={"ZipFile": (self.dist / f"{artifact}.zip").read_bytes()}, Environment={"Variables": variables},
            Layers=list(layers))["FunctionArn"]

    def stream(self, name: str, shards: int) -> str:
        self.kinesis.create_stream(StreamName=name, ShardCount=shards)
        return self.kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]

    def put(self, stream: str, bodies: list[dict]) -> None:
        for start in range(0, len(bodies), 500):
            self.kinesis.put_records(StreamName=stream, Records=[
                {"Data": json.dumps(b).encode(), "PartitionKey": b["key"]} for b in bodies[start:start + 500]])

    def runner(self, **options) -> MappingRunner:
        return MappingRunner(self.env, self.manifest, self.tmp / "state",
                             RunnerOptions(poll_interval_s=0.05, backoff_base_s=0.02, **options))

    def delivered(self) -> list[dict]:
        if not self.out_file.exists():
            return []
        return [json.loads(line) for line in self.out_file.read_text().splitlines()]

    def drain(self, url: str) -> list[dict]:
        messages = []
        while batch := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages"):
            messages += [json.loads(m["Body"]) for m in batch]
            for m in batch:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return messages


def bodies(n: int, keys: int, special: dict[int, str] | None = None) -> list[dict]:
    special = special or {}
    return [{"id": i, "key": f"user-{i % keys}", "mode": special.get(i, "ok")} for i in range(n)]
