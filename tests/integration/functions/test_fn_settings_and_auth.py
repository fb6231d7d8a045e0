"""The database authentication modes that call AWS (an IAM token, a Secrets Manager secret), on the emulator.

Configuration and the trust mode: tests/unit/functions/test_fn_settings.py."""

from __future__ import annotations

import uuid

from pipeline_common import aws_clients
from stream_processor.db_auth import connect_kwargs
from stream_processor.settings import load_settings

BASE = {"DLQ_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq", "DLQ_PAYLOAD_BUCKET": "archive",
        "DB_HOST": "proxy.example.internal", "DB_NAME": "clickstream", "DB_USER": "app", "AWS_REGION": "us-east-1"}


def test_iam_mode_signs_a_token_for_the_proxy_endpoint(aws):
    kwargs = connect_kwargs(load_settings(BASE))
    token = kwargs["password"]
    assert token.startswith("proxy.example.internal:5432/?Action=connect&DBUser=app")
    assert "X-Amz-Signature=" in token and kwargs["sslmode"] == "require"


def test_secret_mode_reads_username_and_password_from_secrets_manager(aws):
    secrets = aws_clients.client("secretsmanager")
    arn = secrets.create_secret(Name=f"db-{uuid.uuid4().hex[:8]}",
                                SecretString='{"username": "rotated_user", "password": "s3cret"}')["ARN"]
    kwargs = connect_kwargs(load_settings({**BASE, "DB_AUTH": "secret", "DB_SECRET_ARN": arn, "DB_USER": ""}))
    assert (kwargs["user"], kwargs["password"]) == ("rotated_user", "s3cret")
