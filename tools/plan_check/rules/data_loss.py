"""Data-loss guard: replacing or deleting a stateful resource drops what it holds."""

from __future__ import annotations

from collections.abc import Iterator

from plan_check.findings import Context, Finding, Rule

DATA_LOSS = Rule(
    "data-loss",
    "No delete or replace (incl. create-before-destroy) of streams, queues, topics, buckets, tables, databases, proxies",
    "change the attribute in place or migrate the data first; if reviewed, pass --allow data-loss:ADDRESS",
)
RULES = (DATA_LOSS,)
STATEFUL = (
    "aws_kinesis_stream", "aws_sqs_queue", "aws_sns_topic", "aws_s3_bucket", "aws_dynamodb_table",
    "aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_db_proxy",
)
WHAT = {
    ("delete",): "is deleted",
    ("delete", "create"): "is replaced (destroyed, then re-created empty)",
    ("create", "delete"): "is replaced create-before-destroy (new empty resource, old one destroyed)",
}


def _because(paths: tuple[object, ...]) -> str:
    names = sorted({".".join(str(step) for step in path) if isinstance(path, list) else str(path) for path in paths})
    return f" because {', '.join(names)} changed" if names else ""


def check(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.plan.resources:
        what = WHAT.get(resource.actions)
        if resource.mode == "managed" and resource.type in STATEFUL and what:
            yield Finding(DATA_LOSS, resource.address, f"{resource.type} {what}{_because(resource.replace_paths)}")
