"""One invoker per deployed function, created on first use and shared by mappings and SNS deliveries."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pipeline_contract.manifest import Manifest

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
    _invokers: dict[str, FunctionInvoker] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, name_or_arn: str) -> FunctionInvoker:
        name = name_or_arn.split(":function:")[-1].split(":")[0]
        with self._lock:
            if name not in self._invokers:
                spec = resolve_function(self.lambda_client, name, self.manifest, self.cache_dir)
                self._invokers[name] = FunctionInvoker(spec, self.python, self.runtime_dir, self.aws_env,
                                                       self.overrides, self.max_workers, self.log, self.observer)
            return self._invokers[name]

    def all(self) -> list[FunctionInvoker]:
        with self._lock:
            return list(self._invokers.values())

    def close(self) -> None:
        for invoker in self.all():
            invoker.close()
