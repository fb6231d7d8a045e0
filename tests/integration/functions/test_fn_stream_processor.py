"""The clickstream processor against a real PostgreSQL and real SQS (moto server)."""

from __future__ import annotations

import base64
import threading
import uuid
from collections import Counter

import orjson
import psycopg
import pytest
from kinesis_events import FakeContext, clickstream_batch, clickstream_events, kinesis_event
from pipeline_common import aws_clients
from pipeline_common.retry import RetryPolicy
from stream_processor.batch import BatchLimits, BatchProcessor
from stream_processor.dead_letter import PayloadBucket, SqsDeadLetter
from stream_processor.postgres_sink import PostgresSink
from tcp_proxy import FreezableProxy
from waiting import wait_until

FAST_RETRY = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)


def make_processor(database, dlq_url: str, payload_bucket: str = "no-such-bucket", **limits) -> BatchProcessor:
    """`payload_bucket` is used only by messages too large for SQS, which test_fn_dead_letter.py sends."""
    limits.setdefault("sink_policy", FAST_RETRY)
    limits.setdefault("time_reserve_seconds", 1.0)
    return BatchProcessor(
        sink=PostgresSink(database.connect_kwargs),
        dead_letter=SqsDeadLetter(dlq_url, lambda: aws_clients.client("sqs"),
                                  PayloadBucket(payload_bucket, "dead-letter/", lambda: aws_clients.client("s3")),
                                  policy=FAST_RETRY),
        limits=BatchLimits(**limits),
    )


def stored_counts(database) -> tuple[int, int, int]:
    """(rows, distinct event ids, sum of the per-minute counters)."""
    rows, distinct = database.query("SELECT count(*), count(DISTINCT event_id) FROM clickstream_events")[0]
    counted = database.query("SELECT coalesce(sum(events), 0) FROM page_minute_counts")[0][0]
    return rows, distinct, int(counted)


@pytest.mark.parametrize("count", [1, 250, 10_000])
def test_valid_batch_is_stored_once_with_its_aggregates(database, dlq_url, queue_messages, count):
    event = clickstream_batch(count)
    result = make_processor(database, dlq_url).process(event["Records"], FakeContext())
    assert result.response == {"batchItemFailures": []}
    assert result.summary["stored"] == count and result.summary["poison"] == 0
    assert stored_counts(database) == (count, count, count)
    assert queue_messages(dlq_url) == []


def test_columns_are_extracted_from_the_payload(database, dlq_url):
    event = clickstream_batch(3, shard="shardId-000000000007")
    make_processor(database, dlq_url).process(event["Records"])
    first = clickstream_events(3)[0]
    row = database.query(
        "SELECT event_type, occurred_at = %s::timestamptz, user_id, page, duration_ms, properties->>'device', "
        "shard_id, sequence_number FROM clickstream_events WHERE event_id = %s",
        (first["timestamp"], first["event_id"]))
    assert row == [(first["event_type"], True, first["user_id"], first["page"], first["duration_ms"],
                    first["properties"]["device"], "shardId-000000000007",
                    event["Records"][0]["kinesis"]["sequenceNumber"])]


def poison_payloads() -> dict[str, tuple[bytes, str]]:
    """label -> (raw payload, expected reason)."""
    good = clickstream_events(1, seed=99)[0]
    return {
        "truncated_json": (orjson.dumps(good)[:-7], "malformed_json"),
        "not_utf8": (b'{"event_id": "\xff\xfe"}', "malformed_json"),
        "json_array": (b"[1, 2, 3]", "invalid_event"),
        "missing_page": (orjson.dumps({k: v for k, v in good.items() if k != "page"}), "invalid_event"),
        "bad_uuid": (orjson.dumps({**good, "event_id": "not-a-uuid"}), "invalid_event"),
        "naive_timestamp": (orjson.dumps({**good, "timestamp": "2026-11-26T12:00:00"}), "invalid_event"),
        "week_timestamp": (orjson.dumps({**good, "timestamp": "2026-W48-4T12:00:00Z"}), "invalid_event"),
        "bool_duration": (orjson.dumps({**good, "duration_ms": True}), "invalid_event"),
        "list_event_type": (orjson.dumps({**good, "event_type": ["click"]}), "invalid_event"),
        "oversize": (orjson.dumps({**good, "user_agent": "x" * 20_000}), "oversize"),
        # PostgreSQL's jsonb cannot hold U+0000: the validator refuses it, the database never sees it.
        "nul_in_properties": (orjson.dumps({**good, "properties": {"note": "a\u0000b"}}), "invalid_event"),
    }


