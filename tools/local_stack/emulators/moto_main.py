"""moto server for the local stack: moto's own Kinesis/SNS -> Lambda delivery switched off.

Also: a CreateFunction repeated with identical code and settings (an SDK retry of a
request whose response was lost) returns the existing function instead of 409.
Under load, Terraform's AWS provider otherwise retries that 409 until its create timeout.
And moto ignores `Bool` policy conditions, so the root module's "deny unless
aws:SecureTransport" bucket policy denied every request; here requests count as TLS (the
plain-HTTP loopback endpoint stands in for AWS's TLS endpoints) and that statement does not apply.

moto tries to run a mapped function for every record put on a stream, and for
every SNS message to a lambda subscriber, in Docker. Here there is no Docker,
so each attempt fails after ~6 ms per record (10,000 records: a minute of
PutRecords), and where Docker exists it would deliver every record a second
time beside the mapping runner. The runner is the one delivery path, so
moto's is disabled; every API moto serves is unchanged.

Connections are not kept alive (HTTP/1.0): with keep-alive, the provider now and then
sends a request on a connection the server is closing, the SDK retries it, and a
non-idempotent create (AuthorizeSecurityGroupIngress, CreateFunction) fails as a duplicate
of itself. A fresh loopback connection per request costs nothing measurable.

Kinesis enhanced fan-out consumers work as in AWS: their ARNs end with ":<creation time>", and a
consumer ARN is accepted as an event source mapping's EventSourceArn (moto accepted only streams).

CloudWatch gets the fixes the local alarm evaluator depends on (exact metric identity,
percentiles, an alarm's initial and updated state, alarm history): see moto_cloudwatch.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from typing import Any

from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import LambdaBackend
from moto.awslambda.responses import LambdaResponse
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.kinesis.models import Consumer, Shard, kinesis_backends
from moto.moto_server.werkzeug_app import MotoRequestHandler
from moto.server import main

from local_stack.emulators.moto_cloudwatch import patch_cloudwatch


def _no_delivery(self: LambdaBackend, *args: object, **kwargs: object) -> None:
    return None


def _max_sequence_number(self: Shard) -> int:
    """O(1) instead of moto's list(keys)[-1], which made each PutRecords O(records in shard)."""
    return next(reversed(self.records)) if self.records else 0


_create_function = LambdaResponse.create_function


def _create_function_idempotent(self: LambdaResponse) -> Any:
    spec = self.json_body
    try:
        existing = self.backend.get_function(spec["FunctionName"].rsplit(":", 1)[-1], None)
    except UnknownFunctionException:
        return _create_function(self)
    zip_file = spec.get("Code", {}).get("ZipFile")
    same = (existing.role, existing.handler, existing.run_time) == (spec.get("Role"), spec.get("Handler"), spec.get("Runtime"))
    if zip_file and same and existing.code_sha_256 == base64.b64encode(hashlib.sha256(base64.b64decode(zip_file)).digest()).decode():
        return 201, {"status": 201}, json.dumps(existing.get_configuration(on_create=True))
    return _create_function(self)


_consumer_init = Consumer.__init__


def _consumer_with_creation_time(self: Consumer, *args: Any, **kwargs: Any) -> None:
    """AWS consumer ARNs end with ":<creation time in epoch seconds>", which ARN checks (kinesis-event-source) expect."""
    _consumer_init(self, *args, **kwargs)
    self.consumer_arn += f":{int(self.created.timestamp())}"


_create_event_source_mapping = LambdaBackend.create_event_source_mapping


def _create_event_source_mapping_from_consumers(self: LambdaBackend, spec: dict[str, Any]) -> Any:
    """A mapping may read through a stream's enhanced fan-out consumer (its ARN as EventSourceArn), as in AWS."""
    source = spec.get("EventSourceArn") or ""
    streams = kinesis_backends[self.account_id][self.region_name].streams.values()
    stream_arn = next((s.arn for s in streams if s.get_consumer_by_arn(source)), None)
    if stream_arn is None:
        return _create_event_source_mapping(self, spec)
    mapping = _create_event_source_mapping(self, {**spec, "EventSourceArn": stream_arn})
    mapping.event_source_arn = source
    return mapping


# The patches this module documents; mypy rightly notes that they replace methods.
LambdaResponse.create_function = _create_function_idempotent  # type: ignore[method-assign]
Consumer.__init__ = _consumer_with_creation_time  # type: ignore[method-assign]
LambdaBackend.create_event_source_mapping = _create_event_source_mapping_from_consumers  # type: ignore[method-assign]

_is_action_permitted = IAMPolicyStatement.is_action_permitted


def _is_action_permitted_over_tls(self: IAMPolicyStatement, *args: Any, **kwargs: Any) -> PermissionResult:
    """moto ignores `Bool` conditions; a statement requiring aws:SecureTransport other than "true" does not apply."""
    for operator in ("Bool", "BoolIfExists"):
        expected = self._statement.get("Condition", {}).get(operator, {}).get("aws:SecureTransport")
        if expected is not None and "true" not in [str(v).lower() for v in (expected if isinstance(expected, list) else [expected])]:
            return PermissionResult.NEUTRAL
    return _is_action_permitted(self, *args, **kwargs)


IAMPolicyStatement.is_action_permitted = _is_action_permitted_over_tls  # type: ignore[method-assign]
LambdaBackend.send_kinesis_message = _no_delivery  # type: ignore[method-assign]
LambdaBackend.send_sns_message = _no_delivery  # type: ignore[method-assign]
Shard.get_max_sequence_number = _max_sequence_number  # type: ignore[method-assign]
MotoRequestHandler.protocol_version = "HTTP/1.0"
patch_cloudwatch()

if __name__ == "__main__":
    main(sys.argv[1:])
