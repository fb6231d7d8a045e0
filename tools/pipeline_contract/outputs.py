"""The root module's outputs (outputs.tf) that tools read, and the `Deployment` they describe.

The local stack finds what `terraform apply` created through these outputs only, never by
scraping function environments, so renaming an environment variable in main.tf cannot break it.
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


def read_deployment(outputs: Mapping[str, object]) -> Deployment:
    """The deployment from the root module's output values (`terraform output -json`, name -> value).

    OutputsError (one line) when an output is missing or empty: the state is from another checkout.
    """
    values: dict[str, str] = {}
    for attribute, output in OUTPUT_OF.items():
        value = outputs.get(output)
        if not isinstance(value, str) or not value:
            problem = "has no output" if output not in outputs else f"has {value!r}, not a non-empty string, for"
            raise OutputsError(f"terraform output {problem} {output!r}: apply this checkout's root module (outputs.tf) again")
        values[attribute] = value
    return Deployment(**values)
