"""Lambda Destinations on a stream consumer: accepted by AWS, never used.

Destinations (aws_lambda_function_event_invoke_config) apply to asynchronous invocations only. A
Kinesis event source mapping invokes its function synchronously, so the destinations of a function
that only a mapping invokes never receive anything: its failed batches go to the mapping's own
on-failure destination, or nowhere. A function that an AWS service also invokes asynchronously
(a permission for SNS, S3, EventBridge, ...) is left alone: there its destinations do apply.
"""

from __future__ import annotations

from collections.abc import Iterator

from plan_check.findings import Context, Finding, Rule
from plan_check.plan_model import Plan, Resource
from plan_check.rules.kinesis_mapping import function_of, kinesis_mappings

STREAM_DESTINATIONS = Rule(
    "destinations-on-stream-consumer",
    "A function a Kinesis mapping invokes has no Lambda Destinations (they apply to asynchronous invocations only)",
    "remove the destination_config of the function's aws_lambda_function_event_invoke_config and give the mapping "
    "destination_config { on_failure { destination_arn = <SQS queue, SNS topic or S3 bucket> } } instead",
)
RULES = (STREAM_DESTINATIONS,)
DESTINATIONS = (("destination_config", 0, "on_success", 0, "destination"), ("destination_config", 0, "on_failure", 0, "destination"))
# Services that invoke Lambda asynchronously and need a resource-based permission to do so.
ASYNC_PRINCIPALS = frozenset({
    "sns.amazonaws.com", "s3.amazonaws.com", "events.amazonaws.com", "logs.amazonaws.com", "ses.amazonaws.com",
    "iot.amazonaws.com", "iotevents.amazonaws.com", "codecommit.amazonaws.com", "config.amazonaws.com",
    "cloudformation.amazonaws.com", "codepipeline.amazonaws.com",
})


def _invoked_asynchronously(plan: Plan, function: Resource) -> bool:
    """True when a planned permission lets an asynchronous AWS invoker (or one known only at apply) call it."""
    for permission in plan.live("aws_lambda_permission"):
        principal = permission.value("principal")
        if function.address in function_of(plan, permission)[1] and (
                permission.unknown("principal") or (isinstance(principal, str) and principal.lower() in ASYNC_PRINCIPALS)):
            return True
    return False


def check(ctx: Context) -> Iterator[Finding]:
    mapped: dict[str, str] = {}  # function address -> a Kinesis mapping that invokes it
    for mapping in kinesis_mappings(ctx.plan):
        for address in sorted(function_of(ctx.plan, mapping)[1]):
            mapped.setdefault(address, mapping.address)
    functions = {f.address: f for f in ctx.plan.live("aws_lambda_function")}
    for config in ctx.plan.live("aws_lambda_function_event_invoke_config"):
        if not any(config.is_set(*path) for path in DESTINATIONS):
            continue
        for address in sorted(function_of(ctx.plan, config)[1]):
            if address in mapped and not _invoked_asynchronously(ctx.plan, functions[address]):
                yield Finding(
                    STREAM_DESTINATIONS, config.address,
                    f"its destinations never apply: {address} is invoked by {mapped[address]}, a Kinesis mapping, "
                    "which invokes synchronously; failed batches go to the mapping's on-failure destination",
                )
