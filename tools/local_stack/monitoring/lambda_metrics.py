"""The metrics Lambda publishes for the runner's invocations and mappings, under AWS's names.

From "Types of metrics for Lambda functions"
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html) and "Viewing metrics
for Lambda functions" (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html),
namespace AWS/Lambda:
- per function (dimension FunctionName) and across all functions (no dimension), stamped with the
  invocation's start: Invocations, Errors and Throttles (binary indicators per invocation, Count),
  Duration (Milliseconds, the handler's time without initialisation; percentiles available),
  ConcurrentExecutions (Count, instances busy when an invocation starts), IteratorAge
  (Milliseconds, per invocation from a stream: the age of the batch's last record when sent);
- per event source mapping (dimension EventSourceMappingUUID), only when the mapping's
  MetricsConfig has EventCount: PolledEventCount (0 for an empty poll), FilteredOutEventCount,
  InvokedEventCount, FailedInvokeEventCount (stamped at the invocation's end), DroppedEventCount,
  OnFailureDestinationDeliveredEventCount (Count);
- DestinationDeliveryFailures (per function) when the on-failure destination refuses a record.
The Resource dimension (a version or alias) is not published: the runner invokes $LATEST only.
"""

from __future__ import annotations

import threading
from collections import Counter

from local_stack.monitoring.metric_publisher import MetricPublisher, Series
from local_stack.runtime.worker import InvokeResult

NAMESPACE = "AWS/Lambda"
EVENT_COUNTS = ("PolledEventCount", "FilteredOutEventCount", "InvokedEventCount", "FailedInvokeEventCount",
                "DroppedEventCount", "OnFailureDestinationDeliveredEventCount")


class LambdaMetrics:
    """Observes invocations (runtime.invoker's InvocationObserver) and the runner's mapping events."""

    def __init__(self, publisher: MetricPublisher) -> None:
        self._publisher = publisher
        self._busy: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _function(self, function_name: str, metric: str, unit: str, value: float, at: float,
                  distribution: bool = False) -> None:
        for dimensions in ((("FunctionName", function_name),), ()):
            self._publisher.add(Series(NAMESPACE, metric, dimensions, unit, distribution), value, at)

    def started(self, function_name: str, at: float) -> None:
        with self._lock:
            self._busy[function_name] += 1
            mine, everyone = self._busy[function_name], sum(self._busy.values())
        self._publisher.add(Series(NAMESPACE, "ConcurrentExecutions", (("FunctionName", function_name),), "Count", True), mine, at)
        self._publisher.add(Series(NAMESPACE, "ConcurrentExecutions", (), "Count", True), everyone, at)

    def finished(self, function_name: str, started_at: float, result: InvokeResult | None) -> None:
        """`result` None: the invocation never completed (the runner stopping); it only frees its instance."""
        with self._lock:
            self._busy[function_name] -= 1
        if result is None:
            return
        self._function(function_name, "Invocations", "Count", 1, started_at)
        self._function(function_name, "Errors", "Count", 1 if result.error else 0, started_at)
        self._function(function_name, "Throttles", "Count", 0, started_at)
        self._function(function_name, "Duration", "Milliseconds", round(result.duration_s * 1000, 2), started_at, True)

    def throttled(self, function_name: str, at: float) -> None:
        """A throttled request: Throttles only ("Invocations aren't recorded if the invocation request is
        throttled or otherwise results in an invocation error", monitoring-metrics-types.html); it held no instance."""
        self._function(function_name, "Throttles", "Count", 1, at)

    def iterator_age(self, function_name: str, age_ms: int, at: float) -> None:
        self._function(function_name, "IteratorAge", "Milliseconds", age_ms, at, True)

    def destination_delivery_failure(self, function_name: str, at: float) -> None:
        self._function(function_name, "DestinationDeliveryFailures", "Count", 1, at)

    def mapping_events(self, mapping_uuid: str, metric: str, count: int, at: float) -> None:
        if metric not in EVENT_COUNTS:
            raise ValueError(f"{metric} is not an event source mapping event count; one of {', '.join(EVENT_COUNTS)}")
        self._publisher.add(Series(NAMESPACE, metric, (("EventSourceMappingUUID", mapping_uuid),), "Count"), count, at)
