"""On-failure messages of a Kinesis event source mapping, in AWS's JSON shape, to SQS, SNS or S3.

Like AWS, the message carries metadata only (shard, sequence range, arrival
times), not the records; the S3 destination also gets the records' payload.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from local_stack.esm.batch_retry import Discard
from local_stack.esm.kinesis_records import iso_millis


def on_failure_record(discard: Discard, shard_id: str, stream_arn: str, function_arn: str) -> dict[str, Any]:
    records = discard.records
    result = discard.last_result
    response: dict[str, Any] = {"statusCode": 200, "executedVersion": result.executed_version if result else "$LATEST"}
    if result is not None and result.function_error:
        response["functionError"] = result.function_error
    return {
        "requestContext": {
            "requestId": result.request_id if result else str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": discard.condition,
            "approximateInvokeCount": discard.invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": iso_millis(time.time()),
        "KinesisBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0].sequence_number,
            "endSequenceNumber": records[-1].sequence_number,
            "approximateArrivalOfFirstRecord": iso_millis(records[0].arrival),
            "approximateArrivalOfLastRecord": iso_millis(records[-1].arrival),
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }


def queue_url(sqs: Any, queue_arn: str) -> str:
    _, _, _, _, account, name = queue_arn.split(":", 5)
    url: str = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return url


def send_to_destination(clients: Callable[[str], Any], destination_arn: str, message: dict[str, Any],
                        publish_sns: Callable[[str, str], None], s3_key: str = "") -> None:
    """Deliver one JSON message to an SQS queue, SNS topic or S3 bucket by its ARN."""
    body = json.dumps(message)
    service = destination_arn.split(":")[2]
    if service == "sqs":
        sqs = clients("sqs")
        sqs.send_message(QueueUrl=queue_url(sqs, destination_arn), MessageBody=body)
    elif service == "sns":
        publish_sns(destination_arn, body)
    elif service == "s3":
        bucket = destination_arn.split(":::", 1)[1]
        clients("s3").put_object(Bucket=bucket, Key=s3_key or f"aws/lambda/{uuid.uuid4()}", Body=body.encode())
    else:
        raise ValueError(f"unsupported destination {destination_arn}: use an SQS queue, SNS topic or S3 bucket ARN")


def s3_object_key(mapping_uuid: str, shard_id: str) -> str:
    """AWS's key layout for S3 on-failure destinations of stream mappings."""
    stamp = time.strftime("%Y/%m/%d/%Y-%m-%dT%H.%M.%S", time.gmtime())
    return f"aws/lambda/{mapping_uuid}/{shard_id}/{stamp}-{uuid.uuid4()}"
