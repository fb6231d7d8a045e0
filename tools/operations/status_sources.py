"""Read the status of one pipeline through the AWS APIs (AWS or the local emulator alike), plus the local
runner's own numbers when the target is the local stack.

Each part is read on its own: a part that fails (a missing permission, a deleted queue) becomes one
line of `problems` and the rest is still shown. Missing credentials or an unreachable endpoint fail
the whole command instead: nothing could be read. All metrics come from one GetMetricData pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from operations.metrics import Datapoint, MetricQuery, latest
from operations.status_report import (
    AlarmRow,
    FunctionRow,
    MappingRow,
    Measure,
    QueueRow,
    RunnerShard,
    RunnerState,
    ShardRow,
    StatusReport,
    StreamRow,
)
from operations.target import Target

FATAL = (NoCredentialsError, EndpointConnectionError)  # nothing at all can be read: the command fails
NAMES_PER_DESCRIBE = 100  # DescribeAlarms takes at most 100 AlarmNames
SHARD_AGE_METRICS = {"IteratorAgeMilliseconds", "ALL"}
NO_CHECKPOINT = "n/a on AWS: Lambda keeps a mapping's checkpoint to itself"


@dataclass(frozen=True)
class Queue:
    label: str  # what the queue is for, e.g. "dead-letter queue"
    url: str

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Watched:
    """What `make status` looks at: from the root module's outputs or from the command line."""

    streams: tuple[str, ...]
    functions: tuple[str, ...]
    queues: tuple[Queue, ...]
    alarm_names: tuple[str, ...] = ()
    alarm_prefix: str | None = None
    alarm_tag: tuple[str, str] | None = None
    named_by: str = "the command line"

    def alarm_selection(self) -> str:
        parts = ([f"{len(self.alarm_names)} name(s) from the outputs' alarm_names"] if self.alarm_names else []) + \
                ([f"names starting with {self.alarm_prefix!r}"] if self.alarm_prefix else []) + \
                ([f"tag {self.alarm_tag[0]}={self.alarm_tag[1]}"] if self.alarm_tag else [])
        return " or ".join(parts) or "no alarm_names output, --alarm-prefix or --alarm-tag"


def _read(report: StatusReport, what: str, read: Callable[..., object], *args: Any) -> None:
    """Run one part; its AWS error becomes one line of the report instead of ending the command."""
    try:
        read(*args)
    except FATAL:
        raise
    except (ClientError, BotoCoreError) as error:
        report.problems.append(f"{what}: {str(error).splitlines()[0]}")


def _pages(call: Callable[..., Any], key: str, token: str = "NextToken", next_arg: str | None = None, **kwargs: Any) -> list[Any]:
    """Every item under `key` of a paginated List*/Describe* call."""
    items: list[Any] = []
    while True:
        response = call(**kwargs)
        items += response.get(key, [])
        if not response.get(token):
            return items
        kwargs[next_arg or token] = response[token]


def _runner_readers(runner_status: dict[str, Any]) -> dict[tuple[str, str], list[tuple[str | None, dict[str, Any]]]]:
    """The runner's readers per (stream, shardId): (None, status) for a mapping on the stream, (consumer name, status)
    for each mapping through an enhanced fan-out consumer."""
    from local_stack.esm.stream_source import parse_shard_label

    readers: dict[tuple[str, str], list[tuple[str | None, dict[str, Any]]]] = {}
    for seen in runner_status["shards"]:
        stream, consumer, shard_id = parse_shard_label(seen["shard"])
        readers.setdefault((stream, shard_id), []).append((consumer, seen))
    return readers


def _shards(kinesis: Any, stream: str) -> list[dict[str, Any]]:
    """Every shard; ListShards refuses StreamName beside a NextToken, hence not _pages."""
    response = kinesis.list_shards(StreamName=stream)
    shards: list[dict[str, Any]] = response["Shards"]
    while response.get("NextToken"):
        response = kinesis.list_shards(NextToken=response["NextToken"])
        shards += response["Shards"]
    return shards


def _measure(point: Datapoint | None, query: MetricQuery) -> Measure:
    if point is None:
        return Measure(None, f"no {query.namespace} {query.name} datapoint in 15 min")
    return Measure(point.value, f"CloudWatch {query.describe()}", point.at)


