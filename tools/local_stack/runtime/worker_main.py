"""Body of one warm Lambda execution environment, run as `python -I -S worker_main.py`.

Standard library only: it must not see the dev venv, just the task dir, the
layers and the runtime's boto3, in Lambda's order. Module-level code of the
handler runs once, at the first request, as on AWS.
"""

import importlib
import json
import os
import resource
import site
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The attributes and method handlers use from Lambda's context object."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = request["function_arn"]
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = request["request_id"]
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.time() + request["timeout_s"]  # the timeout runs from the invocation's start, init excluded

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _since(monotonic_start: float) -> float:
    return (time.monotonic() - monotonic_start) * 1000


def _setup_path(task_dir: str, opt_dir: str, runtime_dir: str) -> None:
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    sys.path[:0] = [task_dir, os.path.join(opt_dir, "python", "lib", version, "site-packages"), os.path.join(opt_dir, "python")]
    site.addsitedir(runtime_dir)


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # handler prints go to the log, never into the protocol stream
    sys.stdout = os.fdopen(1, "w", buffering=1)
    _setup_path(os.environ["LAMBDA_TASK_ROOT"], os.environ["LOCAL_STACK_OPT_DIR"], os.environ["LOCAL_STACK_RUNTIME_DIR"])
    os.chdir(os.environ["LAMBDA_TASK_ROOT"])
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    handler = None
    for line in sys.stdin:
        cpu_started = time.process_time()  # the environment's CPU for this request: decoding it to the reply
        received = time.perf_counter()
        request = json.loads(line)
        decoding_s = time.perf_counter() - received
        if handler is None:
            try:
                handler = getattr(importlib.import_module(module_name), function_name)
            except Exception as exc:
                error = _error(exc, "Runtime.ImportModuleError")
                sys.stderr.write(json.dumps({"level": "ERROR", **error}) + "\n")
                protocol.write(json.dumps({"error": error, "fatal": True, "init_ms": _since(request["spawned_at"])}) + "\n")
                return
            # Init Duration: from the process's start (the parent's clock, CLOCK_MONOTONIC is system-wide) to the handler loaded
            protocol.write(json.dumps({"ready": True, "init_ms": _since(request["spawned_at"])}) + "\n")
        # Lambda's Duration runs from the runtime receiving the event (/next) to its response, so it holds the
        # runtime's decoding of the event, which an environment's CPU share slows too; initialisation excluded.
        started = time.perf_counter() - decoding_s
        try:
            result = handler(request["event"], LambdaContext(request))
            reply = {"result": result, "duration_ms": (time.perf_counter() - started) * 1000}
        except Exception as exc:
            error = _error(exc)
            # Lambda's runtime logs unhandled errors beside the function's own output.
            sys.stderr.write(json.dumps({"level": "ERROR", "requestId": request["request_id"], **error}) + "\n")
            reply = {"error": error, "duration_ms": (time.perf_counter() - started) * 1000}
        # CPU time of the request (not a Lambda field): sizing scales it where no cgroup limits the CPU.
        reply["cpu_ms"] = (time.process_time() - cpu_started) * 1000
        # Peak resident memory of this process: Max Memory Used where the environment has no cgroup to ask.
        reply["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sys.stdout.flush()
        sys.stderr.flush()
        protocol.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
