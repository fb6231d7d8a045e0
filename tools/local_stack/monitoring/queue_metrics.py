"""The queue depth metrics SQS publishes, sampled from the emulator's queues once a minute.

moto publishes no AWS/SQS metrics, so a dead-letter queue alarm would never see data. From
"Available CloudWatch metrics for Amazon SQS"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html),
namespace AWS/SQS, dimension QueueName, unit Count, pushed at one-minute intervals:
ApproximateNumberOfMessagesVisible, ApproximateNumberOfMessagesNotVisible and
ApproximateNumberOfMessagesDelayed, from GetQueueAttributes. ApproximateAgeOfOldestMessage is not
published: reading it would mean receiving the message, which changes its receive count.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from local_stack.monitoring.metric_publisher import MetricPublisher, Series

NAMESPACE = "AWS/SQS"
ATTRIBUTES = {
    "ApproximateNumberOfMessages": "ApproximateNumberOfMessagesVisible",
    "ApproximateNumberOfMessagesNotVisible": "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed": "ApproximateNumberOfMessagesDelayed",
}


class QueueMetrics:
    """A thread sampling every queue's depth each `interval_s` into the publisher."""

    def __init__(self, clients: Callable[[str], Any], publisher: MetricPublisher, interval_s: float = 60.0) -> None:
        self._clients = clients
        self._publisher = publisher
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="queue metrics", daemon=True)
        self.errors: list[str] = []

    def sample(self) -> None:
        sqs = self._clients("sqs")
        now = time.time()
        for page in sqs.get_paginator("list_queues").paginate():
            for url in page.get("QueueUrls", []):
                attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(ATTRIBUTES))["Attributes"]
                dimensions = (("QueueName", url.rstrip("/").rsplit("/", 1)[-1]),)
                for attribute, metric in ATTRIBUTES.items():
                    self._publisher.add(Series(NAMESPACE, metric, dimensions, "Count"), float(attributes.get(attribute, 0)), now)

    def _run(self) -> None:
        while True:
            try:
                self.sample()
            except Exception as exc:  # a queue deleted mid-sample, or the emulator stopping: try again next time
                message = f"sampling queue depths: {exc}"
                if not self._stop.is_set() and message not in self.errors:
                    self.errors.append(message)
            if self._stop.wait(self._interval_s):
                return

    def start(self) -> QueueMetrics:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
