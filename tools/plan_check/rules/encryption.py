"""Encryption at rest for the resources that hold pipeline data."""

from __future__ import annotations

from collections.abc import Iterator

from plan_check.findings import Context, Finding, Rule
from plan_check.plan_model import Plan, Resource

ENCRYPTION = Rule(
    "encryption-at-rest",
    "Streams, queues, topics, buckets and log groups are encrypted at rest",
    "enable server-side encryption with a KMS key (or SSE-SQS for queues)",
)
RULES = (ENCRYPTION,)
FIXES = {
    "aws_kinesis_stream": ('stream is not KMS-encrypted', 'set encryption_type = "KMS" and kms_key_id'),
    "aws_sqs_queue": ("queue has neither SSE-SQS nor a KMS key", "set sqs_managed_sse_enabled = true or kms_master_key_id"),
    "aws_sns_topic": ("topic has no kms_master_key_id", "set kms_master_key_id (a CMK, or alias/aws/sns)"),
    "aws_cloudwatch_log_group": ("log group has no kms_key_id", "set kms_key_id to a KMS key that allows logs.amazonaws.com"),
    "aws_s3_bucket": ("bucket has no server-side encryption configuration",
                      "add aws_s3_bucket_server_side_encryption_configuration for the bucket"),
}


def _set(plan: Plan, resource: Resource, attr: str) -> bool:
    return resource.is_set(attr) and (not resource.unknown(attr) or plan.configured(resource, attr))


def _bucket_encrypted(plan: Plan, bucket: Resource) -> bool:
    """The provider computes the legacy inline block, so only a known value or a separate resource counts."""
    if bucket.value("server_side_encryption_configuration", 0, "rule"):
        return True
    return any(
        bucket.address in {r.address for r in plan.linked(config, "bucket")}
        for config in plan.live("aws_s3_bucket_server_side_encryption_configuration")
    )


def _encrypted(plan: Plan, r: Resource) -> bool:
    if r.type == "aws_kinesis_stream":
        return bool(r.value("encryption_type") == "KMS")
    if r.type == "aws_sqs_queue":
        return r.value("sqs_managed_sse_enabled") is True or _set(plan, r, "kms_master_key_id")
    if r.type == "aws_sns_topic":
        return _set(plan, r, "kms_master_key_id")
    if r.type == "aws_cloudwatch_log_group":
        return _set(plan, r, "kms_key_id")
    return _bucket_encrypted(plan, r)


def check(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.plan.live(*FIXES):
        if not _encrypted(ctx.plan, resource):
            problem, fix = FIXES[resource.type]
            yield Finding(ENCRYPTION, resource.address, problem, fix)
