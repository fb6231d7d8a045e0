"""The latest datapoint of CloudWatch metrics, many at once (GetMetricData, up to 500 queries a call).

`make status` shows a metric's most recent one-minute Maximum within a recent window, with its minute,
so a stale value reads as stale (the window ends a minute after now, so the current minute counts).
No datapoint in the window is None, which the report shows as n/a and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

QUERIES_PER_CALL = 500
STAT, PERIOD_S = "Maximum", 60  # the worst value of each minute, the resolution AWS publishes these metrics at
WINDOW = timedelta(minutes=15)  # SQS publishes an idle queue's metrics only every few minutes


@dataclass(frozen=True)
class MetricQuery:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        """e.g. AWS/Lambda IteratorAge Maximum."""
        return f"{self.namespace} {self.name} {STAT}"


@dataclass(frozen=True)
class Datapoint:
    value: float
    at: datetime  # start of the period the value covers


def latest(cloudwatch: Any, queries: Sequence[MetricQuery], now: datetime, window: timedelta = WINDOW) -> list[Datapoint | None]:
    """For each query, its newest datapoint between now - window and now, or None."""
    found: list[Datapoint | None] = [None] * len(queries)
    for start in range(0, len(queries), QUERIES_PER_CALL):
        batch = {f"q{start + i}": query for i, query in enumerate(queries[start:start + QUERIES_PER_CALL])}
        request: dict[str, Any] = {
            "MetricDataQueries": [{"Id": key, "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": q.namespace, "MetricName": q.name,
                           "Dimensions": [{"Name": n, "Value": v} for n, v in q.dimensions]},
                "Period": PERIOD_S, "Stat": STAT}} for key, q in batch.items()],
            "StartTime": now - window, "EndTime": now + timedelta(seconds=PERIOD_S), "ScanBy": "TimestampDescending"}
        while True:
            response = cloudwatch.get_metric_data(**request)
            for result in response["MetricDataResults"]:
                index = int(result["Id"][1:])
                points = sorted(zip(result.get("Timestamps", []), result.get("Values", []), strict=True), reverse=True)
                current = found[index]
                if points and (current is None or points[0][0] > current.at):  # a later page may hold newer ones
                    found[index] = Datapoint(float(points[0][1]), points[0][0])
            if not response.get("NextToken"):
                break
            request["NextToken"] = response["NextToken"]
    return found
