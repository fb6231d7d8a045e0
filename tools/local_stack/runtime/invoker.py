"""Invoke a deployed function: its verified code, layers, environment, timeout and memory, in warm workers.

The function's configuration is read from the Lambda API, so what runs is
what Terraform deployed. A bounded pool of warm workers per function stands in
for Lambda's execution environments: one invocation per worker at a time,
init code once per worker, CPU and memory for its memory size where cgroups allow.
An invocation first takes a concurrency slot (account limit, reserved
concurrency): without one it is throttled, never run; with one it may still wait
for a worker, the pool being a local bound on processes, not a Lambda limit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from pipeline_contract.manifest import Artifact, Manifest

from local_stack.runtime.artifacts import ArtifactError, CodeZip, artifact_for_hash, deployed_zip, unpack_function
from local_stack.runtime.cgroups import ComputeGroups
from local_stack.runtime.concurrency import ConcurrencyLedger
from local_stack.runtime.function_versions import LATEST
from local_stack.runtime.worker import InvokeResult, WarmWorker, throttled_result


@dataclass
class LocalOverrides:
    """Local-only environment changes: endpoints that exist only in AWS, mapped to local servers."""

    env: dict[str, str] = field(default_factory=dict)
    host_map: dict[str, tuple[str, int]] = field(default_factory=dict)

    def apply(self, variables: dict[str, str]) -> dict[str, str]:
        result = {**variables, **self.env}
        host = result.get("DB_HOST", "")
        if host in self.host_map:
            result["DB_HOST"], port = self.host_map[host]
            result["DB_PORT"] = str(port)
        return result


class InvocationObserver(Protocol):
    """Told when each invocation starts and ends, or is throttled (the metrics Lambda publishes about it)."""

    def started(self, function_name: str, at: float) -> None: ...

    def finished(self, function_name: str, started_at: float, result: InvokeResult | None) -> None: ...

    def throttled(self, function_name: str, at: float) -> None: ...


@dataclass
class FunctionSpec:
    name: str
    arn: str
    version: str  # $LATEST or the published version whose code this is
    role: str
    handler: str
    timeout_s: float
    memory_mb: int
    environment: dict[str, str]
    task_dir: Path
    opt_dir: Path


def resolve_function(lambda_client: Any, name: str, version: str, manifest: Manifest, cache_dir: Path) -> FunctionSpec:
    """Read the configuration of that version as deployed and unpack its code; raise if dist/ differs.

    A published version keeps the code and settings it was published with, so version 1 runs
    version 1's zip even after $LATEST has moved on and dist/ has been rebuilt.
    """
    qualifier = {} if version == LATEST else {"Qualifier": version}
    config = lambda_client.get_function_configuration(FunctionName=name, **qualifier)
    _, _, _, region, account, *_ = config["FunctionArn"].split(":")

    def code(code_sha256: str, what: str) -> tuple[CodeZip, Artifact | None]:
        try:
            artifact = artifact_for_hash(manifest, code_sha256, what)
        except ArtifactError:
            if version == LATEST:  # $LATEST must be what dist/ holds: a stale build fails loudly
                raise
            return deployed_zip(lambda_client.meta.endpoint_url, account, region, code_sha256, what, cache_dir), None
        return CodeZip(manifest.zip_path(artifact), code_sha256), artifact

    what = f"function {config['FunctionName']}" + ("" if version == LATEST else f" version {version}")
    function, artifact = code(config["CodeSha256"], what)
    if artifact is not None and artifact.kind != "function":
        raise ArtifactError(f"function {name} holds the zip of {artifact.kind} {artifact.name}; check the root module's wiring")
    layers = []
    for layer in config.get("Layers", []):
        # moto answers GetLayerVersionByArn with HTTP 500; GetLayerVersion with the ARN's parts works.
        layer_arn, _, number = layer["Arn"].rpartition(":")
        layer_version = lambda_client.get_layer_version(LayerName=layer_arn, VersionNumber=int(number))
        layers.append(code(layer_version["Content"]["CodeSha256"], f"layer {layer['Arn']}")[0])
    task_dir, opt_dir = unpack_function(function, layers, cache_dir)
    return FunctionSpec(
        name=config["FunctionName"], arn=config["FunctionArn"], version=version, role=config.get("Role", ""), handler=config["Handler"],
        timeout_s=float(config.get("Timeout", 3)), memory_mb=int(config.get("MemorySize", 128)),
        environment=dict(config.get("Environment", {}).get("Variables", {})),
        task_dir=task_dir, opt_dir=opt_dir,
    )


class FunctionInvoker:
    """Thread-safe: each invocation borrows an idle warm worker or starts one, up to `max_workers`."""

    def __init__(self, spec: FunctionSpec, python: str, runtime_dir: Path, aws_env: dict[str, str],
                 overrides: LocalOverrides | None = None, max_workers: int = 4, log: IO[bytes] | None = None,
                 observer: InvocationObserver | None = None, concurrency: ConcurrencyLedger | None = None,
                 groups: ComputeGroups | None = None) -> None:
        self.spec = spec
        self._observer = observer
        self._concurrency = concurrency or ConcurrencyLedger()
        self._groups = groups
        self.invocations = 0
        self.cold_starts = 0
        self.errors = 0
        self.throttles = 0
        self._python = python
        self._env = self._environment(spec, runtime_dir, aws_env, overrides or LocalOverrides())
        self._idle: list[WarmWorker] = []
        self._all: list[WarmWorker] = []
        self._max = max_workers
        self._log = log
        self._lock = threading.Condition()

    @staticmethod
    def _environment(spec: FunctionSpec, runtime_dir: Path, aws_env: dict[str, str], overrides: LocalOverrides) -> dict[str, str]:
        """Lambda's reserved variables, the function's own, and the emulator's endpoint and credentials."""
        base = {
            "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
            "_HANDLER": spec.handler, "LAMBDA_TASK_ROOT": str(spec.task_dir),
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}", "AWS_LAMBDA_LOG_STREAM_NAME": "local",
            "LOCAL_STACK_OPT_DIR": str(spec.opt_dir), "LOCAL_STACK_RUNTIME_DIR": str(runtime_dir),
        }
        return {**base, **overrides.apply(spec.environment), **aws_env}

    def _borrow(self) -> WarmWorker:
        with self._lock:
            while not self._idle and len(self._all) >= self._max:
                self._lock.wait()
            if self._idle:
                return self._idle.pop()
            worker = WarmWorker(self._python, self._env, self.spec.arn, log=self._log, memory_mb=self.spec.memory_mb,
                                groups=self._groups)
            self._all.append(worker)
            return worker

    def _give_back(self, worker: WarmWorker) -> None:
        with self._lock:
            self._idle.append(worker)
            self._lock.notify()

    def invoke(self, event: Any, invoked_arn: str | None = None) -> InvokeResult:
        """Run one event; `invoked_arn` is the ARN the caller named (an alias ARN), for the handler's context.

        Throttled (the result's `throttled` says why) when the function has no concurrency available.
        """
        reason = self._concurrency.acquire(self.spec.name)
        if reason is not None:
            with self._lock:
                self.throttles += 1
            if self._observer:
                self._observer.throttled(self.spec.name, time.time())
            return throttled_result(reason)
        try:
            return self._run(event, invoked_arn)
        finally:
            self._concurrency.release(self.spec.name)

    def _run(self, event: Any, invoked_arn: str | None) -> InvokeResult:
        worker = self._borrow()
        started_at = time.time()
        if self._observer:
            self._observer.started(self.spec.name, started_at)
        result: InvokeResult | None = None
        try:
            result = worker.invoke(event, self.spec.timeout_s, invoked_arn)
            result.executed_version = self.spec.version
        finally:
            self._give_back(worker)
            if self._observer:
                self._observer.finished(self.spec.name, started_at, result)
        with self._lock:
            self.invocations += 1
            self.cold_starts += result.cold_start
            self.errors += result.error is not None
        return result

    def busy_pids(self) -> list[int]:
        """Processes of the environments running an invocation now (a fault test kills one)."""
        with self._lock:
            busy = [worker.pid for worker in self._all if worker not in self._idle]
        return [pid for pid in busy if pid is not None]

    def close(self) -> None:
        """Kill every environment, busy ones included: nothing may outlive the runner."""
        with self._lock:
            for worker in self._all:
                worker.stop()
            self._idle.clear()
