"""Parent side of one warm execution environment: start, invoke with a deadline, kill on timeout.

A worker process lives across invocations like a Lambda execution
environment; a timeout, a crash or running out of memory ends it, and the next
invocation starts a fresh one (a cold start), which is what Lambda does. With
cgroups available the environment has its own group (CPU for its memory size,
memory as a hard limit), made when it starts and removed when it ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from local_stack.runtime.cgroups import ComputeGroups, EnvironmentGroup, launcher
from local_stack.runtime.compute_model import billed_duration_ms, report_line

WORKER_SCRIPT = Path(__file__).with_name("worker_main.py")
# "The Init phase is limited to 10 seconds. If all three tasks do not complete within 10 seconds, Lambda
# retries the Init phase at the time of the first function invocation with the configured function timeout."
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html): a cold start's init may
# take up to that long before the function's own timeout starts.
INIT_LIMIT_S = 10.0
OUT_OF_MEMORY = "Runtime.OutOfMemory"


@dataclass
class InvokeResult:
    """Outcome of one invocation, shaped after Lambda's Invoke response and its REPORT line."""

    request_id: str
    payload: Any = None
    error: dict[str, Any] | None = None
    cold_start: bool = False
    duration_s: float = 0.0  # Lambda's Duration: the handler's run (the timeout when it timed out), not its init
    executed_version: str = "$LATEST"  # X-Amz-Executed-Version: the version whose code ran
    init_duration_ms: float | None = None  # Init Duration of a cold start: process start to handler loaded
    memory_size_mb: int = 0
    max_memory_used_mb: int | None = None  # the environment's peak so far (its cgroup's, else the process's)
    throttled: str | None = None  # the throttle reason when Lambda refused to run it (TooManyRequestsException)
    cpu_ms: float | None = None  # CPU time of the handler's run (not a Lambda field: sizing scales it without cgroups)

    @property
    def function_error(self) -> str | None:
        """Lambda's X-Amz-Function-Error: set when the handler raised, timed out or crashed (not when throttled)."""
        return "Unhandled" if self.error and not self.throttled else None

    @property
    def billed_duration_ms(self) -> int:
        """Billed Duration: Duration plus a cold start's Init Duration, rounded up to 1 ms (0 when throttled)."""
        return 0 if self.throttled else billed_duration_ms(self.duration_s * 1000, self.init_duration_ms)


def throttled_result(reason: str) -> InvokeResult:
    """An invocation Lambda refused for want of concurrency: nothing ran, the caller gets HTTP 429."""
    error = {"errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded.", "Reason": reason}
    return InvokeResult(request_id=str(uuid.uuid4()), payload=error, error=error, throttled=reason)


@dataclass
class WarmWorker:
    python: str
    env: dict[str, str]
    function_arn: str
    log: IO[bytes] | None = None
    memory_mb: int = 128
    groups: ComputeGroups | None = None  # None: no limits (the host has no usable cgroups)
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _group: EnvironmentGroup | None = field(default=None, repr=False)
    _spawned_at: float = 0.0
    _buffer: bytearray = field(default_factory=bytearray, repr=False)

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.alive and self._process else None

    def _start(self) -> None:
        command = [self.python, "-I", "-S", str(WORKER_SCRIPT)]
        if self.groups is not None:
            self._group = self.groups.environment(self.memory_mb)
            command = launcher(self._group.procs_files, command)
        self._spawned_at = time.monotonic()
        self._buffer.clear()
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log or subprocess.DEVNULL,
            env=self.env, cwd=self.env["LAMBDA_TASK_ROOT"], start_new_session=True,
        )

    def invoke(self, event: Any, timeout_s: float, invoked_arn: str | None = None) -> InvokeResult:
        """One event through this environment; the context's invoked_function_arn is `invoked_arn` if given."""
        request_id = str(uuid.uuid4())
        cold = not self.alive
        if cold:
            self._start()
        assert self._process and self._process.stdin and self._process.stdout
        self._log(f"START RequestId: {request_id} Version: {self.env.get('AWS_LAMBDA_FUNCTION_VERSION', '$LATEST')}")
        request = {"event": event, "request_id": request_id, "function_arn": invoked_arn or self.function_arn,
                   "timeout_s": timeout_s, "spawned_at": self._spawned_at if cold else None}
        result = InvokeResult(request_id=request_id, cold_start=cold, memory_size_mb=self.memory_mb)
        started = time.monotonic()
        deadline = started + (INIT_LIMIT_S + timeout_s if cold else timeout_s)
        reply: dict[str, Any] | None = None
        line: bytes | None = b""
        try:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
            line = self._read_line(self._process.stdout, deadline)
            if line and cold and json.loads(line).get("ready"):  # the handler is loaded: its own timeout starts now
                result.init_duration_ms = json.loads(line)["init_ms"]
                started = time.monotonic()
                line = self._read_line(self._process.stdout, started + timeout_s)
        except BrokenPipeError:
            line = b""
        result.duration_s = time.monotonic() - started
        if line:
            reply = json.loads(line)
            result.error = reply.get("error")
            if "init_ms" in reply:  # the handler failed to load: the init's own reply
                result.init_duration_ms = reply["init_ms"]
            result.payload = reply.get("result") if result.error is None else result.error
            result.duration_s = reply.get("duration_ms", result.duration_s * 1000) / 1000
            result.max_memory_used_mb = self._peak_mb(reply)
            result.cpu_ms = reply.get("cpu_ms")
            if reply.get("fatal"):
                self.stop()
            self._report(result)
            return result
        if line is None:
            result.duration_s = timeout_s
            result.error = {"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {timeout_s:.2f} seconds"}
            status = "timeout"
        else:
            code = self._process.wait() if self._process else None
            if self._group is not None and self._group.oom_kills() > 0:
                result.error = {"errorType": OUT_OF_MEMORY,
                                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"}
            else:
                result.error = {"errorType": "Runtime.ExitError", "errorMessage": f"Runtime exited with status {code}"}
            status = "error"
        result.max_memory_used_mb = self._peak_mb(None)
        self.stop()
        result.payload = result.error
        # Lambda logs these for the function too; the handler never got to
        self._log(json.dumps({"level": "ERROR", "requestId": request_id, **result.error}))
        self._report(result, status)
        return result

    def _peak_mb(self, reply: dict[str, Any] | None) -> int | None:
        """Max Memory Used: the environment cgroup's peak, else the worker's own peak RSS."""
        if self._group is not None:
            return self._group.peak_memory_mb()
        rss_kb = reply.get("max_rss_kb") if reply else None
        return -(-int(rss_kb) // 1024) if rss_kb else None

    def _report(self, result: InvokeResult, status: str | None = None) -> None:
        self._log(f"END RequestId: {result.request_id}")
        error_type = result.error.get("errorType") if status and result.error else None
        self._log(report_line(result.request_id, result.duration_s * 1000, self.memory_mb, result.max_memory_used_mb,
                              result.init_duration_ms, error_type, status))

    def _log(self, line: str) -> None:
        if self.log:
            self.log.write(line.encode() + b"\n")
            self.log.flush()

    def _read_line(self, stream: IO[bytes], deadline: float) -> bytes | None:
        """One protocol line, b"" at end of stream, or None when the deadline passes first."""
        fd = stream.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return b""
                self._buffer += chunk
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer[:] = rest
        return line + b"\n"

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream:
                    stream.close()
            self._process = None
        if self._group is not None:
            self._group.remove()
            self._group = None
