"""The root module's outputs (outputs.tf) that tools read: the `Deployment` the local stack runs and
the `Operated` pipeline the operator commands (`make status`, `make redrive`) watch.

The tools find what `terraform apply` created through these outputs only, never by scraping
function environments, so renaming an environment variable in main.tf cannot break them.
tests/unit/pipeline_contract fails when a name here is not an output of the root module.
The plan checker reads no outputs: it works on the plan and the manifest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipeline_contract.errors import OutputsError

STREAM_NAME = "stream_name"
DEAD_LETTER_QUEUE_URL = "dead_letter_queue_url"
ARCHIVE_BUCKET = "archive_bucket"
ARCHIVE_PREFIX = "archive_prefix"
DB_PROXY_ENDPOINT = "db_proxy_endpoint"
DB_NAME = "db_name"
DB_USERNAME = "db_username"
STREAM_PROCESSOR_FUNCTION_NAME = "stream_processor_function_name"
FAILURE_HANDLER_OUTCOME_QUEUE_URLS = "failure_handler_outcome_queue_urls"  # {"succeeded": url, "failed": url}
# Read when present: the monitoring module's alarm names by purpose (a root module without it has no alarms to list).
ALARM_NAMES = "alarm_names"


@dataclass(frozen=True)
class Deployment:
    """What an applied root module created, as far as the local stack needs to know."""

    stream_name: str  # the stream producers write to
    dlq_url: str  # the dead-letter queue of poison records
    archive_bucket: str  # batches the mapping gave up on, and dead-letter messages too large for SQS
    archive_prefix: str  # where in archive_bucket the failed-batch archives are
    db_host: str  # the RDS Proxy endpoint the functions connect to
    db_name: str
    db_user: str


# Deployment field -> the output that holds it (a unit test keeps both in step).
OUTPUT_OF = {
    "stream_name": STREAM_NAME,
    "dlq_url": DEAD_LETTER_QUEUE_URL,
    "archive_bucket": ARCHIVE_BUCKET,
    "archive_prefix": ARCHIVE_PREFIX,
    "db_host": DB_PROXY_ENDPOINT,
    "db_name": DB_NAME,
    "db_user": DB_USERNAME,
}


def _text(outputs: Mapping[str, object], output: str) -> str:
    value = outputs.get(output)
    if not isinstance(value, str) or not value:
        problem = "has no output" if output not in outputs else f"has {value!r}, not a non-empty string, for"
        raise OutputsError(f"terraform output {problem} {output!r}: apply this checkout's root module (outputs.tf) again")
    return value


def read_deployment(outputs: Mapping[str, object]) -> Deployment:
    """The deployment from the root module's output values (`terraform output -json`, name -> value).

    OutputsError (one line) when an output is missing or empty: the state is from another checkout.
    """
    return Deployment(**{attribute: _text(outputs, output) for attribute, output in OUTPUT_OF.items()})


# What the operator commands need; ALARM_NAMES is optional (see above).
OPERATED_OUTPUTS = (STREAM_NAME, STREAM_PROCESSOR_FUNCTION_NAME, DEAD_LETTER_QUEUE_URL, FAILURE_HANDLER_OUTCOME_QUEUE_URLS)


@dataclass(frozen=True)
class Operated:
    """The parts of an applied root module an operator watches (`make status`) and acts on (`make redrive`)."""

    stream_name: str
    processor_function: str  # consumes the stream; its MAX_EVENT_BYTES is part of the validation rules
    dlq_url: str  # poison records
    failure_queue_url: str  # the failure handler's failed asynchronous invocations
    alarm_names: tuple[str, ...]  # empty when the root module has no `alarm_names` output


def read_operated(outputs: Mapping[str, object]) -> Operated:
    """The operated pipeline from the root module's output values; OutputsError (one line) when one is missing."""
    queues = outputs.get(FAILURE_HANDLER_OUTCOME_QUEUE_URLS)
    failed = queues.get("failed") if isinstance(queues, dict) else None
    if not isinstance(failed, str) or not failed:
        raise OutputsError(f"terraform output {FAILURE_HANDLER_OUTCOME_QUEUE_URLS!r} has no 'failed' queue URL "
                           f"({queues!r}): apply this checkout's root module (outputs.tf) again")
    alarms = outputs.get(ALARM_NAMES) or {}
    names = list(alarms.values()) if isinstance(alarms, dict) else alarms
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise OutputsError(f"terraform output {ALARM_NAMES!r} is {alarms!r}, not alarm names by purpose: "
                           "apply this checkout's root module (outputs.tf) again")
    return Operated(stream_name=_text(outputs, STREAM_NAME), processor_function=_text(outputs, STREAM_PROCESSOR_FUNCTION_NAME),
                    dlq_url=_text(outputs, DEAD_LETTER_QUEUE_URL), failure_queue_url=failed,
                    alarm_names=tuple(sorted(names)))
