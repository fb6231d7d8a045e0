"""Kinesis event source mapping safety: one bad record must not block a shard for a week."""

from __future__ import annotations

from collections.abc import Iterator

from plan_check.findings import Context, Finding, Rule
from plan_check.plan_model import Plan, Resource

PAYLOAD_LIMIT = 6_291_456
DEFAULT_BATCH_SIZE = 100

BISECT = Rule(
    "kinesis-bisect",
    "A Kinesis mapping splits a failing batch to isolate the bad record",
    "set bisect_batch_on_function_error = true",
)
PARTIAL_BATCH = Rule(
    "kinesis-partial-batch",
    "A Kinesis mapping lets the function report which records failed",
    'set function_response_types = ["ReportBatchItemFailures"] and return batchItemFailures',
)
ON_FAILURE = Rule(
    "kinesis-on-failure",
    "A Kinesis mapping sends the metadata of batches it gives up on somewhere",
    "add destination_config { on_failure { destination_arn = <SQS queue, SNS topic or S3 bucket ARN> } }",
)
FINITE_RETRIES = Rule(
    "kinesis-finite-retries",
    "A Kinesis mapping gives up on a batch after finite retries or record age (AWS default: until expiry)",
    "set maximum_retry_attempts (0-10000) or maximum_record_age_in_seconds (60-604800)",
)
BATCH_PAYLOAD = Rule(
    "kinesis-batch-payload",
    "batch_size x expected record size fits Lambda's 6 MB invocation payload",
    "lower batch_size, or pass the real --record-size if records are smaller",
)
RULES = (BISECT, PARTIAL_BATCH, ON_FAILURE, FINITE_RETRIES, BATCH_PAYLOAD)


def kinesis_streams(plan: Plan, mapping: Resource) -> list[Resource]:
    return [r for r in plan.linked(mapping, "event_source_arn") if r.type == "aws_kinesis_stream"]


def is_kinesis_mapping(plan: Plan, mapping: Resource) -> bool:
    arn = mapping.value("event_source_arn")
    return (isinstance(arn, str) and ":kinesis:" in arn and ":stream/" in arn) or bool(kinesis_streams(plan, mapping))


def kinesis_mappings(plan: Plan) -> list[Resource]:
    return [m for m in plan.live("aws_lambda_event_source_mapping") if is_kinesis_mapping(plan, m)]


def function_of(plan: Plan, resource: Resource) -> tuple[set[str], set[str]]:
    """Names and addresses of the function a resource's function_name names (a mapping, an invoke
    config, a permission): by its known name or ARN, else by reference."""
    given = resource.value("function_name")
    if isinstance(given, str):
        parts = given.split(":")
        name = parts[6] if len(parts) >= 7 and parts[5] == "function" else given
        functions = [f for f in plan.live("aws_lambda_function") if f.value("function_name") == name]
        return {name}, {f.address for f in functions}
    functions = [f for f in plan.linked(resource, "function_name") if f.type == "aws_lambda_function"]
    return {n for f in functions if isinstance(n := f.value("function_name"), str)}, {f.address for f in functions}


def _finite(plan: Plan, mapping: Resource, attr: str) -> bool:
    """Finite when set to a known value other than -1, or configured to a value known only at apply."""
    if mapping.unknown(attr):
        return plan.configured(mapping, attr)
    value = mapping.value(attr)
    return isinstance(value, int) and value != -1


def check(ctx: Context) -> Iterator[Finding]:
    for m in kinesis_mappings(ctx.plan):
        if m.value("bisect_batch_on_function_error") is not True and not m.unknown("bisect_batch_on_function_error"):
            yield Finding(BISECT, m.address, "bisect_batch_on_function_error is not true: a bad record fails its whole batch")
        types = m.value("function_response_types") or []
        if "ReportBatchItemFailures" not in types and not m.unknown("function_response_types"):
            yield Finding(PARTIAL_BATCH, m.address, "no ReportBatchItemFailures: one failed record retries the whole batch")
        if not m.is_set("destination_config", 0, "on_failure", 0, "destination_arn"):
            yield Finding(ON_FAILURE, m.address, "no on-failure destination: dropped batches leave no trace")
        if not (_finite(ctx.plan, m, "maximum_retry_attempts") or _finite(ctx.plan, m, "maximum_record_age_in_seconds")):
            yield Finding(FINITE_RETRIES, m.address, "retries until the record expires: one bad record blocks its shard for the retention period")
        batch = m.value("batch_size") or DEFAULT_BATCH_SIZE
        if isinstance(batch, int) and batch * ctx.options.record_size > PAYLOAD_LIMIT:
            yield Finding(
                BATCH_PAYLOAD, m.address,
                f"batch_size {batch:,} x {ctx.options.record_size:,} B = {batch * ctx.options.record_size:,} B > {PAYLOAD_LIMIT:,} B",
            )
