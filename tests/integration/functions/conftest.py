"""Fixtures for the function and layer tests that need an emulator or a database: a fresh
PostgreSQL database per test, and SQS/Kinesis/S3 resources on the shared moto server.
(The sources are importable as Lambda lays them out through pytest's `pythonpath`.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import psycopg
import pytest
from kinesis_events import ACCOUNT, REGION, clickstream_events
from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.postgres import PostgresServer
from pipeline_common import aws_clients


class Database:
    """A throwaway database on the session's PostgreSQL server."""

    def __init__(self, server: PostgresServer, name: str) -> None:
        self.server = server
        self.name = name

    def connect_kwargs(self) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": self.server.port, "dbname": self.name, "user": "postgres"}

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(**self.connect_kwargs(), autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[Database]:
    name = f"fn_{uuid.uuid4().hex[:12]}"
    admin = {"host": "127.0.0.1", "port": postgres_server.port, "dbname": "postgres", "user": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield Database(postgres_server, name)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def aws(aws_env: MotoServer) -> Iterator[MotoServer]:
    """The emulator, with the layer's client cache cleared so clients pick up its endpoint."""
    aws_clients.forget()
    yield aws_env
    aws_clients.forget()


@pytest.fixture
def dlq_url(aws: MotoServer) -> str:
    return aws_clients.client("sqs").create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:10]}")["QueueUrl"]


@pytest.fixture
def payload_bucket(aws: MotoServer) -> str:
    """A bucket for dead-letter messages too large for SQS (the root module uses its archive bucket)."""
    name = f"payloads-{uuid.uuid4().hex[:10]}"
    aws_clients.client("s3").create_bucket(Bucket=name)
    return name


def drain_queue(queue_url: str) -> list[dict]:
    """Every message currently in the queue (moto delivers them all within a few polls)."""
    sqs = aws_clients.client("sqs")
    messages: list[dict] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                    WaitTimeSeconds=0).get("Messages", [])
        if not batch:
            return messages
        messages += batch
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)])


@pytest.fixture
def queue_messages() -> Callable[[str], list[dict]]:
    return drain_queue


@pytest.fixture
def stream(aws) -> dict:
    """A one-shard stream holding 30 clickstream records; returns name, ARN, shard and what was put."""
    kinesis = aws_clients.client("kinesis")
    name = f"clicks-{uuid.uuid4().hex[:8]}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 0.2})
    payloads = [orjson.dumps(e) for e in clickstream_events(30, seed=5)]
    keys = [f"user-{i % 4}" for i in range(30)]
    put = kinesis.put_records(StreamName=name, Records=[{"Data": d, "PartitionKey": k} for d, k in zip(payloads, keys, strict=True)])
    shard = kinesis.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    return {"name": name, "arn": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}", "shard": shard,
            "payloads": payloads, "keys": keys, "sequences": [r["SequenceNumber"] for r in put["Records"]]}
