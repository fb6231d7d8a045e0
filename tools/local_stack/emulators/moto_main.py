"""moto server for the local stack: moto's own Kinesis/SNS -> Lambda delivery switched off.

Also: an SDK retry of a request moto already carried out (its response came too late on a
loaded machine) gets the first attempt's response instead of failing as a duplicate of itself;
see sdk_retries.py. And moto ignores `Bool` policy conditions, so the root module's "deny unless
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

An event source mapping created or updated with a function ARN qualified by an alias keeps
that ARN as its FunctionArn, as AWS does; moto resolved the alias once and recorded the
version it pointed at then. Moving the alias would not move such a mapping, and the AWS
provider would plan a change of function_name after every apply.

An AT_TIMESTAMP mapping's StartingPositionTimestamp is returned with the mapping, as AWS returns it
(moto kept it but left it out of every response).

moto drops a function's LoggingConfig (log format and levels); it is kept and returned here,
as AWS returns it, or Terraform would plan to set it again after every apply.

AWS serves a deployed zip through GetFunction's Code.Location; moto links nowhere. The
mapping runner needs the code a version was published with once dist/ has been rebuilt, so
GET /moto-api/local-stack/lambda-code?account=&region=&sha256= serves the zip of the function
or layer version with that CodeSha256 (moto keeps each version's bytes).

Kinesis enhanced fan-out consumers work as in AWS: their ARNs end with ":<creation time>", and a
consumer ARN is accepted as an event source mapping's EventSourceArn (moto accepted only streams).

Kinesis resharding (SplitShard, MergeShards, UpdateShardCount) behaves as AWS documents it, as the
runner's following of shard lineage needs: parents keep their records, only open shards take new ones,
GetRecords ends a closed shard with a null NextShardIterator; see moto_kinesis_reshard.py.

CloudWatch gets the fixes the local alarm evaluator depends on (exact metric identity,
percentiles, an alarm's initial and updated state, alarm history): see moto_cloudwatch.py.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from moto.awslambda.models import EventSourceMapping, LambdaBackend, LambdaFunction, LayerVersion, lambda_backends
from moto.awslambda.utils import make_function_arn
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.kinesis.models import Consumer, kinesis_backends
from moto.moto_api._internal import urls as moto_api_urls
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler
from moto.server import main

from local_stack.emulators.moto_cloudwatch import patch_cloudwatch
from local_stack.emulators.moto_kinesis_reshard import patch_kinesis_resharding
from local_stack.emulators.sdk_retries import RetryReplay
from local_stack.runtime.artifacts import DEPLOYED_CODE_PATH


def _no_delivery(self: LambdaBackend, *args: object, **kwargs: object) -> None:
    return None




_create_event_source_mapping = LambdaBackend.create_event_source_mapping
_update_event_source_mapping = LambdaBackend.update_event_source_mapping


_consumer_init = Consumer.__init__


def _consumer_with_creation_time(self: Consumer, *args: Any, **kwargs: Any) -> None:
    """AWS consumer ARNs end with ":<creation time in epoch seconds>", which ARN checks (kinesis-event-source) expect."""
    _consumer_init(self, *args, **kwargs)
    self.consumer_arn += f":{int(self.created.timestamp())}"


def _create_event_source_mapping_from_consumers(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
    """A mapping may read through a stream's enhanced fan-out consumer (its ARN as EventSourceArn), as in AWS."""
    source = spec.get("EventSourceArn") or ""
    streams = kinesis_backends[self.account_id][self.region_name].streams.values()
    stream_arn = next((s.arn for s in streams if s.get_consumer_by_arn(source)), None)
    if stream_arn is None:
        return _create_event_source_mapping(self, spec)
    mapping = _create_event_source_mapping(self, {**spec, "EventSourceArn": stream_arn})
    mapping.event_source_arn = source
    return mapping


def _keep_qualifier(backend: LambdaBackend, mapping: EventSourceMapping, function_name: str) -> None:
    """FunctionArn as AWS records it: the function's ARN with the alias or version the caller named."""
    name, _, qualifier = function_name.split(":function:", 1)[-1].partition(":")
    if qualifier:
        mapping.function_arn = f"{make_function_arn(backend.region_name, backend.account_id, name)}:{qualifier}"