def test_poison_records_reach_the_dlq_with_payload_and_reason_and_the_rest_is_stored(database, dlq_url, queue_messages):
    cases = poison_payloads()
    valid = [orjson.dumps(e) for e in clickstream_events(40)]
    payloads = valid[:10] + [raw for raw, _ in cases.values()] + valid[10:]
    event = kinesis_event(payloads)
    event["Records"].append(dict(event["Records"][0], kinesis={**event["Records"][0]["kinesis"], "data": "abc"}))
    event["Records"][-1]["kinesis"]["sequenceNumber"] = "99999999999999999999999999999999999999999999999999999999"
    result = make_processor(database, dlq_url, max_event_bytes=16_384, chunk_size=16).process(event["Records"])

    assert result.response == {"batchItemFailures": []}
    assert stored_counts(database)[0] == 40
    messages = {orjson.loads(m["Body"])["sequenceNumber"]: m for m in queue_messages(dlq_url)}
    assert len(messages) == len(cases) + 1
    for offset, (label, (raw, reason)) in enumerate(cases.items()):
        record = event["Records"][10 + offset]["kinesis"]
        message = messages[record["sequenceNumber"]]
        body = orjson.loads(message["Body"])
        assert (label, body["reason"]) == (label, reason)
        assert message["MessageAttributes"]["reason"]["StringValue"] == reason
        assert base64.b64decode(body["data"]) == raw and body["dataBase64Chars"] == len(body["data"])
        assert body["partitionKey"] == record["partitionKey"]
        assert body["detail"]
    bad_base64 = orjson.loads(messages["9" * 56]["Body"])
    assert (bad_base64["reason"], bad_base64["data"]) == ("malformed_base64", "abc")
    assert result.summary["poison_reasons"] == dict(Counter(reason for _, reason in cases.values()),
                                                    malformed_base64=1)


def install_outage(database, event_id: str) -> None:
    """A real server-side failure: inserting `event_id` raises lock_not_available while the switch is on."""
    database.query("CREATE TABLE IF NOT EXISTS outage (on_ boolean NOT NULL)")
    database.query("INSERT INTO outage VALUES (true)")
    database.query(f"""
        CREATE FUNCTION fail_during_outage() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.event_id = '{event_id}' AND (SELECT bool_or(on_) FROM outage) THEN
                RAISE EXCEPTION 'simulated outage' USING ERRCODE = 'lock_not_available';
            END IF;
            RETURN NEW;
        END $$""")
    database.query("CREATE TRIGGER outage BEFORE INSERT ON clickstream_events FOR EACH ROW EXECUTE FUNCTION fail_during_outage()")


def test_sink_failure_mid_batch_names_the_chunk_and_the_retried_suffix_completes_without_duplicates(database, dlq_url):
    count, chunk = 1_000, 100
    event = clickstream_batch(count)
    processor = make_processor(database, dlq_url, chunk_size=chunk)
    processor.process(event["Records"][:1])  # creates the schema
    install_outage(database, clickstream_events(count)[250]["event_id"])

    result = processor.process(event["Records"], FakeContext())
    retry_from = event["Records"][200]["kinesis"]["sequenceNumber"]
    assert result.response == {"batchItemFailures": [{"itemIdentifier": retry_from}]}
    assert "simulated outage" in result.summary["error"]
    assert stored_counts(database) == (200, 200, 200)

    database.query("UPDATE outage SET on_ = false")
    suffix = [r for r in event["Records"] if int(r["kinesis"]["sequenceNumber"]) >= int(retry_from)]
    again = processor.process(suffix, FakeContext())
    assert again.response == {"batchItemFailures": []}
    assert stored_counts(database) == (count, count, count)


