"""One invoker per deployed function version, created on first use and shared by mappings and SNS deliveries.

A caller that names an alias gets the invoker of the version the alias points at when it asks,
so asking once per invocation follows the alias as Lambda does.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pipeline_contract.manifest import Manifest

from local_stack.runtime.function_versions import FunctionRef, code_version
from local_stack.runtime.invoker import FunctionInvoker, InvocationObserver, LocalOverrides, resolve_function


@dataclass
class FunctionRegistry:
    lambda_client: Any
    manifest: Manifest
    cache_dir: Path
    python: str
    runtime_dir: Path
    aws_env: dict[str, str]
    overrides: LocalOverrides = field(default_factory=LocalOverrides)
    max_workers: int = 4
    log: IO[bytes] | None = None
    observer: InvocationObserver | None = None
    _invokers: dict[tuple[str, str], FunctionInvoker] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, name_or_arn: str) -> FunctionInvoker:
        """The invoker of the code `name_or_arn` runs now: $LATEST, that version, or the alias's version."""
        ref = FunctionRef.parse(name_or_arn)
        version = code_version(ref, self._get_alias, random.random())
        with self._lock:
            if (ref.name, version) not in self._invokers:
                spec = resolve_function(self.lambda_client, ref.name, version, self.manifest, self.cache_dir)
                self._invokers[ref.name, version] = FunctionInvoker(
                    spec, self.python, self.runtime_dir, self.aws_env, self.overrides, self.max_workers, self.log, self.observer)
            return self._invokers[ref.name, version]

    def _get_alias(self, function_name: str, alias: str) -> dict[str, Any]:
        found: dict[str, Any] = self.lambda_client.get_alias(FunctionName=function_name, Name=alias)
        return found

    def all(self) -> list[FunctionInvoker]:
        with self._lock:
            return list(self._invokers.values())

    def close(self) -> None:
        for invoker in self.all():
            invoker.close()
