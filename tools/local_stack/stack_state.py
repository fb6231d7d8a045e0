"""What `make up` leaves for the commands run beside it: what runs (stack.json) and how far the pipeline is (status.json).

`make up` runs the stack in a background process (`serve`); `send`, `status`, `wait` and `down`
are other processes. `serve` writes stack.json once the stack is up and status.json every
REPORT_INTERVAL_S (atomically: a reader sees a whole file or the previous one), and removes both
when it stops. A file is simpler than a loopback endpoint and needs no port.

Drained means what the demo decides in-process: every shard read up to its tip, nothing buffered
or in flight, no asynchronous invocation running. To wait for traffic sent before it began, `wait`
also needs each shard's tip confirmed by a GetRecords sent after that moment: only then were those
records visible to the reader.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from atomic_files import write_text_atomic

from local_stack.demo.session import STATE_DIR
from local_stack.esm.mapping_runner import MappingRunner

STACK_FILE = STATE_DIR / "stack.json"
STATUS_FILE = STATE_DIR / "status.json"
REPORT_INTERVAL_S = 0.25
STALE_AFTER_S = 5.0  # no report for this long: the runner is stuck or gone
RECENT_TIP_S = 2.0  # `status` calls a shard caught up when its tip was confirmed this recently


class NoStack(RuntimeError):
    """No local stack is running (or it has not reported yet); the message says what to do."""


def write_status(runner: MappingRunner, path: Path = STATUS_FILE) -> None:
    status = {
        "written_at": time.time(),
        "shards": [asdict(shard) for shard in runner.shard_status()],
        "async_in_flight": runner.sns.busy(),
        "errors": runner.all_errors()[-5:],
        "compute": runner.compute_note,  # set when Lambda's compute model is not enforced, and why
    }
    write_text_atomic(path, json.dumps(status, indent=1))


def read_stack(path: Path = STACK_FILE) -> dict[str, Any]:
    try:
        info: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise NoStack("no local stack is running; start one with `make up`") from None
    return info


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def read_running_stack(path: Path = STACK_FILE) -> dict[str, Any]:
    """stack.json of a stack whose process still runs; NoStack with the fix when it died without `make down`."""
    info = read_stack(path)
    if process_gone(info["pid"]):
        raise NoStack(f"the local stack (pid {info['pid']}) is not running; `make down` cleans up, `make up` starts one")
    return info


def read_status(path: Path = STATUS_FILE) -> dict[str, Any]:
    try:
        status: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise NoStack(f"the local stack has not reported its status ({path}); is `make up` still starting?") from None
    return status


def not_drained(status: dict[str, Any], since: float, now: float) -> str | None:
    """Why the pipeline is not drained, in one line, or None when it is (`since`: see the module docstring)."""
    age = now - status["written_at"]
    if age > STALE_AFTER_S:
        return f"the stack has not reported for {age:.0f} s (see .local-stack/serve.log)"
    moment = time.strftime("%H:%M:%S", time.localtime(since))
    if status["written_at"] < since:
        return f"no report since {moment}"
    reasons = []
    for shard in status["shards"]:
        if not shard["idle"]:
            reasons.append(f"{shard['shard']}: {shard['pending']:,} pending, {shard['in_flight']} batch(es) in flight, "
                           f"{shard['millis_behind_latest']:,} ms behind")
        elif shard["tip_seen_at"] < since and not shard.get("ended"):  # a closed shard read to its end has no tip
            reasons.append(f"{shard['shard']}: not read to its tip since {moment}")
    if status["async_in_flight"]:
        reasons.append("asynchronous invocations (failure handler) running")
    return "; ".join(reasons) or None


def recently_drained(status: dict[str, Any], now: float) -> str | None:
    """`not_drained` for `status`: each shard's tip confirmed within the last RECENT_TIP_S."""
    return not_drained(status, now - RECENT_TIP_S, now)