def test_sink_failure_in_the_first_chunk_returns_the_first_record_not_a_function_error(database, dlq_url):
    """A function error would make the mapping bisect a healthy batch; a partial response from record 0 retries it whole."""
    event = clickstream_batch(30)
    processor = make_processor(database, dlq_url, chunk_size=10)
    processor.process(event["Records"][:1])
    install_outage(database, clickstream_events(30)[5]["event_id"])
    result = processor.process(event["Records"], FakeContext())
    first = event["Records"][0]["kinesis"]["sequenceNumber"]
    assert result.response == {"batchItemFailures": [{"itemIdentifier": first}]}
    assert (result.summary["retry_from_sequence"], result.summary["error_kind"]) == (first, "sink_unavailable")
    assert stored_counts(database)[0] == 1


class CountingSink(PostgresSink):
    """The real sink, counting the resets the processor does before each retry of a failed write."""

    resets = 0

    def reset(self) -> None:
        self.resets += 1
        super().reset()


def refuse_connections(postgres_server, database, refused: bool) -> None:
    admin = {"host": "127.0.0.1", "port": postgres_server.port, "dbname": "postgres", "user": "postgres"}
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{database.name}" ALLOW_CONNECTIONS {str(not refused).lower()}')
        if refused:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database.name,))


def riding_processor(database, dlq_url: str, sink_attempt_seconds: float = 0.5) -> BatchProcessor:
    """The deployed retry policy (until the time reserve), with short waits so a test takes seconds."""
    sink = CountingSink(database.connect_kwargs)
    return BatchProcessor(sink=sink, dead_letter=make_processor(database, dlq_url).dead_letter,
                          limits=BatchLimits(sink_policy=RetryPolicy(max_attempts=None, base_delay=0.01, max_delay=0.05),
                                             time_reserve_seconds=0.5, sink_attempt_seconds=sink_attempt_seconds))


def test_a_database_outage_is_waited_out_inside_the_invocation(database, dlq_url, postgres_server):
    processor = riding_processor(database, dlq_url)
    processor.process(clickstream_batch(5, seed=5)["Records"], FakeContext())
    event = clickstream_batch(200, seed=6)
    refuse_connections(postgres_server, database, True)
    results = []
    worker = threading.Thread(target=lambda: results.append(processor.process(event["Records"], FakeContext(remaining_ms=60_000))))
    worker.start()
    try:
        wait_until(lambda: processor.sink.resets >= 5, 30, "the processor to retry the refused write five times")
        assert worker.is_alive(), "the invocation must still be waiting for the database"
    finally:
        refuse_connections(postgres_server, database, False)
    worker.join(60)
    [result] = results
    assert result.response == {"batchItemFailures": []}
    assert result.summary["error"] is None and result.summary["stored"] == 200
    assert stored_counts(database)[0] == 205


def test_a_proxy_that_stops_answering_mid_write_is_cut_off_and_waited_out(database, dlq_url):
    """Without the write deadline the statement would wait on the silent proxy until Lambda's timeout."""
    proxy = FreezableProxy(("127.0.0.1", database.server.port))
    sink = CountingSink(lambda: {**database.connect_kwargs(), "port": proxy.port, "connect_timeout": 2})
    processor = BatchProcessor(sink=sink, dead_letter=make_processor(database, dlq_url).dead_letter,
                               limits=BatchLimits(sink_policy=RetryPolicy(max_attempts=None, base_delay=0.01, max_delay=0.05),
                                                  time_reserve_seconds=0.5, sink_attempt_seconds=2.0, write_timeout_seconds=1.0))
    try:
        processor.process(clickstream_batch(5, seed=9)["Records"], FakeContext())
        event = clickstream_batch(100, seed=10)
        proxy.forwarding.clear()
        results = []
        worker = threading.Thread(target=lambda: results.append(processor.process(event["Records"], FakeContext(remaining_ms=60_000))))
        worker.start()
        wait_until(lambda: sink.resets >= 2, 30, "the hung write to be cut off and retried")
        assert worker.is_alive(), "the invocation must still be waiting for the database"
        proxy.forwarding.set()
        worker.join(60)
    finally:
        proxy.close()
    [result] = results
    assert result.response == {"batchItemFailures": []}
    # The held statement may reach the server once the proxy answers again: idempotent writes keep one row each.
    assert result.summary["stored"] + result.summary["duplicates"] == 100
    assert stored_counts(database) == (105, 105, 105)


