"""One invoker per deployed function version, created on first use and shared by mappings and SNS deliveries.

A caller that names an alias gets the invoker of the version the alias points at when it asks,
so asking once per invocation follows the alias as Lambda does. Every invoker shares one concurrency
ledger (the account's) and the runner's cgroups.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pipeline_contract.manifest import Manifest

from local_stack.runtime.cgroups import ComputeGroups
from local_stack.runtime.concurrency import ConcurrencyLedger
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
    concurrency: ConcurrencyLedger = field(default_factory=ConcurrencyLedger)
    groups: ComputeGroups | None = None  # None: workers run without CPU and memory limits
    _invokers: dict[tuple[str, str], FunctionInvoker] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, name_or_arn: str) -> FunctionInvoker:
        """The invoker of the code `name_or_arn` runs now: $LATEST, that version, or the alias's version."""
        ref = FunctionRef.parse(name_or_arn)
        version = code_version(ref, self._get_alias, random.random())
        with self._lock:
            if (ref.name, version) not in self._invokers:
                spec = resolve_function(self.lambda_client, ref.name, version, self.manifest, self.cache_dir)
                if not any(name == ref.name for name, _ in self._invokers):
                    self.concurrency.set_reserved(ref.name, self._reserved_concurrency(ref.name))
                self._invokers[ref.name, version] = FunctionInvoker(
                    spec, self.python, self.runtime_dir, self.aws_env, self.overrides, self.max_workers, self.log,
                    self.observer, self.concurrency, self.groups)
            return self._invokers[ref.name, version]

    def _get_alias(self, function_name: str, alias: str) -> dict[str, Any]:
        found: dict[str, Any] = self.lambda_client.get_alias(FunctionName=function_name, Name=alias)
        return found

    def _reserved_concurrency(self, function_name: str) -> int | None:
        found = self.lambda_client.get_function_concurrency(FunctionName=function_name)
        reserved = found.get("ReservedConcurrentExecutions")
        return None if reserved is None else int(reserved)

    def refresh_concurrency(self) -> None:
        """Re-read every function's reserved concurrency: the unreserved pool is the account limit
        less the reservations of all functions, invoked here or not (PutFunctionConcurrency applies at once)."""
        paginator = self.lambda_client.get_paginator("list_functions")
        names = [function["FunctionName"] for page in paginator.paginate() for function in page["Functions"]]
        reserved = {name: self._reserved_concurrency(name) for name in names}
        self.concurrency.replace_reserved({name: value for name, value in reserved.items() if value is not None})

    def all(self) -> list[FunctionInvoker]:
        with self._lock:
            return list(self._invokers.values())

    def close(self) -> None:
        for invoker in self.all():
            invoker.close()