class _Collector:
    def __init__(self, target: Target, watched: Watched, now: datetime) -> None:
        self.target, self.watched, self.now = target, watched, now
        self.report = StatusReport(target.description, watched.named_by, now, alarm_selection=watched.alarm_selection())
        self.queries: list[MetricQuery] = []
        self.fill: list[Callable[[Measure], None]] = []  # one per query: puts its measure in place

    def metric(self, query: MetricQuery, fill: Callable[[Measure], None]) -> None:
        self.queries.append(query)
        self.fill.append(fill)

    def run(self, runner_status: dict[str, Any] | None) -> StatusReport:
        report = self.report
        stream_arns: list[str] = []
        for name in self.watched.streams:
            _read(report, f"stream {name}", self.stream, name, runner_status, stream_arns)
        functions = list(self.watched.functions)
        _read(report, "event source mappings", self.mappings, stream_arns, functions)
        for function in functions:
            self.function(function)
        for queue in self.watched.queues:
            _read(report, f"queue {queue.url}", self.queue, queue)
        _read(report, "alarms", self.alarms)
        _read(report, "CloudWatch metrics", self.metrics)
        if runner_status is not None:
            from local_stack.stack_state import recently_drained

            why_not = recently_drained(runner_status, self.now.timestamp())
            report.runner = RunnerState(why_not is None, why_not, bool(runner_status["async_in_flight"]), list(runner_status["errors"]),
                                        runner_status.get("compute"))
        return report

    def stream(self, name: str, runner_status: dict[str, Any] | None, arns: list[str]) -> None:
        kinesis = self.target.client("kinesis")
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        shards = _shards(kinesis, name)
        enhanced = {m for group in summary.get("EnhancedMonitoring", []) for m in group.get("ShardLevelMetrics", [])}
        index = len(self.report.streams)
        reader = MetricQuery("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", (("StreamName", name),))
        self.report.streams.append(StreamRow(name, summary["StreamStatus"], summary.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED"),
                                             int(summary.get("OpenShardCount", len(shards))), int(summary["RetentionPeriodHours"]),
                                             Measure(None, "pending")))

        def fill_stream(measure: Measure) -> None:
            row = self.report.streams[index]
            self.report.streams[index] = StreamRow(row.name, row.status, row.mode, row.open_shards, row.retention_hours, measure)
        self.metric(reader, fill_stream)
        local = _runner_readers(runner_status) if runner_status is not None else None
        for shard in shards:
            self.shard(name, shard, enhanced, local)
        arns.append(summary["StreamARN"])

    def shard(self, stream: str, shard: dict[str, Any], enhanced: set[str],
              local: dict[tuple[str, str], list[tuple[str | None, dict[str, Any]]]] | None) -> None:
        shard_id = shard["ShardId"]
        if local is not None:
            readers = local.get((stream, shard_id), [])
            if not readers:
                none = Measure(None, "the runner reads this shard for no mapping")
                self.report.shards.append(ShardRow(stream, shard_id, "not read", none, none))
            for consumer, seen in readers:  # one row per reader: the stream's own, and each consumer's
                behind = Measure(seen["pending"], "runner: records read and not yet finished (buffered, in flight or "
                                 "waiting for an earlier one); more when its reader is not at the tip",
                                 at_least=seen["millis_behind_latest"] > 0)
                lag = Measure(seen["millis_behind_latest"], "runner: MillisBehindLatest of its latest GetRecords")
                runner = RunnerShard(seen["records_read"], seen["checkpoint"], seen["pending"], seen["in_flight"])
                self.report.shards.append(ShardRow(stream, shard_id, "read to its end" if seen.get("ended") else "caught up" if seen["idle"] else "processing",
                                                   behind, lag, runner, consumer))
            return
        state = "closed" if shard.get("SequenceNumberRange", {}).get("EndingSequenceNumber") else "open"
        index = len(self.report.shards)
        if not enhanced & SHARD_AGE_METRICS:
            off = Measure(None, "n/a: shard-level IteratorAgeMilliseconds is off (EnableEnhancedMonitoring turns it on)")
            self.report.shards.append(ShardRow(stream, shard_id, state, Measure(None, NO_CHECKPOINT), off))
            return
        query = MetricQuery("AWS/Kinesis", "IteratorAgeMilliseconds", (("StreamName", stream), ("ShardId", shard_id)))
        self.report.shards.append(ShardRow(stream, shard_id, state, Measure(None, NO_CHECKPOINT), Measure(None, "pending")))

        def fill(measure: Measure) -> None:
            row = self.report.shards[index]
            self.report.shards[index] = ShardRow(row.stream, row.shard, row.state, row.records_behind, measure)
        self.metric(query, fill)

    def mappings(self, stream_arns: list[str], functions: list[str]) -> None:
        lambda_ = self.target.client("lambda")
        found: dict[str, dict[str, Any]] = {}
        for arn in stream_arns:
            for mapping in _pages(lambda_.list_event_source_mappings, "EventSourceMappings", "NextMarker", "Marker", EventSourceArn=arn):
                found[mapping["UUID"]] = mapping
        for function in list(functions):
            for mapping in _pages(lambda_.list_event_source_mappings, "EventSourceMappings", "NextMarker", "Marker", FunctionName=function):
                if ":kinesis:" in mapping.get("EventSourceArn", ""):
                    found[mapping["UUID"]] = mapping
        for mapping in sorted(found.values(), key=lambda m: (m["EventSourceArn"], m["FunctionArn"])):
            function = mapping["FunctionArn"].split(":function:", 1)[1].split(":", 1)[0]
            if function not in functions:
                functions.append(function)
            source = mapping["EventSourceArn"].split(":stream/", 1)[-1]
            self.report.mappings.append(MappingRow(mapping["UUID"], function, source, mapping.get("State", "unknown"),
                                                   mapping.get("LastProcessingResult"), mapping.get("StateTransitionReason")))

    def function(self, name: str) -> None:
        index = len(self.report.functions)
        query = MetricQuery("AWS/Lambda", "IteratorAge", (("FunctionName", name),))
        self.report.functions.append(FunctionRow(name, Measure(None, "pending")))

        def fill(measure: Measure) -> None:
            self.report.functions[index] = FunctionRow(name, measure)
        self.metric(query, fill)

    def queue(self, queue: Queue) -> None:
        attributes = self.target.client("sqs").get_queue_attributes(
            QueueUrl=queue.url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        index = len(self.report.queues)
        query = MetricQuery("AWS/SQS", "ApproximateAgeOfOldestMessage", (("QueueName", queue.name),))
        self.report.queues.append(QueueRow(queue.label, queue.name, queue.url, int(attributes["ApproximateNumberOfMessages"]),
                                           int(attributes["ApproximateNumberOfMessagesNotVisible"]), Measure(None, "pending")))

        def fill(measure: Measure) -> None:
            row = self.report.queues[index]
            self.report.queues[index] = QueueRow(row.label, row.name, row.url, row.messages, row.in_flight, measure)
        self.metric(query, fill)

    def alarms(self) -> None:
        watched = self.watched
        if not (watched.alarm_names or watched.alarm_prefix or watched.alarm_tag):
            return
        cloudwatch = self.target.client("cloudwatch")
        types = ["MetricAlarm", "CompositeAlarm"]
        found: dict[str, tuple[str, dict[str, Any]]] = {}

        def add(**selection: Any) -> list[tuple[str, dict[str, Any]]]:
            added = []
            for kind, key in (("metric", "MetricAlarms"), ("composite", "CompositeAlarms")):
                for alarm in _pages(cloudwatch.describe_alarms, key, AlarmTypes=types, **selection):
                    added.append((kind, alarm))
            return added

        names = list(watched.alarm_names)
        for start in range(0, len(names), NAMES_PER_DESCRIBE):
            found.update({a["AlarmName"]: (k, a) for k, a in add(AlarmNames=names[start:start + NAMES_PER_DESCRIBE])})
        if watched.alarm_prefix:
            found.update({a["AlarmName"]: (k, a) for k, a in add(AlarmNamePrefix=watched.alarm_prefix)})
        if watched.alarm_tag:
            key, value = watched.alarm_tag
            for kind, alarm in add():
                tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags", [])
                if {"Key": key, "Value": value} in tags:
                    found[alarm["AlarmName"]] = (kind, alarm)
        self.report.alarms = [AlarmRow(name, kind, alarm["StateValue"], alarm["StateUpdatedTimestamp"], alarm.get("StateReason", ""))
                              for name, (kind, alarm) in sorted(found.items())]

    def metrics(self) -> None:
        """Every metric in one pass; when CloudWatch cannot be read, each measure says so."""
        measures = [Measure(None, "n/a: CloudWatch could not be read (below)")] * len(self.queries)
        try:
            points = latest(self.target.client("cloudwatch"), self.queries, self.now)
            measures = [_measure(point, query) for point, query in zip(points, self.queries, strict=True)]
        finally:
            for fill, measure in zip(self.fill, measures, strict=True):
                fill(measure)


def collect(target: Target, watched: Watched, now: datetime) -> StatusReport:
    """The pipeline's status now; on the local stack with the runner's per-shard numbers."""
    runner_status = None
    if target.local_stack is not None:
        from local_stack.stack_state import NoStack, read_status

        try:
            runner_status = read_status()
        except NoStack:
            runner_status = None
    return _Collector(target, watched, now).run(runner_status)
