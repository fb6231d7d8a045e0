"""Encryption at rest for the resources that hold pipeline data."""

from __future__ import annotations

from collections.abc import Iterator

from plan_check.findings import Context, Finding, Rule
from plan_check.plan_model import Plan, Resource

ENCRYPTION = Rule(
    "encryption-at-rest",
    "Streams, queues, topics, buckets and log groups are encrypted at rest",
    "kinesis: encryption_type=KMS; sqs: sqs_managed_sse_enabled or kms_master_key_id; sns/logs: kms key; "
    "s3: aws_s3_bucket_server_side_encryption_configuration",
)
RULES = (ENCRYPTION,)


def _set(plan: Plan, resource: Resource, attr: str) -> bool:
    return resource.is_set(attr) and (not resource.unknown(attr) or plan.configured(resource, attr))


def _bucket_encrypted(plan: Plan, bucket: Resource) -> bool:
    if bucket.is_set("server_side_encryption_configuration", 0, "rule"):
        return True
    return any(
        bucket.address in {r.address for r in plan.linked(config, "bucket")}
        for config in plan.live("aws_s3_bucket_server_side_encryption_configuration")
    )


def _problem(plan: Plan, r: Resource) -> str | None:
    if r.type == "aws_kinesis_stream" and r.value("encryption_type") != "KMS":
        return "stream is not KMS-encrypted"
    if r.type == "aws_sqs_queue" and not (r.value("sqs_managed_sse_enabled") is True or _set(plan, r, "kms_master_key_id")):
        return "queue has neither SSE-SQS nor a KMS key"
    if r.type == "aws_sns_topic" and not _set(plan, r, "kms_master_key_id"):
        return "topic has no kms_master_key_id"
    if r.type == "aws_cloudwatch_log_group" and not _set(plan, r, "kms_key_id"):
        return "log group has no kms_key_id"
    if r.type == "aws_s3_bucket" and not _bucket_encrypted(plan, r):
        return "bucket has no server-side encryption configuration"
    return None


def check(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.plan.live("aws_kinesis_stream", "aws_sqs_queue", "aws_sns_topic", "aws_cloudwatch_log_group", "aws_s3_bucket"):
        if problem := _problem(ctx.plan, resource):
            yield Finding(ENCRYPTION, resource.address, problem)
