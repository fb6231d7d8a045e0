"""The root module applied on the emulator and the reliability claim checked end to end.

10,000 clickstream records over several shards and many partition keys, 0.1% malformed, and a
database outage in the middle: every valid record must land in PostgreSQL exactly once, every
malformed one in the dead-letter queue with its payload, per-key order kept, retries bounded.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import boto3
import psycopg
import pytest
from local_stack.demo.clickstream import generate, send
from local_stack.demo.session import LocalSession
from local_stack.demo.sink_faults import database_outage
from local_stack.demo.summary import collect
from local_stack.emulators.terraform_stack import REPO_ROOT
from local_stack.esm.mapping_runner import RunnerOptions

RECORDS = 10_000
MALFORMED_SHARE = 0.001
OUTAGE_S = 3.0
LONG_OUTAGE_S = 25.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSession]:
    if not (REPO_ROOT / "main.tf").is_file():
        pytest.skip("root module main.tf not present yet")
    local = LocalSession(state_dir=tmp_path_factory.mktemp("local-stack"), runner_options=RunnerOptions(poll_interval_s=0.1))
    local.start()
    yield local
    pids = [p._process.pid for p in (local.moto, local.postgres) if p and p._process]
    local.close()
    assert local.destroy_error is None, local.destroy_error
    assert not [pid for pid in pids if _alive(pid)], "emulator or database still running after teardown"


def client(session: LocalSession, service: str):
    assert session.moto
    return boto3.client(service, endpoint_url=session.moto.endpoint_url, region_name=session.moto.region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_second_plan_after_apply_shows_no_changes(session: LocalSession) -> None:
    assert session.stack
    changes = session.stack.plan_changes()
    assert changes == "", changes[-3000:]


def test_mapping_is_deployed_with_bisect_partial_responses_and_an_on_failure_topic(session: LocalSession) -> None:
    [mapping] = client(session, "lambda").list_event_source_mappings()["EventSourceMappings"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 0 <= mapping["MaximumRetryAttempts"] <= 10_000
    destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination.startswith("arn:aws:sns:")
    subscriptions = client(session, "sns").list_subscriptions_by_topic(TopicArn=destination)["Subscriptions"]
    assert [s["Protocol"] for s in subscriptions] == ["lambda"], "failure_handler must be subscribed to the topic"


def test_ten_thousand_records_with_poison_and_a_sink_outage_lose_nothing(session: LocalSession) -> None:
    assert session.runner and session.moto and session.deployment.db_name
    shards = client(session, "kinesis").list_shards(StreamName=session.deployment.stream_name)["Shards"]
    assert len(shards) >= 2, "the claim is about several shards"
    records = generate(RECORDS, users=300, malformed_share=MALFORMED_SHARE, seed=7)
    kinesis, stream = client(session, "kinesis"), session.deployment.stream_name
    traffic = send(kinesis, stream, records[:RECORDS // 2])
    with database_outage(session.admin_dsn, session.deployment.db_name):
        send(kinesis, stream, records[RECORDS // 2:], traffic)
        time.sleep(OUTAGE_S)  # longer than the function's own reconnect attempts: the mapping must retry
    assert session.runner.wait_idle(300), "pipeline did not drain"
    summary = collect(traffic, session.runner, session.db_dsn, session.deployment.dlq_url, session.deployment.archive_bucket)
    print(summary.render())
    assert summary.sent == RECORDS and summary.sent_malformed == RECORDS * MALFORMED_SHARE
    assert summary.missing_ids == [] and summary.stored_of_sent == summary.sent_valid
    with psycopg.connect(session.db_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM clickstream_events").fetchone()[0] == summary.sent_valid
    assert summary.dead_lettered == summary.sent_malformed == summary.dead_letter_payload_matches
    assert summary.order_violations == []
    assert summary.batches.retries > 0, "the outage must have caused retries"
    assert summary.batches.discarded == 0 and summary.on_failure_messages == 0
    mapping = client(session, "lambda").list_event_source_mappings()["EventSourceMappings"][0]
    batches = sum(p.stats.batches for p in session.runner.pollers)
    assert summary.batches.retries <= batches * mapping["MaximumRetryAttempts"]
    assert summary.errors == [] and summary.adds_up


def test_batches_given_up_during_a_long_outage_are_archived_by_the_failure_handler(session: LocalSession) -> None:
    """Retries run out: on-failure message -> SNS -> failure_handler (async) re-reads the range -> S3."""
    assert session.runner and session.deployment.db_name and session.deployment.archive_bucket
    kinesis, stream = client(session, "kinesis"), session.deployment.stream_name
    before = session.runner.on_failure_messages
    with database_outage(session.admin_dsn, session.deployment.db_name):
        traffic = send(kinesis, stream, generate(400, users=40, malformed_share=0, seed=11))
        time.sleep(LONG_OUTAGE_S)
    assert session.runner.wait_idle(300), "pipeline did not drain"
    summary = collect(traffic, session.runner, session.db_dsn, session.deployment.dlq_url, session.deployment.archive_bucket)
    print(summary.render())
    assert session.runner.on_failure_messages > before, "the outage must outlast the mapping's retries"
    assert summary.archived_valid > 0 and summary.async_failed == 0
    assert summary.missing_ids == [], "a record given up by the mapping must be in the archive"
    assert summary.stored_of_sent + summary.archived_valid == summary.sent_valid
    assert summary.order_violations == [] and summary.errors == []
