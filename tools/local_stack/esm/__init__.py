"""The event-source-mapping engine: AWS's Kinesis → Lambda semantics over moto's stored mappings.

`MappingRunner(aws_env, manifest_path, state_dir).start()` polls every enabled Kinesis mapping and invokes the
deployed functions; `wait_idle()` waits until every shard is drained; `stop()` ends it.
Everything else in this package is an implementation detail of those three calls.
"""

from local_stack.esm.mapping_runner import MappingRunner, RunnerOptions

__all__ = ["MappingRunner", "RunnerOptions"]