def test_an_outage_longer_than_the_invocation_stops_at_the_time_reserve_with_the_first_record(database, dlq_url, postgres_server):
    # An attempt's allowance of 2 s covers a refused connection even on a loaded machine (~1.5 s seen at load 18).
    processor = riding_processor(database, dlq_url, sink_attempt_seconds=2.0)
    processor.process(clickstream_batch(5, seed=7)["Records"], FakeContext())
    event = clickstream_batch(50, seed=8)
    context = FakeContext(remaining_ms=8_000)
    refuse_connections(postgres_server, database, True)
    try:
        result = processor.process(event["Records"], context)
    finally:
        refuse_connections(postgres_server, database, False)
    assert result.response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["kinesis"]["sequenceNumber"]}]}
    assert result.summary["error_kind"] == "sink_unavailable" and processor.sink.resets >= 3
    # It retried until the reserve (0.5 s) plus one attempt's allowance (2 s) was left, and no further.
    assert 0 < context.get_remaining_time_in_millis() <= 2_600


def test_redelivered_batch_has_no_duplicate_effect(database, dlq_url):
    event = clickstream_batch(500)
    processor = make_processor(database, dlq_url, chunk_size=128)
    first = processor.process(event["Records"])
    counters = database.query("SELECT page, event_type, minute, events FROM page_minute_counts ORDER BY 1, 2, 3")
    second = processor.process(event["Records"])
    assert (first.summary["stored"], second.summary["stored"], second.summary["duplicates"]) == (500, 0, 500)
    assert stored_counts(database) == (500, 500, 500)
    assert database.query("SELECT page, event_type, minute, events FROM page_minute_counts ORDER BY 1, 2, 3") == counters


def test_producer_duplicates_inside_one_batch_are_stored_once(database, dlq_url):
    payloads = [orjson.dumps(e) for e in clickstream_events(20)]
    result = make_processor(database, dlq_url).process(kinesis_event(payloads + payloads[:5])["Records"])
    assert (result.summary["stored"], result.summary["duplicates"]) == (20, 5)
    assert stored_counts(database) == (20, 20, 20)


def test_low_remaining_time_stops_before_the_next_chunk(database, dlq_url):
    event = clickstream_batch(50)
    result = make_processor(database, dlq_url, chunk_size=20, time_reserve_seconds=5.0).process(
        event["Records"], FakeContext(remaining_ms=4_000))
    assert result.response == {"batchItemFailures": [{"itemIdentifier": event["Records"][20]["kinesis"]["sequenceNumber"]}]}
    assert stored_counts(database)[0] == 20


def test_broken_connection_is_reestablished_on_the_next_batch(database, dlq_url):
    processor = make_processor(database, dlq_url)
    processor.process(clickstream_batch(10, seed=1)["Records"])
    pid = processor.sink.connection().info.backend_pid
    database.query("SELECT pg_terminate_backend(%s)", (pid,))
    result = processor.process(clickstream_batch(10, seed=2)["Records"])
    assert result.response == {"batchItemFailures": []}
    assert processor.sink.connects == 2
    assert stored_counts(database)[0] == 20


