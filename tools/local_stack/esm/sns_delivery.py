"""SNS topics as the runner needs them: publish, and invoke subscribed functions asynchronously.

moto delivers SNS messages to SQS subscribers itself but cannot run Lambda
code, so lambda subscriptions are served here, with Lambda's asynchronous
semantics from the function's event invoke config: retries (default 2),
maximum event age, and OnSuccess / OnFailure destinations that receive an
invocation record (requestPayload, responsePayload, condition). A throttled
event goes back to the queue without using up a retry ("For throttling errors
(429) and system errors (500-series), Lambda returns the event to the queue and
attempts to run the function again for up to 6 hours",
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from local_stack.esm.failure_destination import queue_url
from local_stack.esm.kinesis_records import iso_millis
from local_stack.runtime.function_registry import FunctionRegistry
from local_stack.runtime.function_versions import FunctionRef


@dataclass
class AsyncStats:
    invocations: int = 0
    succeeded: int = 0
    failed: int = 0
    retries: int = 0
    destination_messages: int = 0


def sns_event(topic_arn: str, subscription_arn: str, message: str, subject: str | None = None) -> dict[str, Any]:
    now = time.time()
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": subscription_arn,
        "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic_arn, "Subject": subject,
                "Message": message, "Timestamp": iso_millis(now), "SignatureVersion": "1", "Signature": "",
                "SigningCertUrl": "", "UnsubscribeUrl": "", "MessageAttributes": {}},
    }]}


@dataclass
class SnsDelivery:
    clients: Callable[[str], Any]
    registry: FunctionRegistry
    retry_delays_s: tuple[float, ...] = (0.5, 1.0)  # AWS waits ~1 and ~2 minutes; scaled down locally
    stats: AsyncStats = field(default_factory=AsyncStats)
    errors: list[str] = field(default_factory=list)
    _pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="async-invoke"))
    _futures: list[Future[None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, topic_arn: str, message: str, subject: str | None = None) -> None:
        self.clients("sns").publish(TopicArn=topic_arn, Message=message, **({"Subject": subject} if subject else {}))
        paginator = self.clients("sns").get_paginator("list_subscriptions_by_topic")
        for page in paginator.paginate(TopicArn=topic_arn):
            for subscription in page["Subscriptions"]:
                if subscription["Protocol"] == "lambda":
                    event = sns_event(topic_arn, subscription["SubscriptionArn"], message, subject)
                    self.invoke_async(subscription["Endpoint"], event)

    def invoke_async(self, function_arn: str, event: dict[str, Any]) -> None:
        with self._lock:
            self._futures.append(self._pool.submit(self._run, function_arn, event, time.time()))

    def _invoke_config(self, function_name: str) -> dict[str, Any]:
        lambda_client = self.clients("lambda")
        try:
            config: dict[str, Any] = lambda_client.get_function_event_invoke_config(FunctionName=function_name)
            return config
        except lambda_client.exceptions.ResourceNotFoundException:
            return {}

    def _run(self, function_arn: str, event: dict[str, Any], queued_at: float) -> None:
        try:
            invoker = self.registry.get(function_arn)
            config = self._invoke_config(invoker.spec.name)
            retries = int(config.get("MaximumRetryAttempts", 2))
            max_age = int(config.get("MaximumEventAgeInSeconds", 21600))
            attempts, result, condition = 0, None, "RetriesExhausted"
            while attempts <= retries:
                if time.time() - queued_at > max_age:
                    condition = "EventAgeExceeded"
                    break
                result = invoker.invoke(event, function_arn)
                if result.throttled:  # back to the queue without using up a retry, until the event is too old
                    time.sleep(self.retry_delays_s[0])
                    continue
                attempts += 1
                self._count("invocations")
                if result.error is None:
                    condition = "Success"
                    break
                if attempts <= retries:
                    time.sleep(self.retry_delays_s[min(attempts, len(self.retry_delays_s)) - 1])
                    self._count("retries")
            self._count("succeeded" if condition == "Success" else "failed")
            kind = "OnSuccess" if condition == "Success" else "OnFailure"
            destination = config.get("DestinationConfig", {}).get(kind, {}).get("Destination")
            if destination:
                # Lambda names the unqualified function's invocations $LATEST, others as they were invoked.
                invoked = function_arn if FunctionRef.parse(function_arn).qualifier else f"{invoker.spec.arn}:$LATEST"
                self._send(destination, self._record(invoked, event, result, condition, attempts))
        except Exception as exc:  # a delivery thread must report, never die silently
            with self._lock:
                self.errors.append(f"async invoke of {function_arn}: {exc}")

    @staticmethod
    def _record(function_arn: str, event: Any, result: Any, condition: str, attempts: int) -> dict[str, Any]:
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": result.executed_version if result else "$LATEST"}
        if result is not None and result.function_error:
            response["functionError"] = result.function_error
        return {
            "version": "1.0", "timestamp": iso_millis(time.time()),
            "requestContext": {"requestId": result.request_id if result else str(uuid.uuid4()),
                               "functionArn": function_arn, "condition": condition,
                               "approximateInvokeCount": attempts},
            "requestPayload": event, "responseContext": response,
            "responsePayload": result.payload if result else None,
        }

    def _send(self, destination: str, record: dict[str, Any]) -> None:
        service = destination.split(":")[2]
        body = json.dumps(record)
        if service == "sqs":
            sqs = self.clients("sqs")
            sqs.send_message(QueueUrl=queue_url(sqs, destination), MessageBody=body)
        elif service == "sns":
            self.publish(destination, body)
        elif service == "lambda":
            self.invoke_async(destination, record)
        else:
            raise ValueError(f"destination {destination} not supported locally (EventBridge is not emulated)")
        self._count("destination_messages")

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    def busy(self) -> bool:
        with self._lock:
            self._futures = [f for f in self._futures if not f.done()]
            return bool(self._futures)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
