"""pipeline_contract.outputs: the outputs the local stack reads exist in outputs.tf, and are read strictly."""

from __future__ import annotations

from dataclasses import fields

import hcl2
import pytest
from hcl2 import SerializationOptions
from pipeline_contract.errors import OutputsError
from pipeline_contract.outputs import OPERATED_OUTPUTS, OUTPUT_OF, Deployment, Operated, read_deployment, read_operated
from repo_paths import REPO_ROOT

VALUES = {
    "stream_name": "clickstream", "dead_letter_queue_url": "http://localhost/000000000000/poison",
    "archive_bucket": "clickstream-archive", "archive_prefix": "failed-batches/", "db_proxy_endpoint": "clickstream.proxy.example", "db_name": "clicks",
    "db_username": "clicks_app", "kms_key_arn": "arn:aws:kms:us-east-1:000000000000:key/k",
}


def root_outputs() -> dict[str, dict]:
    with open(REPO_ROOT / "outputs.tf") as handle:
        parsed = hcl2.load(handle, serialization_options=SerializationOptions(strip_string_quotes=True))
    return {name: body for block in parsed["output"] for name, body in block.items()}


def test_every_output_the_tools_read_is_a_described_root_output() -> None:
    declared = root_outputs()
    read = {*OUTPUT_OF.values(), *OPERATED_OUTPUTS}
    missing = sorted(read - set(declared))
    assert not missing, f"outputs.tf lacks {missing}, which pipeline_contract.outputs reads"
    assert all(declared[name].get("description") for name in read)


def test_every_deployment_field_has_its_output() -> None:
    assert list(OUTPUT_OF) == [f.name for f in fields(Deployment)]


def test_read_deployment_takes_each_field_from_its_output() -> None:
    assert read_deployment(VALUES) == Deployment(
        stream_name="clickstream", dlq_url="http://localhost/000000000000/poison", archive_bucket="clickstream-archive",
        archive_prefix="failed-batches/", db_host="clickstream.proxy.example", db_name="clicks", db_user="clicks_app")


@pytest.mark.parametrize(("outputs", "problem"), [
    ({k: v for k, v in VALUES.items() if k != "db_name"}, "terraform output has no output 'db_name'"),
    ({**VALUES, "archive_bucket": ""}, "terraform output has '', not a non-empty string, for 'archive_bucket'"),
    ({**VALUES, "stream_name": ["a"]}, "terraform output has ['a'], not a non-empty string, for 'stream_name'"),
])
def test_a_missing_or_empty_output_is_one_line_with_the_fix(outputs: dict[str, object], problem: str) -> None:
    with pytest.raises(OutputsError) as raised:
        read_deployment(outputs)
    message = str(raised.value)
    assert message.startswith(problem) and message.endswith("apply this checkout's root module (outputs.tf) again")
    assert len(message.splitlines()) == 1


OPERATED = {"stream_name": "clickstream", "stream_processor_function_name": "clickstream-processor",
            "dead_letter_queue_url": "http://localhost/000000000000/poison",
            "failure_handler_outcome_queue_urls": {"succeeded": "http://localhost/0/ok", "failed": "http://localhost/0/failed"}}


@pytest.mark.parametrize(("alarms", "names"), [
    ({}, ()), ({"alarm_names": None}, ()),
    ({"alarm_names": {"lagging": "clickstream-lag", "dead_letter_depth": "clickstream-dlq"}}, ("clickstream-dlq", "clickstream-lag")),
])
def test_read_operated_takes_the_parts_and_the_alarm_names_when_present(alarms: dict[str, object], names: tuple[str, ...]) -> None:
    assert read_operated({**OPERATED, **alarms}) == Operated(
        stream_name="clickstream", processor_function="clickstream-processor", dlq_url="http://localhost/000000000000/poison",
        failure_queue_url="http://localhost/0/failed", alarm_names=names)


@pytest.mark.parametrize(("outputs", "problem"), [
    ({k: v for k, v in OPERATED.items() if k != "stream_processor_function_name"}, "terraform output has no output 'stream_processor_function_name'"),
    ({**OPERATED, "failure_handler_outcome_queue_urls": {"succeeded": "u"}}, "terraform output 'failure_handler_outcome_queue_urls' has no 'failed'"),
    ({**OPERATED, "alarm_names": "clickstream-lag"}, "terraform output 'alarm_names' is 'clickstream-lag', not alarm names by purpose"),
])
def test_read_operated_refuses_in_one_line_with_the_fix(outputs: dict[str, object], problem: str) -> None:
    with pytest.raises(OutputsError) as raised:
        read_operated(outputs)
    message = str(raised.value)
    assert message.startswith(problem) and message.endswith("apply this checkout's root module (outputs.tf) again")
    assert len(message.splitlines()) == 1