def test_unreachable_dlq_retries_the_chunk_holding_poison(database, dlq_url):
    payloads = [orjson.dumps(e) for e in clickstream_events(30)]
    payloads[15] = b"{not json"
    event = kinesis_event(payloads)
    missing_queue = dlq_url.rsplit("/", 1)[0] + "/no-such-queue"
    result = make_processor(database, missing_queue, chunk_size=10).process(event["Records"])
    assert result.response == {"batchItemFailures": [{"itemIdentifier": event["Records"][10]["kinesis"]["sequenceNumber"]}]}
    assert "DeadLetterUnavailable" in result.summary["error"]
    assert stored_counts(database)[0] == 19  # chunk 2's valid rows are committed; harmless on redelivery


def test_poison_is_sent_while_the_chunk_is_written(database, dlq_url, queue_messages):
    """The dead-letter queue's latency overlaps the database's: each side waits here for the other to begin,
    which only works when both run at once."""
    payloads = [orjson.dumps(e) for e in clickstream_events(20)]
    payloads[4] = b"[]"
    processor = make_processor(database, dlq_url)
    writing, sending = threading.Event(), threading.Event()
    write, send = processor.sink.write, processor.dead_letter.send

    def write_meeting_send(*args):
        writing.set()
        assert sending.wait(timeout=10), "the chunk was written before its poison was being sent"
        return write(*args)

    def send_meeting_write(poison, records, context=None):
        sending.set()
        assert writing.wait(timeout=10), "the poison was sent before the chunk was being written"
        return send(poison, records, context)

    processor.sink.write, processor.dead_letter.send = write_meeting_send, send_meeting_write
    result = processor.process(kinesis_event(payloads)["Records"])
    assert result.response == {"batchItemFailures": []} and result.summary["dead_lettered"] == 1
    assert len(queue_messages(dlq_url)) == 1 and stored_counts(database)[0] == 19


def test_poison_of_several_sqs_batches_arrives_once_each(database, dlq_url, queue_messages):
    """25 poison records: three SendMessageBatch calls, made in parallel for a standard queue."""
    payloads = [orjson.dumps(e) for e in clickstream_events(60)]
    for index in range(0, 50, 2):
        payloads[index] = b"[]"
    event = kinesis_event(payloads)
    result = make_processor(database, dlq_url).process(event["Records"])
    assert result.response == {"batchItemFailures": []} and result.summary["dead_lettered"] == 25
    sequences = sorted(orjson.loads(m["Body"])["sequenceNumber"] for m in queue_messages(dlq_url))
    assert sequences == sorted(event["Records"][i]["kinesis"]["sequenceNumber"] for i in range(0, 50, 2))
    assert stored_counts(database)[0] == 35


def test_fifo_dlq_deduplicates_poison_of_a_redelivered_chunk(database, aws, queue_messages):
    fifo_url = aws_clients.client("sqs").create_queue(
        QueueName=f"dlq-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    payloads = [orjson.dumps(e) for e in clickstream_events(10)]
    payloads[3] = payloads[6] = b"[]"
    event = kinesis_event(payloads)
    processor = make_processor(database, fifo_url)
    processor.process(event["Records"])
    processor.process(event["Records"])
    bodies = [orjson.loads(m["Body"]) for m in queue_messages(fifo_url)]
    assert sorted(b["sequenceNumber"] for b in bodies) == sorted(
        event["Records"][i]["kinesis"]["sequenceNumber"] for i in (3, 6))


def test_database_refusing_connections_after_the_attempts_returns_the_batch_and_recovery_reconnects(database, dlq_url, postgres_server):
    processor = make_processor(database, dlq_url)
    processor.process(clickstream_batch(5, seed=3)["Records"])
    event = clickstream_batch(50, seed=4)
    refuse_connections(postgres_server, database, True)
    try:
        result = processor.process(event["Records"], FakeContext())
    finally:
        refuse_connections(postgres_server, database, False)
    assert result.response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["kinesis"]["sequenceNumber"]}]}
    assert "OperationalError" in result.summary["error"]
    assert processor.process(event["Records"]).response == {"batchItemFailures": []}
    assert stored_counts(database)[0] == 55 and processor.sink.connects >= 2