def _create_event_source_mapping_on_alias(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
    mapping = _create_event_source_mapping_from_consumers(self, spec)
    _keep_qualifier(self, mapping, spec["FunctionName"])
    return mapping


def _update_event_source_mapping_on_alias(self: LambdaBackend, uuid: str, spec: dict[str, Any]) -> EventSourceMapping | None:
    mapping = _update_event_source_mapping(self, uuid, spec)
    if mapping is not None and spec.get("FunctionName"):
        _keep_qualifier(self, mapping, spec["FunctionName"])
    return mapping


def _deployed_code(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], bytes | str]:
    """The zip of the function or layer version whose CodeSha256 is asked for."""
    args = request.args
    backend = lambda_backends[args["account"]][args["region"]]
    held: list[LambdaFunction | LayerVersion] = [
        version for function in backend.list_functions() for version in backend.list_versions_by_function(function.function_name)]
    held += [version for layer in backend.list_layers() for version in backend.list_layer_versions(layer["LayerName"])]
    for version in held:
        if version.code_sha_256 == args["sha256"]:
            return 200, {"Content-Type": "application/zip"}, version.code_bytes
    return 404, {"Content-Type": "application/json"}, json.dumps({"Message": f"no function or layer version has CodeSha256 {args['sha256']}"})


moto_api_urls.url_paths["{0}" + DEPLOYED_CODE_PATH] = _deployed_code


_function_init = LambdaFunction.__init__
_update_configuration = LambdaFunction.update_configuration
_get_configuration = LambdaFunction.get_configuration


def _function_init_keeping_logging(self: LambdaFunction, account_id: str, spec: dict[str, Any], region: str,
                                   version: str | int = 1) -> None:
    _function_init(self, account_id, spec, region, version)
    vars(self)["logging_config"] = spec.get("LoggingConfig")


def _update_configuration_keeping_logging(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    if "LoggingConfig" in config_updates:
        vars(self)["logging_config"] = config_updates["LoggingConfig"]
    return _update_configuration(self, config_updates)


def _get_configuration_with_logging(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    config = _get_configuration(self, on_create)
    logging = vars(self).get("logging_config")
    if logging:
        config["LoggingConfig"] = {"LogGroup": f"/aws/lambda/{self.function_name}", **logging}
    return config


_mapping_configuration = EventSourceMapping.get_configuration


def _mapping_configuration_with_timestamp(self: EventSourceMapping) -> dict[str, Any]:
    """StartingPositionTimestamp as AWS returns it: moto kept it but left it out, so a mapping read back
    (by the runner, or by Terraform after apply) lost where an AT_TIMESTAMP mapping starts."""
    config = _mapping_configuration(self)
    if self.starting_position_timestamp is not None:
        config["StartingPositionTimestamp"] = self.starting_position_timestamp
    return config


# The patches this module documents; mypy rightly notes that they replace methods.
LambdaFunction.__init__ = _function_init_keeping_logging  # type: ignore[method-assign]
LambdaFunction.update_configuration = _update_configuration_keeping_logging  # type: ignore[method-assign]
LambdaFunction.get_configuration = _get_configuration_with_logging  # type: ignore[method-assign]
Consumer.__init__ = _consumer_with_creation_time  # type: ignore[method-assign]
LambdaBackend.create_event_source_mapping = _create_event_source_mapping_on_alias  # type: ignore[method-assign]
LambdaBackend.update_event_source_mapping = _update_event_source_mapping_on_alias  # type: ignore[method-assign]
EventSourceMapping.get_configuration = _mapping_configuration_with_timestamp  # type: ignore[method-assign]

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
MotoRequestHandler.protocol_version = "HTTP/1.0"
DomainDispatcherApplication.__call__ = RetryReplay().wrap(DomainDispatcherApplication.__call__)  # type: ignore[method-assign,assignment]
patch_cloudwatch()
patch_kinesis_resharding()

if __name__ == "__main__":
    main(sys.argv[1:])
