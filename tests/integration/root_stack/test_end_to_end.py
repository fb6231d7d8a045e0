"""The root module applied on the emulator and the reliability claim checked end to end.

10,000 clickstream records sent steadily over several shards and many partition keys, 0.1%
malformed (two of them ~900 KB), 2% re-sent by the producer, PostgreSQL stopped for two minutes
and a busy worker killed: every valid record must land in PostgreSQL exactly once, every
malformed one in the dead-letter queue with its whole payload, per-key order kept, and nothing
given up. Then the other side: a batch whose retries do run out is archived by the failure handler.

The deployment is the session's `root_stack` (tests/integration/root_stack/conftest.py), shared with other
tests: every count here is of this test's own traffic, or a change of the runner's counters.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import boto3
import psycopg
from local_stack.demo.clickstream import generate, send, send_steadily, with_duplicates
from local_stack.demo.session import LocalSession
from local_stack.demo.sink_faults import database_outage, server_outage
from local_stack.demo.summary import collect
from local_stack.esm.mapping_runner import MappingRunner
from waiting import wait_until

RECORDS = 10_000
MALFORMED_SHARE = 0.001
DUPLICATE_SHARE = 0.02
SEND_RATE = 80.0  # records/s: the traffic keeps arriving through the whole outage
OUTAGE_S = 120.0
# Generous deadlines for a give-up and for an alarm evaluated at the end of its minute; each wait
# ends as soon as its condition holds.
GIVE_UP_DEADLINE_S = 180.0
ALARM_DEADLINE_S = 150.0
TRICKLE_EVERY_S = 20.0


def client(session: LocalSession, service: str):
    assert session.moto
    return boto3.client(service, endpoint_url=session.moto.endpoint_url, region_name=session.moto.region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def alarm_states_since(session: LocalSession, purpose: str, since: datetime) -> list[str]:
    """The states the root's `purpose` alarm entered since `since`, oldest first, from CloudWatch's alarm history."""
    assert session.stack
    name = session.stack.outputs()["alarm_names"][purpose]
    items = client(session, "cloudwatch").describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate",
                                                                 StartDate=since)["AlarmHistoryItems"]
    return [json.loads(item["HistoryData"])["newState"]["stateValue"] for item in sorted(items, key=lambda i: i["Timestamp"])]


def alarm_state(session: LocalSession, purpose: str) -> str:
    assert session.stack
    name = session.stack.outputs()["alarm_names"][purpose]
    [alarm] = client(session, "cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return str(alarm["StateValue"])


def duration_diagnosis(session: LocalSession, since: datetime) -> str:
    """The duration alarm's history and the Duration maxima per minute since `since`: what a failure needs."""
    assert session.stack
    cloudwatch = client(session, "cloudwatch")
    name = session.stack.outputs()["alarm_names"]["processor_duration"]
    [alarm] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    history = [(i["Timestamp"].strftime("%H:%M:%S"), i["HistorySummary"])
               for i in cloudwatch.describe_alarm_history(AlarmName=name, StartDate=since)["AlarmHistoryItems"]]
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Duration", Dimensions=alarm["Dimensions"], Period=60, Statistics=["Maximum"],
        StartTime=since - timedelta(minutes=2), EndTime=datetime.now(UTC) + timedelta(minutes=1))["Datapoints"]
    maxima = [(p["Timestamp"].strftime("%H:%M"), p["Maximum"]) for p in sorted(points, key=lambda p: p["Timestamp"])]
    return f"state {alarm['StateValue']}, threshold {alarm['Threshold']} ms; history {history}; Duration maxima {maxima}"


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


def test_a_two_minute_database_outage_and_a_killed_worker_cost_latency_only(root_stack: LocalSession) -> None:
    """Steady traffic with poison and producer re-sends; PostgreSQL stopped for 120 s (a failover's length)
    and a busy worker killed: every valid event stored once, nothing given up or archived, every poison
    record in the DLQ whole with its reason, order per key kept."""
    runner, deployment, postgres = root_stack.runner, root_stack.deployment, root_stack.postgres
    assert runner and root_stack.moto and postgres and deployment.db_name
    shards = client(root_stack, "kinesis").list_shards(StreamName=deployment.stream_name)["Shards"]
    assert len(shards) >= 2, "the claim is about several shards"
    records = with_duplicates(generate(RECORDS, users=300, malformed_share=MALFORMED_SHARE, seed=7), DUPLICATE_SHARE, seed=8)
    kinesis, stream = client(root_stack, "kinesis"), deployment.stream_name
    [mapping] = client(root_stack, "lambda").list_event_source_mappings()["EventSourceMappings"]
    processor = runner.registry.get(mapping["FunctionArn"])
    before = counters(runner)
    test_started = datetime.now(UTC)
    lead = RECORDS // 10
    traffic = send(kinesis, stream, records[:lead])
    sender = threading.Thread(target=send_steadily, args=(kinesis, stream, records[lead:], SEND_RATE, traffic))
    with server_outage(postgres.data_dir, postgres.port):
        sender.start()
        outage_ends = time.monotonic() + OUTAGE_S
        wait_until(lambda: len(processor.busy_pids()) > 0, 60, "an invocation to be waiting for the database")
        errors_before = processor.errors
        os.kill(processor.busy_pids()[0], signal.SIGKILL)
        wait_until(lambda: processor.errors > errors_before, 60, "the killed invocation to fail")
        time.sleep(max(0.0, outage_ends - time.monotonic()))  # the outage's length is the scenario, not a wait for a condition
    sender.join()
    # Invocations waiting out the outage run close to the timeout: the duration alarm is the outage's signal
    # (they return partial responses, not errors). Poison in the dead-letter queue fires its depth alarm.
    for purpose in ("processor_duration", "dead_letter_messages_visible"):
        wait_until(lambda p=purpose: "ALARM" in alarm_states_since(root_stack, p, test_started), ALARM_DEADLINE_S,
                   f"the {purpose} alarm to go to ALARM (CloudWatch alarm history)")
    assert runner.wait_idle(300), "pipeline did not drain"
    summary = collect(traffic, runner, root_stack.db_dsn, deployment)
    print(summary.render())
    added = counters(runner)
    added.subtract(before)
    assert summary.sent == len(records) and summary.sent_duplicates > 0
    assert summary.missing_ids == [] and summary.stored_of_sent == summary.sent_valid
    with psycopg.connect(root_stack.db_dsn) as conn:
        stored = conn.execute("SELECT count(*) FROM clickstream_events WHERE event_id::text = ANY(%s)",
                              (list(traffic.valid),)).fetchone()[0]
    assert stored == summary.sent_valid, "every valid record stored exactly once"
    assert summary.dead_lettered == summary.sent_malformed == summary.dead_letter_payload_matches > 0
    assert summary.dead_letter_in_s3 == sum(len(data) > 500_000 for data in traffic.malformed) > 0, \
        "the ~900 KB poison records reach the DLQ whole, through S3"
    assert summary.order_violations == []
    assert added["discarded"] == 0 and added["on_failure_messages"] == 0 and summary.archived_valid == 0, \
        "a 120 s outage must cost latency only: nothing given up or archived"
    assert added["retries"] > 0, "the killed worker and the invocations that hit the time reserve are retries"
    assert summary.errors == [] and summary.adds_up


