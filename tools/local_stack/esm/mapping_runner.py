"""The event source mapping service moto lacks: reads Kinesis mappings from the Lambda API and runs them.

Start it after `terraform apply`; it polls every shard of every enabled
Kinesis mapping, invokes the deployed code, sends exhausted batches to the
mapping's on-failure destination, and reports what happened per shard.
It follows reshards: shards are listed again while it runs, a child shard is
read only once its parents are finished (shard_lineage.py), and the poller of
a closed shard read to its end is retired.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from pipeline_contract.manifest import load as load_manifest
from python_finder import find_python

from local_stack.esm.aws_clients import AwsClients
from local_stack.esm.batch_retry import Discard, RetryPolicy
from local_stack.esm.event_filter import DEFAULT_FILTER_QUOTA
from local_stack.esm.failure_destination import on_failure_record, s3_object_key, send_to_destination
from local_stack.esm.kinesis_records import StreamRecord, event_record
from local_stack.esm.shard_lineage import ShardLineage
from local_stack.esm.shard_poller import ShardPoller, ShardStatus
from local_stack.esm.sns_delivery import SnsDelivery
from local_stack.esm.stream_source import StreamSource, unavailable_consumer
from local_stack.monitoring.lambda_metrics import LambdaMetrics
from local_stack.runtime.cgroups import ComputeGroups
from local_stack.runtime.concurrency import DEFAULT_ACCOUNT_LIMIT, ConcurrencyLedger
from local_stack.runtime.function_registry import FunctionRegistry
from local_stack.runtime.invoker import FunctionSpec, LocalOverrides
from local_stack.runtime.runtime_env import runtime_site_dir
from local_stack.runtime.worker import InvokeResult


def counts_events(mapping: dict[str, Any]) -> bool:
    """Lambda publishes a mapping's event counts only when its MetricsConfig asks for EventCount."""
    return "EventCount" in (mapping.get("MetricsConfig") or {}).get("Metrics", [])


@dataclass
class RunnerOptions:
    poll_interval_s: float = 0.2
    backoff_base_s: float = 0.1
    backoff_max_s: float = 2.0
    # A local bound on worker processes per function version: an invocation beyond it waits, it is not throttled.
    max_workers_per_function: int = 4
    account_concurrency: int = DEFAULT_ACCOUNT_LIMIT  # Lambda's concurrent executions per account and Region
    compute_limits: bool = True  # CPU and memory per environment through cgroups (False: none, said once)
    settings_refresh_s: float = 1.0  # how soon a changed mapping's retry settings apply (UpdateEventSourceMapping)
    shard_discovery_s: float = 0.5  # how soon shards a reshard creates are seen and closed ones retired
    filters_per_mapping: int = DEFAULT_FILTER_QUOTA  # the account's FilterCriteria quota (5; AWS raises it up to 10)
    overrides: LocalOverrides = field(default_factory=LocalOverrides)
    log: IO[bytes] | None = None
    metrics: LambdaMetrics | None = None  # publish Lambda's metrics for invocations and mappings


@dataclass
class _MappingShards:
    """One mapping's shards: their lineage and the pollers reading them now."""

    mapping: dict[str, Any]
    lineage: ShardLineage
    active: dict[str, ShardPoller] = field(default_factory=dict)


