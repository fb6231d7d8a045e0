"""Measurements of the built function: its zip in dist/, run as the local stack runs it, against a real PostgreSQL.

Each memory size gets one warm execution environment (the local stack's FunctionInvoker and worker,
in a cgroup with that memory size's CPU quota and memory limit) and a fresh database, so every memory
size starts from the same empty sink and processes the same batches. Per batch size: warm-up
batches first (the environment's cold start, then the first batch of a new size), then the measured
ones. The cold start is reported as the environment's Init Duration, never inside a batch's duration.

Without usable cgroups the environments run at whatever CPU the host gives; this says so once and
stretches each batch's measured CPU time by 1,769 / memory (grid.scaled_duration_ms).
"""

from __future__ import annotations

import dataclasses
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg
from local_stack.demo.session import LOCAL_DB_ENV
from local_stack.emulators.postgres import PostgresServer
from local_stack.esm.kinesis_records import StreamRecord
from local_stack.runtime.artifacts import CodeZip, unpack_function
from local_stack.runtime.cgroups import ComputeGroups
from local_stack.runtime.invoker import FunctionInvoker, FunctionSpec
from local_stack.runtime.runtime_env import STATE_DIR, runtime_site_dir
from local_stack.runtime.worker import InvokeResult
from pipeline_contract.errors import ManifestError
from pipeline_contract.manifest import Artifact, ZipState, zip_state
from pipeline_contract.manifest import load as load_manifest
from python_finder import find_python
from repo_paths import REPO_ROOT

from sizing.errors import SizingError
from sizing.grid import Grid, scaled_duration_ms
from sizing.measurement import Measurement
from sizing.sample_records import batch_event
from sizing.sources.base import MeasurementSource

FUNCTION = "stream_processor"
REGION = "us-east-1"
ACCOUNT = "123456789012"
STREAM_ARN = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/sizing"
TIMEOUT_S = 60.0  # the reference root's processor_timeout
# The measured batches are valid records: the function never calls AWS. Its clients point at a port
# that refuses connections, so a call that does happen fails the batch instead of reaching an account.
NO_AWS = {"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
          "AWS_ACCESS_KEY_ID": "sizing", "AWS_SECRET_ACCESS_KEY": "sizing"}


def progress(line: str) -> None:
    print(f"==> {line}", file=sys.stderr, flush=True)


