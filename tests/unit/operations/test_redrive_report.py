"""`make redrive`'s report (what went back, what stays and why, by reason) and its refusals (no emulator needed).
The redrive itself on real SQS, S3, Kinesis and PostgreSQL: tests/integration/functions/test_redrive.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from operations import redrive
from operations.processor_rules import Rules, other_code
from operations.redrive import Left, RedriveReport
from pipeline_contract.manifest import Artifact, Manifest, write


def test_what_went_back_and_what_stays_by_reason() -> None:
    report = RedriveReport("https://sqs/1/poison", "MAX_EVENT_BYTES=65536 (--max-event-bytes)", messages=9, records=8, valid=5,
                           put={"arn:aws:kinesis:eu-west-1:1:stream/clicks": 4}, deleted=5,
                           invalid=[Left("shardId-000000000000:7", "malformed_json", "unexpected character: line 1 column 2", "malformed_json"),
                                    Left("shardId-000000000001:9", "invalid_event", "event_id: expected a UUID string", "sink_rejected"),
                                    Left("shardId-000000000001:3", "malformed_json", "unexpected end of data", "malformed_json")],
                           not_put=[Left("shardId-000000000000:4", "not_put", "rejected 8 times (ProvisionedThroughputExceededException)",
                                         "oversize")])
    lines = report.render().splitlines()
    assert lines[:4] == ["dead-letter queue https://sqs/1/poison: 9 message(s), 8 record(s)",
                         "rules: the stream processor's validator of this checkout, MAX_EVENT_BYTES=65536 (--max-event-bytes)",
                         "put back 4 record(s) into arn:aws:kinesis:eu-west-1:1:stream/clicks",
                         "deleted 5 message(s) of records put back"]
    still = lines[lines.index("still poison, left in the queue:") + 3:][:2]
    assert [row.split()[:4] for row in still] == [["invalid_event", "1", "sink_rejected", "shardId-000000000001:9"],
                                                  ["malformed_json", "2", "malformed_json", "shardId-000000000000:7"]]
    assert "unexpected character: line 1 column 2" in still[1]
    assert lines[lines.index("not put back, left in the queue (run again):") + 3].split()[:2] == ["not_put", "1"]
    assert not report.complete


def test_a_dry_run_says_what_would_happen() -> None:
    report = RedriveReport("q", "r", dry_run=True, messages=3, records=3, valid=2,
                           invalid=[Left("s:1", "malformed_json", "bad", "malformed_json")])
    assert "dry run: 2 record(s) would be put back, 1 stay; all messages visible again" in report.render()
    assert "deleted" not in report.render() and report.complete


def test_the_rules_accept_what_the_processor_accepts() -> None:
    valid = "eyJldmVudF9pZCI6ICJ4In0="  # {"event_id": "x"}: JSON, not an event
    verdicts = Rules(64, "test").judge(["not base64!", valid])
    assert [v.reason if v else None for v in verdicts] == ["malformed_base64", "invalid_event"]


@pytest.mark.parametrize(("argv", "problem"), [
    (["--max-event-bytes", "0"], "argument --max-event-bytes: must be 1..1,048,576, got 0"),
    (["--visibility-timeout", "50000"], "argument --visibility-timeout: must be 1..43,200, got 50000"),
    (["--function", "f", "--max-event-bytes", "100"], "argument --max-event-bytes: not allowed with argument --function"),
])
def test_bad_options_are_refused_by_name(argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        redrive.main(argv)
    assert exited.value.code == 2 and problem in capsys.readouterr().err


def test_the_deployed_code_is_compared_with_this_checkouts_build(tmp_path: Path) -> None:
    manifest = tmp_path / "dist" / "manifest.json"
    assert other_code("clicks-processor", "abc=", manifest) == (
        "cannot tell whether clicks-processor runs this checkout's code: no stream_processor in dist/manifest.json (`make build`)")
    manifest.parent.mkdir()
    write(manifest, Manifest.of([Artifact("stream_processor", "function", "dist/stream_processor.zip", "abc=", 1, 2, "python3.12",
                                          "x86_64", "stream_processor.lambda_handler.handler", ("common",), ("sqs",), False)]))
    assert other_code("clicks-processor", "abc=", manifest) is None
    assert other_code("clicks-processor", "xyz=", manifest) == (
        "clicks-processor runs other code than this checkout's build (CodeSha256 xyz=, dist/ has abc=): "
        "its rules may differ; redrive from the checkout that is deployed")
