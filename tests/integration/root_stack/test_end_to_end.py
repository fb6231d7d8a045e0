"""The root module applied on the emulator and the reliability claim checked end to end.

10,000 clickstream records over several shards and many partition keys, 0.1% malformed (two of
them ~900 KB), and a database outage in the middle: every valid record must land in PostgreSQL
exactly once, every malformed one in the dead-letter queue with its whole payload, per-key order
kept, retries bounded.

The deployment is the session's `root_stack` (tests/integration/root_stack/conftest.py), shared with other
tests: every count here is of this test's own traffic, or a change of the runner's counters.
"""

from __future__ import annotations

from collections import Counter

import boto3
import psycopg
from local_stack.demo.clickstream import generate, send
from local_stack.demo.session import LocalSession
from local_stack.demo.sink_faults import database_outage
from local_stack.demo.summary import collect
from local_stack.esm.mapping_runner import MappingRunner
from waiting import wait_until

RECORDS = 10_000
MALFORMED_SHARE = 0.001
# Generous deadlines for the outages to have their effect; each ends as soon as it has.
RETRY_DEADLINE_S = 120.0
GIVE_UP_DEADLINE_S = 180.0


def client(session: LocalSession, service: str):
    assert session.moto
    return boto3.client(service, endpoint_url=session.moto.endpoint_url, region_name=session.moto.region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def counters(runner: MappingRunner) -> Counter[str]:
    """The runner's cumulative counts; a test subtracts the ones from before its traffic."""
    return Counter(batches=sum(p.stats.batches for p in runner.pollers),
                   retries=sum(p.stats.outcome.retries for p in runner.pollers),
                   discarded=sum(p.stats.outcome.discarded for p in runner.pollers),
                   on_failure_messages=runner.on_failure_messages)


def test_second_plan_after_apply_shows_no_changes(root_stack: LocalSession) -> None:
    assert root_stack.stack
    changes = root_stack.stack.plan_changes()
    assert changes == "", changes[-3000:]


def test_mapping_is_deployed_with_bisect_partial_responses_and_an_on_failure_topic(root_stack: LocalSession) -> None:
    [mapping] = client(root_stack, "lambda").list_event_source_mappings()["EventSourceMappings"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 0 <= mapping["MaximumRetryAttempts"] <= 10_000
    destination = mapping["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination.startswith("arn:aws:sns:")
    subscriptions = client(root_stack, "sns").list_subscriptions_by_topic(TopicArn=destination)["Subscriptions"]
    assert [s["Protocol"] for s in subscriptions] == ["lambda"], "failure_handler must be subscribed to the topic"


def test_ten_thousand_records_with_poison_and_a_sink_outage_lose_nothing(root_stack: LocalSession) -> None:
    runner, deployment = root_stack.runner, root_stack.deployment
    assert runner and root_stack.moto and deployment.db_name
    shards = client(root_stack, "kinesis").list_shards(StreamName=deployment.stream_name)["Shards"]
    assert len(shards) >= 2, "the claim is about several shards"
    records = generate(RECORDS, users=300, malformed_share=MALFORMED_SHARE, seed=7)
    kinesis, stream = client(root_stack, "kinesis"), deployment.stream_name
    before = counters(runner)
    traffic = send(kinesis, stream, records[:RECORDS // 2])
    with database_outage(root_stack.admin_dsn, deployment.db_name):
        send(kinesis, stream, records[RECORDS // 2:], traffic)
        # Down until the function's own reconnect attempts are spent and the mapping retries a batch.
        wait_until(lambda: counters(runner)["retries"] > before["retries"], RETRY_DEADLINE_S,
                   "the mapping to retry a batch during the database outage")
    assert runner.wait_idle(300), "pipeline did not drain"
    summary = collect(traffic, runner, root_stack.db_dsn, deployment)
    print(summary.render())
    added = counters(runner)
    added.subtract(before)
    assert summary.sent == RECORDS and summary.sent_malformed == RECORDS * MALFORMED_SHARE
    assert summary.missing_ids == [] and summary.stored_of_sent == summary.sent_valid
    with psycopg.connect(root_stack.db_dsn) as conn:
        stored = conn.execute("SELECT count(*) FROM clickstream_events WHERE event_id::text = ANY(%s)",
                              (list(traffic.valid),)).fetchone()[0]
    assert stored == summary.sent_valid, "every valid record stored exactly once"
    assert summary.dead_lettered == summary.sent_malformed == summary.dead_letter_payload_matches
    assert summary.dead_letter_in_s3 == sum(len(data) > 500_000 for data in traffic.malformed) > 0, \
        "the ~900 KB poison records reach the DLQ whole, through S3"
    assert summary.order_violations == []
    assert added["retries"] > 0, "the outage must have caused retries"
    assert added["discarded"] == 0 and added["on_failure_messages"] == 0
    mapping = client(root_stack, "lambda").list_event_source_mappings()["EventSourceMappings"][0]
    assert added["retries"] <= added["batches"] * mapping["MaximumRetryAttempts"]
    assert summary.errors == [] and summary.adds_up


def test_batches_given_up_during_a_long_outage_are_archived_by_the_failure_handler(root_stack: LocalSession) -> None:
    """Retries run out: on-failure message -> SNS -> failure_handler (async) re-reads the range -> S3."""
    runner, deployment = root_stack.runner, root_stack.deployment
    assert runner and deployment.db_name and deployment.archive_bucket
    kinesis, stream = client(root_stack, "kinesis"), deployment.stream_name
    before = runner.on_failure_messages
    with database_outage(root_stack.admin_dsn, deployment.db_name):
        traffic = send(kinesis, stream, generate(400, users=40, malformed_share=0, seed=11))
        # Down until the mapping has given up a batch: its retries are spent and an on-failure message is out.
        wait_until(lambda: runner.on_failure_messages > before, GIVE_UP_DEADLINE_S,
                   "the mapping to give up a batch (an on-failure message) during the database outage")
    assert runner.wait_idle(300), "pipeline did not drain"
    summary = collect(traffic, runner, root_stack.db_dsn, deployment)
    print(summary.render())
    assert runner.on_failure_messages > before, "the outage must outlast the mapping's retries"
    assert summary.archived_valid > 0 and summary.async_failed == 0
    assert summary.missing_ids == [], "a record given up by the mapping must be in the archive"
    assert summary.stored_of_sent + summary.archived_valid == summary.sent_valid
    assert summary.order_violations == [] and summary.errors == []