@dataclass
class BuiltFunctionSource(MeasurementSource):
    grid: Grid
    records: Callable[[int, int], list[StreamRecord]]  # (wanted, needed) -> records (generated, or read from a stream)
    records_label: str  # "generated clickstream" or "stream NAME", for the report
    manifest_path: Path = REPO_ROOT / "dist" / "manifest.json"
    state_dir: Path = STATE_DIR  # the local stack's: its runtime packages and unpacked code are reused
    compute_limits: bool = True  # False: measure without cgroups (the fallback), as a host without them does
    log_path: Path | None = None  # the function's log (START/END/REPORT lines and its own output)
    say: Callable[[str], None] = progress
    compute_note: str | None = None  # set by measurements(): why the CPU share was scaled rather than enforced
    _measured: list[Measurement] = field(default_factory=list)

    def describe(self) -> str:
        how = (self.compute_note and "CPU time scaled, cgroups unavailable") or "CPU share enforced by cgroups"
        return (f"measured: dist/{FUNCTION}.zip on {self.records_label} against PostgreSQL, "
                f"{self.grid.batches_per_cell} batch(es) per cell, {how}")

    def _function(self, cache_dir: Path) -> tuple[Artifact, Path, Path]:
        """The built function and its layers from the manifest, unpacked as Lambda lays them out."""
        try:
            manifest = load_manifest(self.manifest_path)
        except (ManifestError, OSError) as exc:
            raise SizingError(f"{self.manifest_path}: no usable build manifest ({exc}): run `make build`") from None
        artifact = manifest.artifacts.get(FUNCTION)
        if artifact is None or artifact.handler is None:
            raise SizingError(f"{self.manifest_path}: has no function {FUNCTION}: run `make build`")
        zips = []
        for item in [artifact, *(manifest.artifacts[name] for name in artifact.layers)]:
            path = manifest.zip_path(item)
            if zip_state(path, item) is not ZipState.CURRENT:
                raise SizingError(f"{path}: missing or not the zip the manifest describes: run `make build`")
            zips.append(CodeZip(path, item.source_code_hash))
        task_dir, opt_dir = unpack_function(zips[0], zips[1:], cache_dir)
        return artifact, task_dir, opt_dir

    def measurements(self) -> list[Measurement]:
        if self._measured:
            return self._measured
        python = find_python("3.12")
        if python is None:
            raise SizingError("no Python 3.12 found for the function's environment: install CPython 3.12 (e.g. pyenv install 3.12)")
        records = self.records(self.grid.wanted_records, self.grid.min_records)
        slices = dict(zip(self.grid.batch_sizes, self.grid.cell_slices(len(records)), strict=True))
        artifact, task_dir, opt_dir = self._function(self.state_dir / "code")
        runtime_dir = runtime_site_dir(python, state_dir=self.state_dir)
        with ExitStack() as stack:
            groups = ComputeGroups.setup() if self.compute_limits else "turned off (compute_limits=False)"
            if isinstance(groups, ComputeGroups):
                stack.callback(groups.close)
            else:
                self.compute_note = (f"Lambda compute model not enforced: {groups}; measured CPU time is scaled by "
                                     "1769/memory instead (docs/sizing.md)")
                self.say(f"warning: {self.compute_note}")
            postgres = PostgresServer(database="postgres").start()
            stack.callback(postgres.stop)
            log: IO[bytes] | None = None
            if self.log_path:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                log = stack.enter_context(open(self.log_path, "ab"))
            base = FunctionSpec(name=FUNCTION, arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}", version="$LATEST",
                                role=f"arn:aws:iam::{ACCOUNT}:role/{FUNCTION}", handler=str(artifact.handler),
                                timeout_s=TIMEOUT_S, memory_mb=128, environment={}, task_dir=task_dir, opt_dir=opt_dir)
            cell = 0
            for memory in self.grid.memory_sizes:
                database = _fresh_database(postgres)
                spec = dataclasses.replace(base, memory_mb=memory, environment={
                    "LOG_LEVEL": "INFO", "DB_HOST": "127.0.0.1", "DB_PORT": str(postgres.port), "DB_NAME": database,
                    "DB_USER": "postgres", **LOCAL_DB_ENV, "DLQ_URL": f"{NO_AWS['AWS_ENDPOINT_URL']}/{ACCOUNT}/sizing-dead-letter",
                    "DLQ_PAYLOAD_BUCKET": "sizing-dead-letter"})
                invoker = FunctionInvoker(spec, python, runtime_dir, NO_AWS, max_workers=1, log=log,
                                          groups=groups if isinstance(groups, ComputeGroups) else None)
                try:
                    init_ms: float | None = None
                    for batch_size in self.grid.batch_sizes:
                        cell += 1
                        self.say(f"cell {cell}/{len(self.grid.cells)}: {memory} MB, batch size {batch_size}")
                        start, end = slices[batch_size]
                        measured, init = self._cell(invoker, records[start:end], memory, batch_size)
                        init_ms = init if init is not None else init_ms
                        self._measured += [dataclasses.replace(m, init_duration_ms=init_ms) for m in measured]
                finally:
                    invoker.close()
        if not self._measured:
            raise SizingError("no cell of the grid could be measured (see the lines above): try larger --memory-sizes")
        return self._measured

    def _cell(self, invoker: FunctionInvoker, records: list[StreamRecord], memory: int,
              batch_size: int) -> tuple[list[Measurement], float | None]:
        """The measured batches of one (memory, batch size), back to back over the cell's records, and the Init
        Duration of a cold start among its runs."""
        batches = [records[i:i + batch_size] for i in range(0, len(records) - batch_size + 1, batch_size)]
        init: float | None = None
        measured: list[Measurement] = []
        started = time.monotonic()
        for i, batch in enumerate(batches):
            if i == self.grid.warmup_batches:
                started = time.monotonic()
            if self.grid.cell_done(len(measured), time.monotonic() - started):
                break
            event = batch_event(batch, STREAM_ARN, REGION, invoker.spec.role)
            sent = time.monotonic()
            result = invoker.invoke(event)
            cycle_ms = (time.monotonic() - sent) * 1000
            if result.cold_start:
                init = result.init_duration_ms
            if problem := _failure(result):
                self.say(f"  {memory} MB, batch size {batch_size}: not measured: {problem}")
                return [], init
            if i < self.grid.warmup_batches or result.cold_start:
                continue  # warm-up: the environment's first batch, or the first of this size
            duration_ms = result.duration_s * 1000
            if self.compute_note is not None:  # the handoff outside Duration as measured, the Duration scaled
                scaled_ms = scaled_duration_ms(duration_ms, result.cpu_ms or 0.0, memory)
                cycle_ms += scaled_ms - duration_ms
                duration_ms = scaled_ms
            measured.append(Measurement(memory, batch_size, duration_ms, len(batch), float(result.max_memory_used_mb or 1),
                                        cycle_ms=max(cycle_ms, duration_ms)))
        return measured, init


def _failure(result: InvokeResult) -> str | None:
    """Why a batch does not count as a measurement: the function failed, or failed records in it."""
    if result.error is not None:
        return f"{result.error.get('errorType')}: {str(result.error.get('errorMessage'))[:200]}"
    payload: Any = result.payload
    failures = payload.get("batchItemFailures") if isinstance(payload, dict) else None
    if failures:
        return f"the function returned {len(failures)} batchItemFailures (see its log)"
    return None


def _fresh_database(postgres: PostgresServer) -> str:
    """An empty database for one memory size (the function creates its tables on first use)."""
    name = f"size_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name
