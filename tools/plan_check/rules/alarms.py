"""Pipeline alarms: lag, dropped records and dead letters must page someone.

A Kinesis mapping that falls behind, drops records or fills a dead-letter queue changes nothing
anyone sees unless a CloudWatch alarm watches it and has an action. An alarm counts for a resource
when its metric's dimension names it: by the planned value, or, while that value is known only
after apply, by the configuration reference behind the dimensions (through module inputs and
for_each). Alarms on metric math (`metric_query`) count through each of their metrics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from plan_check.findings import Context, Finding, Rule
from plan_check.plan_model import Plan, Resource
from plan_check.rules.kinesis_mapping import function_of, kinesis_mappings

ITERATOR_AGE = Rule(
    "alarm-iterator-age",
    "Every Kinesis mapping's function has an IteratorAge alarm with an alarm action",
    "add an aws_cloudwatch_metric_alarm on AWS/Lambda IteratorAge (Maximum), dimensions { FunctionName = <the function> }, "
    "with alarm_actions (modules/pipeline-monitoring has one)",
)
DROPPED_EVENTS = Rule(
    "alarm-dropped-events",
    "Every Kinesis mapping publishes its event counts (metrics_config EventCount) and has a DroppedEventCount alarm with an alarm action",
    'set metrics_config { metrics = ["EventCount"] } and alarm on AWS/Lambda DroppedEventCount > 0, dimensions '
    "{ EventSourceMappingUUID = <the mapping's uuid> }, with alarm_actions (modules/pipeline-monitoring has one)",
)
QUEUE_DEPTH = Rule(
    "alarm-dead-letter-depth",
    "Every SQS queue that receives dead letters or failed batches has an ApproximateNumberOfMessagesVisible alarm with an alarm action",
    "alarm on AWS/SQS ApproximateNumberOfMessagesVisible > 0, dimensions { QueueName = <the queue's name> }, "
    "with alarm_actions (modules/pipeline-monitoring has one)",
)
RULES = (ITERATOR_AGE, DROPPED_EVENTS, QUEUE_DEPTH)

ALARM = "aws_cloudwatch_metric_alarm"
# A function environment variable with one of these words names the function's dead-letter queue.
DEAD_LETTER_VARIABLE = re.compile(r"(^|_)(DLQ|DEAD_?LETTER)(_|$)", re.IGNORECASE)


@dataclass(frozen=True)
class Watch:
    """One metric an alarm evaluates, as far as the plan tells it."""

    alarm: Resource
    namespace: Any
    metric: Any
    dimensions: Any
    path: tuple[str | int, ...]

    @property
    def acts(self) -> bool:
        return self.alarm.value("actions_enabled") is not False and self.alarm.is_set("alarm_actions")


def _watches(alarm: Resource) -> Iterator[Watch]:
    if alarm.value("metric_name") or alarm.unknown("metric_name"):
        yield Watch(alarm, alarm.value("namespace"), alarm.value("metric_name"), alarm.value("dimensions"), ("dimensions",))
    for i, query in enumerate(alarm.value("metric_query") or []):
        for j, metric in enumerate(query.get("metric") or [] if isinstance(query, dict) else []):
            if isinstance(metric, dict):
                yield Watch(alarm, metric.get("namespace"), metric.get("metric_name"), metric.get("dimensions"),
                            ("metric_query", i, "metric", j, "dimensions"))


def _watching(plan: Plan, namespace: str, metric: str) -> list[Watch]:
    return [w for a in plan.live(ALARM) for w in _watches(a) if (w.namespace, w.metric) == (namespace, metric)]


def _names(plan: Plan, watch: Watch, dimension: str, known: set[str], addresses: set[str]) -> bool | None:
    """Whether the watch's `dimension` names one of the targets (their known values, their addresses).

    None when its value is known only after apply and its configuration cannot be followed.
    """
    value = watch.dimensions.get(dimension) if isinstance(watch.dimensions, dict) else None
    if isinstance(value, str):
        return value in known
    if not (watch.alarm.unknown(*watch.path) or watch.alarm.unknown(*watch.path, dimension)):
        return False
    linked = {r.address for r in plan.linked(watch.alarm, *watch.path)}
    return bool(linked & addresses) if linked else None


def _covered(ctx: Context, rule: Rule, address: str, watches: list[Watch], dimension: str,
             known: set[str], addresses: set[str]) -> tuple[bool, list[Watch]]:
    """(some acting alarm names the target, the alarms that name it); an undecidable one is reported."""
    naming, undecided = [], []
    for watch in watches:
        names = _names(ctx.plan, watch, dimension, known, addresses)
        if names:
            naming.append(watch)
        elif names is None:
            undecided.append(watch)
    if any(w.acts for w in naming):
        return True, naming
    if any(w.acts for w in undecided):
        ctx.cannot_verify(rule, address, f"{undecided[0].alarm.address} may watch it, but its {dimension} is known only after apply")
        return True, naming
    return False, naming


def _no_action(watches: list[Watch]) -> str:
    return f" ({', '.join(sorted({w.alarm.address for w in watches}))} has no alarm_actions)" if watches else ""


def _check_mapping(ctx: Context, mapping: Resource) -> Iterator[Finding]:
    names, addresses = function_of(ctx.plan, mapping)
    label = ", ".join(sorted(names)) or "its function"
    covered, naming = _covered(ctx, ITERATOR_AGE, mapping.address, _watching(ctx.plan, "AWS/Lambda", "IteratorAge"),
                               "FunctionName", names, addresses)
    if not covered:
        yield Finding(ITERATOR_AGE, mapping.address,
                      f"no IteratorAge alarm with an action on {label}{_no_action(naming)}: lag, and records expiring unread, go unnoticed")
    metrics = mapping.value("metrics_config", 0, "metrics") or []
    if "EventCount" not in metrics and not mapping.unknown("metrics_config"):
        yield Finding(DROPPED_EVENTS, mapping.address,
                      "metrics_config lacks EventCount: the mapping publishes no DroppedEventCount, so dropped records stay invisible",
                      'set metrics_config { metrics = ["EventCount"] } (kinesis-event-source does by default)')
        return
    uuid = mapping.value("uuid")
    covered, naming = _covered(ctx, DROPPED_EVENTS, mapping.address, _watching(ctx.plan, "AWS/Lambda", "DroppedEventCount"),
                               "EventSourceMappingUUID", {uuid} if isinstance(uuid, str) else set(), {mapping.address})
    if not covered:
        yield Finding(DROPPED_EVENTS, mapping.address,
                      f"no DroppedEventCount alarm with an action on this mapping{_no_action(naming)}: records it drops are lost silently")


def _environment_dead_letters(plan: Plan, function: Resource) -> tuple[list[Resource], list[Resource]]:
    """Queues the function's environment names as its dead-letter queue (DLQ_URL, DEAD_LETTER_QUEUE_ARN, ...).

    (certain, possible): while any variable is known only after apply, the plan holds no variable
    names at all, so every queue the environment references is possibly one.
    """
    variables = function.value("environment", 0, "variables")
    if function.unknown("environment", 0, "variables"):
        return [], plan.linked(function, "environment", 0, "variables")
    names = [k for k in variables if DEAD_LETTER_VARIABLE.search(k)] if isinstance(variables, dict) else []
    return [q for k in names if isinstance(v := variables[k], str) for q in plan.identified_by(v)], []


def _redrive_targets(plan: Plan, resource: Resource) -> list[Resource]:
    """The dead-letter queue of a redrive policy: by the ARN in its JSON, else by reference."""
    try:
        target = json.loads(resource.value("redrive_policy") or "{}").get("deadLetterTargetArn")
    except (TypeError, ValueError, AttributeError):
        target = None
    return (plan.identified_by(target) if isinstance(target, str) else []) + plan.linked(resource, "redrive_policy")


@dataclass(frozen=True)
class DeadLetterQueue:
    queue: Resource
    why: str
    certain: bool = True


def dead_letter_queues(plan: Plan) -> dict[str, DeadLetterQueue]:
    """SQS queues that receive what a pipeline could not process, by address, with what sends them there."""
    found: dict[str, DeadLetterQueue] = {}

    def add(queues: list[Resource], why: str, certain: bool = True) -> None:
        for queue in queues:
            if queue.type == "aws_sqs_queue" and not queue.deleted:
                known = found.get(queue.address)
                if known is None or (certain and not known.certain):
                    found[queue.address] = DeadLetterQueue(queue, why, certain)

    for m in plan.live("aws_lambda_event_source_mapping"):
        add(plan.linked(m, "destination_config", 0, "on_failure", 0, "destination_arn"), f"the on-failure batches of {m.address}")
    for c in plan.live("aws_lambda_function_event_invoke_config"):
        add(plan.linked(c, "destination_config", 0, "on_failure", 0, "destination"), f"the failed invocations of {c.address}")
    for f in plan.live("aws_lambda_function"):
        add(plan.linked(f, "dead_letter_config", 0, "target_arn"), f"the dead letters of {f.address}")
        named, possibly = _environment_dead_letters(plan, f)
        add(named, f"the dead letters of {f.address} (a DLQ variable of its environment)")
        add(possibly, f"the dead letters of {f.address} if a DLQ variable of its environment names it", certain=False)
    for q in plan.live("aws_sqs_queue", "aws_sqs_queue_redrive_policy"):
        add(_redrive_targets(plan, q), f"the messages {q.address} gives up on")
    return found


def check(ctx: Context) -> Iterator[Finding]:
    for mapping in kinesis_mappings(ctx.plan):
        yield from _check_mapping(ctx, mapping)
    depth = _watching(ctx.plan, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    for address, dead_letters in sorted(dead_letter_queues(ctx.plan).items()):
        name = dead_letters.queue.value("name")
        covered, naming = _covered(ctx, QUEUE_DEPTH, address, depth, "QueueName",
                                   {name} if isinstance(name, str) else set(), {address})
        problem = (f"receives {dead_letters.why} but has no ApproximateNumberOfMessagesVisible alarm with an action"
                   f"{_no_action(naming)}: failures pile up unseen")
        if covered:
            continue
        if dead_letters.certain:
            yield Finding(QUEUE_DEPTH, address, problem)
        else:
            ctx.cannot_verify(QUEUE_DEPTH, address, f"{problem} (its environment is known only after apply)")
