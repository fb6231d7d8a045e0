"""Metric datapoints aggregated per minute and sent with PutMetricData, as a service publishes them.

Lambda sends its metrics to CloudWatch in 1-minute intervals, and CloudWatch keeps standard-
resolution metrics per minute, so the values of one series within one minute travel together:
counts (Invocations, Errors, the mapping's event counts) as a statistic set (SampleCount, Sum,
Minimum, Maximum), and distributions (Duration, IteratorAge, ConcurrentExecutions) as values
with counts, so percentile statistics stay available, as on AWS. A minute is sent once it has
ended (one PutMetricData per namespace per minute); a value that arrives later for it (an
invocation is stamped with its start) goes out at the next flush, and `close()` sends the rest.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PERIOD_S = 60
MAX_VALUES_PER_DATUM = 150  # PutMetricData: at most 150 distinct values in one datum
MAX_DATA_PER_CALL = 500  # well under PutMetricData's 1,000 data and 1 MB per request


@dataclass(frozen=True)
class Series:
    """One CloudWatch metric: namespace, name, the full set of dimensions, and its unit."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    unit: str
    distribution: bool = False  # values and counts (percentiles) rather than a statistic set


class MetricPublisher:
    """Thread-safe: `add` from any thread; a flush thread sends what is due every `flush_interval_s`."""

    def __init__(self, put_metric_data: Callable[..., Any], flush_interval_s: float = 1.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._put = put_metric_data
        self._flush_interval_s = flush_interval_s
        self._clock = clock
        self._pending: dict[tuple[int, Series], Counter[float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="metric publisher", daemon=True)
        self.errors: list[str] = []
        self.sent_calls = 0

    def add(self, series: Series, value: float, at: float) -> None:
        minute = int(at // PERIOD_S) * PERIOD_S
        with self._lock:
            self._pending.setdefault((minute, series), Counter())[value] += 1

    def due(self, now: float, everything: bool = False) -> dict[str, list[dict[str, Any]]]:
        """Take the minutes that have ended (all of them with `everything`) as PutMetricData's MetricData, per namespace."""
        with self._lock:
            keys = [key for key in self._pending if everything or key[0] + PERIOD_S <= now]
            taken = [(key, self._pending.pop(key)) for key in sorted(keys, key=lambda k: (k[0], k[1].namespace, k[1].name))]
        data: dict[str, list[dict[str, Any]]] = {}
        for (minute, series), values in taken:
            data.setdefault(series.namespace, []).extend(_metric_data(series, minute, values))
        return data

    def flush(self, everything: bool = False) -> None:
        for namespace, data in self.due(self._clock(), everything).items():
            for start in range(0, len(data), MAX_DATA_PER_CALL):
                try:
                    self._put(Namespace=namespace, MetricData=data[start:start + MAX_DATA_PER_CALL])
                    self.sent_calls += 1
                except Exception as exc:  # the emulator going away must not kill the publisher; say what was lost
                    self.errors.append(f"PutMetricData {namespace}: {exc}")

    def _run(self) -> None:
        while not self._stop.wait(self._flush_interval_s):
            self.flush()

    def start(self) -> MetricPublisher:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the flush thread and send everything still held, the current minute included."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.flush(everything=True)


def _metric_data(series: Series, minute: int, values: Counter[float]) -> list[dict[str, Any]]:
    base: dict[str, Any] = {
        "MetricName": series.name, "Dimensions": [{"Name": n, "Value": v} for n, v in series.dimensions],
        "Timestamp": dt.datetime.fromtimestamp(minute, dt.UTC), "Unit": series.unit,
    }
    if not series.distribution:
        return [{**base, "StatisticValues": {
            "SampleCount": float(sum(values.values())), "Sum": float(sum(v * c for v, c in values.items())),
            "Minimum": float(min(values)), "Maximum": float(max(values))}}]
    ordered = sorted(values.items())
    return [{**base, "Values": [v for v, _ in chunk], "Counts": [float(c) for _, c in chunk]}
            for chunk in (ordered[i:i + MAX_VALUES_PER_DATUM] for i in range(0, len(ordered), MAX_VALUES_PER_DATUM))]