def test_batches_given_up_are_archived_by_the_failure_handler(root_stack: LocalSession) -> None:
    """Retries run out (the mapping's retry limit lowered to 0 while it runs, as a user may do):
    on-failure message -> SNS -> failure_handler (async) re-reads the range -> S3."""
    runner, deployment = root_stack.runner, root_stack.deployment
    assert runner and deployment.db_name and deployment.archive_bucket
    lam = client(root_stack, "lambda")
    [mapping] = lam.list_event_source_mappings()["EventSourceMappings"]
    kinesis, stream = client(root_stack, "kinesis"), deployment.stream_name
    before = runner.on_failure_messages
    test_started = datetime.now(UTC)
    lam.update_event_source_mapping(UUID=mapping["UUID"], MaximumRetryAttempts=0)
    try:
        wait_until(lambda: all(p.policy.max_retry_attempts == 0 for p in runner.pollers), 30,
                   "the runner to apply the lowered retry limit")
        with database_outage(root_stack.admin_dsn, deployment.db_name):
            traffic = send(kinesis, stream, generate(400, users=40, malformed_share=0, seed=11))
            # Down until a batch is given up: its one invocation waited until the time reserve.
            wait_until(lambda: runner.on_failure_messages > before, GIVE_UP_DEADLINE_S,
                       "the mapping to give up a batch (an on-failure message) during the database outage")
    finally:
        lam.update_event_source_mapping(UUID=mapping["UUID"], MaximumRetryAttempts=mapping["MaximumRetryAttempts"])
        wait_until(lambda: all(p.policy.max_retry_attempts == mapping["MaximumRetryAttempts"] for p in runner.pollers), 30,
                   "the runner to apply the restored retry limit")
    assert runner.wait_idle(300), "pipeline did not drain"
    summary = collect(traffic, runner, root_stack.db_dsn, deployment)
    print(summary.render())
    assert summary.archived_valid > 0 and summary.async_failed == 0
    assert summary.missing_ids == [], "a record given up by the mapping must be in the archive"
    assert summary.stored_of_sent + summary.archived_valid == summary.sent_valid
    assert summary.order_violations == [] and summary.errors == []
    wait_until(lambda: "ALARM" in alarm_states_since(root_stack, "on_failure_delivered", test_started), ALARM_DEADLINE_S,
               "the on-failure alarm to go to ALARM (CloudWatch alarm history)")
    # Traffic goes on, now fast again: the newest Duration datapoint is not breaching and the alarm is OK,
    # recovered if it fired (whether it fires here depends on when the one slow invocation's datapoint,
    # stamped with its start, lands beside fast ones; the outage test above asserts that it fires).
    # A trickle every TRICKLE_EVERY_S, as a live pipeline has, so a minute of fast invocations always follows.
    trickle = send(kinesis, stream, generate(20, users=5, malformed_share=0, seed=12))
    assert runner.wait_idle(120) and collect(trickle, runner, root_stack.db_dsn, deployment).stored_of_sent == 20
    next_trickle = [time.monotonic() + TRICKLE_EVERY_S]

    def duration_alarm_recovered() -> bool:
        if alarm_states_since(root_stack, "processor_duration", test_started)[-1:] in ([], ["OK"]) \
                and alarm_state(root_stack, "processor_duration") == "OK":
            return True
        if time.monotonic() >= next_trickle[0]:
            send(kinesis, stream, generate(5, users=5, malformed_share=0, seed=int(next_trickle[0])))
            next_trickle[0] += TRICKLE_EVERY_S
        return False

    try:
        wait_until(duration_alarm_recovered, ALARM_DEADLINE_S, "the duration alarm to return to OK")
    except TimeoutError:
        raise AssertionError("the duration alarm did not return to OK once invocations were fast again: "
                             + duration_diagnosis(root_stack, test_started)) from None
