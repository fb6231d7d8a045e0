"""The common layer's client factory: one client per service, reused, aimed at the configured endpoint."""

from __future__ import annotations

from pipeline_common import aws_clients


def test_clients_are_reused_and_honour_the_endpoint(aws, monkeypatch):
    sqs = aws_clients.client("sqs")
    assert aws_clients.client("sqs") is sqs
    assert sqs.meta.endpoint_url == aws.endpoint_url
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    assert aws_clients.client("s3").meta.endpoint_url == "http://127.0.0.1:9"
    aws_clients.forget("sqs")
    assert aws_clients.client("sqs") is not sqs