class MappingRunner:
    def __init__(self, env: dict[str, str], manifest_path: Path, state_dir: Path, options: RunnerOptions | None = None) -> None:
        self.options = options or RunnerOptions()
        self.clients = AwsClients(env)
        python = find_python("3.12")
        if python is None:
            raise SystemExit("error: no Python 3.12 found for the Lambda workers; install CPython 3.12 (e.g. pyenv install 3.12)")
        worker_env: dict[str, str] = {key: env[key] for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                                "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION") if key in env}
        groups = ComputeGroups.setup() if self.options.compute_limits else "turned off (RunnerOptions.compute_limits)"
        self.compute_groups = groups if isinstance(groups, ComputeGroups) else None
        # Said once, in the runner's output and its log, and kept for the demo summary and `make status`.
        self.compute_note = None if self.compute_groups else (
            f"Lambda compute model not enforced: {groups}; functions run without CPU and memory limits")
        if self.compute_note:
            print(f"warning: {self.compute_note}", file=sys.stderr, flush=True)
            if self.options.log:
                self.options.log.write(f"local stack: {self.compute_note}\n".encode())
                self.options.log.flush()
        self.registry = FunctionRegistry(
            self.clients("lambda"), load_manifest(manifest_path), state_dir / "code", python,
            runtime_site_dir(python, state_dir=state_dir), worker_env, self.options.overrides,
            self.options.max_workers_per_function, self.options.log, self.options.metrics,
            ConcurrencyLedger(self.options.account_concurrency), self.compute_groups,
        )
        self.sns = SnsDelivery(self.clients, self.registry)
        self.pollers: list[ShardPoller] = []  # every shard's poller since start, retired ones included
        self._streams: list[_MappingShards] = []
        self._policies: dict[str, RetryPolicy] = {}  # per mapping UUID, as UpdateEventSourceMapping last set it
        self._lineage_lock = threading.Lock()
        self.on_failure_messages = 0
        self.errors: list[str] = []
        self._count_lock = threading.Lock()
        self._event_counts: dict[str, bool] = {}  # per mapping UUID: MetricsConfig has EventCount
        self._stopping = threading.Event()
        self._refresher = threading.Thread(target=self._refresh_settings, name="mapping settings", daemon=True)
        self._discoverer = threading.Thread(target=self._discover_shards, name="shard discovery", daemon=True)

    def mappings(self) -> list[dict[str, Any]]:
        paginator = self.clients("lambda").get_paginator("list_event_source_mappings")
        found = [m for page in paginator.paginate() for m in page["EventSourceMappings"]]
        return [m for m in found if m["EventSourceArn"].startswith("arn:aws:kinesis:") and m.get("State") == "Enabled"]

    def start(self) -> MappingRunner:
        kinesis = self.clients("kinesis")
        self.registry.refresh_concurrency()
        for mapping in self.mappings():
            self.registry.get(mapping["FunctionArn"])  # fails now, not at the first batch, if the code is wrong
            source = StreamSource.of(mapping["EventSourceArn"])
            if source.consumer_name and (problem := unavailable_consumer(kinesis, source)):
                self.errors.append(f"mapping {mapping['UUID']}: {problem}")  # as on AWS, this mapping delivers nothing
                continue
            self._event_counts[mapping["UUID"]] = counts_events(mapping)
            self._policies[mapping["UUID"]] = self._policy(mapping)
            self._streams.append(_MappingShards(mapping, ShardLineage(self._list_shards(kinesis, mapping))))
        self._follow_lineage(kinesis)
        self._refresher.start()
        self._discoverer.start()
        return self

    @staticmethod
    def _list_shards(kinesis: Any, mapping: dict[str, Any]) -> list[dict[str, Any]]:
        paginator = kinesis.get_paginator("list_shards")
        return [s for page in paginator.paginate(StreamName=StreamSource.of(mapping["EventSourceArn"]).stream_name) for s in page["Shards"]]

    def _discover_shards(self) -> None:
        """Follow reshards while running: list each stream's shards again, as Lambda discovers new ones."""
        kinesis = self.clients("kinesis")
        while not self._stopping.wait(self.options.shard_discovery_s):
            try:
                for stream in self._streams:
                    stream.lineage.update(self._list_shards(kinesis, stream.mapping))
                self._follow_lineage(kinesis)
            except Exception as exc:  # the emulator going away at shutdown must not kill the thread loudly
                if not self._stopping.is_set():
                    self.errors.append(f"listing shards: {exc}")

    def _follow_lineage(self, kinesis: Any) -> None:
        """Retire the pollers of shards read to their end and finished, then start the shards that releases."""
        with self._lineage_lock:
            for stream in self._streams:
                for shard_id, poller in list(stream.active.items()):
                    if poller.finished():
                        poller.stop()
                        del stream.active[shard_id]
                        stream.lineage.finished(shard_id)
                for shard_id in stream.lineage.startable():
                    stream.lineage.started(shard_id)
                    stream.active[shard_id] = self._start_poller(kinesis, stream, shard_id)

    def _start_poller(self, kinesis: Any, stream: _MappingShards, shard_id: str) -> ShardPoller:
        mapping = stream.mapping
        invoker = self.registry.get(mapping["FunctionArn"])
        position = stream.lineage.starting_position(shard_id, mapping.get("StartingPosition", "LATEST"))
        poller = ShardPoller(
            kinesis, StreamSource.of(mapping["EventSourceArn"]).stream_name, shard_id, {**mapping, "StartingPosition": position},
            invoke=self._invoker_for(mapping), discard=self._discarder_for(mapping, invoker.spec),
            policy=self._policies[mapping["UUID"]],
            poll_interval_s=self.options.poll_interval_s,
            count_events=self._event_counter(mapping["UUID"]),
            report_iterator_age=self._iterator_age_reporter(invoker.spec.name),
            filters_per_mapping=self.options.filters_per_mapping,
        )
        self.pollers.append(poller)
        poller.start()
        return poller

    def _policy(self, mapping: dict[str, Any]) -> RetryPolicy:
        return RetryPolicy.from_mapping(mapping, self.options.backoff_base_s, self.options.backoff_max_s)

    def _refresh_settings(self) -> None:
        """Apply UpdateEventSourceMapping's retry, age and bisect settings to running pollers, as AWS
        applies them to a running mapping (batch size, window and parallelization stay as started),
        and the functions' reserved concurrency."""
        while not self._stopping.wait(self.options.settings_refresh_s):
            try:
                current = {m["UUID"]: m for m in self.mappings()}
                self.registry.refresh_concurrency()  # PutFunctionConcurrency applies to a running function
            except Exception as exc:  # the emulator going away at shutdown must not kill the thread loudly
                if not self._stopping.is_set():
                    self.errors.append(f"reading event source mappings: {exc}")
                continue
            for uuid, mapping in current.items():
                if uuid in self._policies:
                    self._policies[uuid] = self._policy(mapping)
                    self._event_counts[uuid] = counts_events(mapping)
            for poller in list(self.pollers):
                poller.policy = self._policies.get(poller.mapping["UUID"], poller.policy)

    def _event_counter(self, mapping_uuid: str) -> Callable[[str, int], None]:
        """The mapping's event counts, published while its MetricsConfig asks for them (as on AWS)."""
        def count(metric: str, events: int) -> None:
            if self.options.metrics and self._event_counts.get(mapping_uuid):
                self.options.metrics.mapping_events(mapping_uuid, metric, events, time.time())
        return count

    def _iterator_age_reporter(self, function_name: str) -> Callable[[int], None]:
        def report(age_ms: int) -> None:
            if self.options.metrics:
                self.options.metrics.iterator_age(function_name, age_ms, time.time())
        return report

    def _invoker_for(self, mapping: dict[str, Any]) -> Callable[..., InvokeResult]:
        stream_arn, function_arn = StreamSource.of(mapping["EventSourceArn"]).stream_arn, mapping["FunctionArn"]

        def invoke(shard_id: str, records: list[StreamRecord], window: dict[str, Any] | None = None) -> InvokeResult:
            # Per batch: a mapping on an alias runs the version the alias points at now, as on AWS.
            invoker = self.registry.get(function_arn)
            event: dict[str, Any] = {
                "Records": [event_record(r, shard_id, stream_arn, self.clients.region, invoker.spec.role) for r in records],
                **(window or {})}  # a tumbling window's window, state, shardId, eventSourceARN and flags
            return invoker.invoke(event, function_arn)
        return invoke

    def _discarder_for(self, mapping: dict[str, Any], function: FunctionSpec) -> Callable[[str, Discard], None]:
        destination = mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        count = self._event_counter(mapping["UUID"])
        stream_arn = StreamSource.of(mapping["EventSourceArn"]).stream_arn  # KinesisBatchInfo.streamArn, also through a consumer

        def discard(shard_id: str, batch: Discard) -> None:
            if not destination:
                count("DroppedEventCount", len(batch.records))
                return
            message = on_failure_record(batch, shard_id, stream_arn, mapping["FunctionArn"])
            if destination.startswith("arn:aws:s3:"):
                message["payload"] = {"Records": [event_record(r, shard_id, stream_arn, self.clients.region, "")
                                                  for r in batch.records]}
            try:
                send_to_destination(self.clients, destination, message, self.sns.publish,
                                    s3_object_key(mapping["UUID"], shard_id))
            except Exception:  # Lambda: the records are dropped and the delivery failure counted
                count("DroppedEventCount", len(batch.records))
                if self.options.metrics:
                    self.options.metrics.destination_delivery_failure(function.name, time.time())
                raise
            count("OnFailureDestinationDeliveredEventCount", len(batch.records))
            with self._count_lock:
                self.on_failure_messages += 1
        return discard

    def idle(self) -> bool:
        """Every shard read to its tip and finished, and none waiting to start or to be retired."""
        with self._lineage_lock:
            if any(s.lineage.waiting() or any(p.finished() for p in s.active.values()) for s in self._streams):
                return False
            pollers = list(self.pollers)
        return all(p.idle() for p in pollers) and not self.sns.busy()

    def shard_status(self) -> list[ShardStatus]:
        """Each reader's status; a mapping through a consumer is labelled stream/consumer/<name>/shardId, and a
        retired reader (a closed shard read to its end) shows as ended and idle."""
        return [replace(p.status(), shard=StreamSource.of(p.mapping["EventSourceArn"]).shard_label(p.shard_id))
                for p in list(self.pollers)]

    def wait_idle(self, timeout_s: float, settle_s: float = 0.6) -> bool:
        """True once everything is processed and stays so for settle_s (async deliveries included)."""
        deadline = time.monotonic() + timeout_s
        quiet_since = None
        while time.monotonic() < deadline:
            if self.idle():
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= settle_s:
                    return True
            else:
                quiet_since = None
            time.sleep(0.1)
        return False

    def all_errors(self) -> list[str]:
        return self.errors + [e for p in list(self.pollers) for e in p.errors] + self.sns.errors

    def stop(self) -> None:
        self._stopping.set()
        for thread in (self._refresher, self._discoverer):
            if thread.is_alive():
                thread.join(timeout=10)
        with self._lineage_lock:
            for poller in self.pollers:
                poller.stop()
        self.sns.close()
        self.registry.close()
        if self.compute_groups:
            self.compute_groups.close()

    def __enter__(self) -> MappingRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
