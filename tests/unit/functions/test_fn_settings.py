"""Stream processor configuration, and the database authentication mode that needs no AWS call.

The IAM and Secrets Manager modes call AWS: tests/integration/functions/test_fn_settings_and_auth.py."""

from __future__ import annotations

import pytest
from pipeline_common.config import ConfigError
from stream_processor.db_auth import connect_kwargs
from stream_processor.settings import load_settings

BASE = {"DLQ_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq", "DLQ_PAYLOAD_BUCKET": "archive",
        "DB_HOST": "proxy.example.internal", "DB_NAME": "clickstream", "DB_USER": "app", "AWS_REGION": "us-east-1"}


def test_defaults_are_safe_for_aws():
    settings = load_settings(BASE)
    assert (settings.db_auth, settings.db_sslmode, settings.db_port, settings.chunk_size) == ("iam", "require", 5432, 1000)
    assert (settings.dlq_payload_bucket, settings.dlq_payload_prefix) == ("archive", "dead-letter/")


@pytest.mark.parametrize("change, message", [
    ({"DLQ_URL": ""}, "environment variable DLQ_URL is required"),
    ({"DLQ_PAYLOAD_BUCKET": " "}, "environment variable DLQ_PAYLOAD_BUCKET is required"),
    ({"DB_AUTH": "password"}, "DB_AUTH must be one of iam, secret, trust, got 'password'"),
    ({"DB_AUTH": "secret"}, "DB_AUTH=secret needs DB_SECRET_ARN"),
    ({"DB_USER": ""}, "DB_AUTH=iam needs DB_USER"),
    ({"DB_PORT": "54x"}, "DB_PORT must be an integer, got '54x'"),
    ({"SINK_CHUNK_SIZE": "0"}, "SINK_CHUNK_SIZE must be >= 1, got 0"),
    ({"DB_ENSURE_SCHEMA": "maybe"}, "DB_ENSURE_SCHEMA must be true or false"),
])
def test_bad_configuration_is_one_line_naming_the_variable(change, message):
    with pytest.raises(ConfigError) as error:
        load_settings({**BASE, **change})
    assert message in str(error.value) and "\n" not in str(error.value)


def test_trust_mode_has_no_password():
    kwargs = connect_kwargs(load_settings({**BASE, "DB_AUTH": "trust"}))
    assert "password" not in kwargs and kwargs["sslmode"] == "prefer" and kwargs["user"] == "app"
