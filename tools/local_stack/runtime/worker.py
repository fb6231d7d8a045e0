"""Parent side of one warm execution environment: start, invoke with a deadline, kill on timeout.

A worker process lives across invocations like a Lambda execution
environment; a timeout or a crash ends it, and the next invocation starts a
fresh one (a cold start), which is what Lambda does after a timeout.
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

WORKER_SCRIPT = Path(__file__).with_name("worker_main.py")


@dataclass
class InvokeResult:
    """Outcome of one invocation, shaped after Lambda's Invoke response."""

    request_id: str
    payload: Any = None
    error: dict[str, Any] | None = None
    cold_start: bool = False
    duration_s: float = 0.0  # Lambda's Duration: the handler's run (the timeout when it timed out), not its init
    executed_version: str = "$LATEST"  # X-Amz-Executed-Version: the version whose code ran

    @property
    def function_error(self) -> str | None:
        """Lambda's X-Amz-Function-Error: set when the handler raised, timed out or crashed."""
        return "Unhandled" if self.error else None


@dataclass
class WarmWorker:
    python: str
    env: dict[str, str]
    function_arn: str
    log: IO[bytes] | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.alive and self._process else None

    def _start(self) -> None:
        self._process = subprocess.Popen(
            [self.python, "-I", "-S", str(WORKER_SCRIPT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log or subprocess.DEVNULL,
            env=self.env, cwd=self.env["LAMBDA_TASK_ROOT"], start_new_session=True,
        )

    def invoke(self, event: Any, timeout_s: float, invoked_arn: str | None = None) -> InvokeResult:
        """One event through this environment; the context's invoked_function_arn is `invoked_arn` if given."""
        request_id = str(uuid.uuid4())
        cold = not self.alive
        if cold:
            self._start()
        assert self._process and self._process.stdin and self._process.stdout
        started = time.monotonic()
        request = {"event": event, "request_id": request_id, "function_arn": invoked_arn or self.function_arn,
                   "deadline_epoch": time.time() + timeout_s}
        result = InvokeResult(request_id=request_id, cold_start=cold)
        try:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
            line = self._read_line(self._process.stdout, started + timeout_s)
        except BrokenPipeError:
            line = b""
        result.duration_s = time.monotonic() - started
        if line:
            reply = json.loads(line)
            if reply.get("fatal"):
                self.stop()
            result.error = reply.get("error")
            result.payload = reply.get("result") if result.error is None else result.error
            result.duration_s = reply.get("duration_ms", result.duration_s * 1000) / 1000
            return result
        if line is None:
            self.stop()
            result.duration_s = timeout_s
            result.error = {"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {timeout_s:.2f} seconds"}
        else:
            code = self._process.wait() if self._process else None
            self.stop()
            result.error = {"errorType": "Runtime.ExitError", "errorMessage": f"Runtime exited with status {code}"}
        result.payload = result.error
        if self.log:  # Lambda logs these for the function too; the handler never got to
            self.log.write(json.dumps({"level": "ERROR", "requestId": request_id, **result.error}).encode() + b"\n")
            self.log.flush()
        return result

    @staticmethod
    def _read_line(stream: IO[bytes], deadline: float) -> bytes | None:
        """One protocol line, or None when the deadline passes first."""
        buffer = bytearray()
        fd = stream.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return bytes(buffer)
                buffer += chunk
                if buffer.endswith(b"\n"):
                    return bytes(buffer)

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream:
                stream.close()
        self._process = None
