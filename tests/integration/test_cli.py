"""`python -m local_stack` refuses clearly when there is nothing to talk to, and `up` reports a failed start;
with a running stack, `wait` and `make status` (python -m operations.status) tell when it has drained, and
`down` leaves nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from local_stack.demo.sink_faults import server_outage
from local_stack.emulators.child_servers import listening
from local_stack.emulators.postgres import server_processes
from repo_paths import REPO_ROOT as REPO


def run(state_dir: Path, *args: str, timeout: float = 120, module: str = "local_stack") -> subprocess.CompletedProcess:
    env = {**os.environ, "LOCAL_STACK_STATE_DIR": str(state_dir)}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


def status(state_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return run(state_dir, "--local", *args, module="operations.status")


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_send_without_a_running_stack_fails_with_the_fix(tmp_path: Path) -> None:
    result = run(tmp_path, "send", "--records", "5")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no local stack is running; start one with `make up`"


def test_down_without_a_running_stack_is_a_no_op(tmp_path: Path) -> None:
    result = run(tmp_path, "down")
    assert result.returncode == 0 and "no local stack is running" in result.stdout


def test_down_cleans_up_after_a_stack_that_died(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / "stack.json").write_text(f'{{"pid": {dead.pid}}}')
    result = run(tmp_path, "down")
    assert result.returncode == 0 and "already gone" in result.stdout
    assert not (tmp_path / "stack.json").exists()


def test_up_refuses_a_second_stack(tmp_path: Path) -> None:
    (tmp_path / "stack.json").write_text('{"pid": 1}')
    result = run(tmp_path, "up", "--no-build")
    assert result.returncode == 1 and "already running" in result.stderr


def test_unknown_traffic_option_is_rejected_by_name(tmp_path: Path) -> None:
    result = run(tmp_path, "send", "--records", "many")
    assert result.returncode == 2 and "--records: invalid int value: 'many'" in result.stderr


@pytest.mark.parametrize("command", [("operations.status", "--local"), ("local_stack", "wait")])
def test_status_and_wait_without_a_running_stack_fail_with_the_fix(tmp_path: Path, command: tuple[str, str]) -> None:
    result = run(tmp_path, command[1], module=command[0])
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no local stack is running; start one with `make up`"


def test_wait_status_and_a_down_that_stops_a_restarted_database(tmp_path: Path) -> None:
    """up, send, wait, status says drained; an outage restarts PostgreSQL (pg_ctl: nobody's child),
    `wait` times out while it is down and succeeds after; `down` leaves no process and frees the port."""
    up = run(tmp_path, "up", timeout=900)
    assert up.returncode == 0, up.stderr + up.stdout
    info = json.loads((tmp_path / "stack.json").read_text())
    data, port = Path(info["postgres"]["data_dir"]), info["postgres"]["port"]
    restarted: set[int] = set()
    try:
        assert run(tmp_path, "send", "--records", "600", "--malformed", "0.01", "--seed", "3").returncode == 0
        waited = run(tmp_path, "wait", "--timeout", "120")
        assert waited.returncode == 0 and waited.stdout.startswith("drained in"), waited.stderr
        report = status(tmp_path, "--json")
        assert report.returncode == 0, report.stderr + report.stdout
        document = json.loads(report.stdout)
        assert document["runner"]["drained"] is True and document["runner"]["not_drained_because"] is None
        assert document["target"].startswith(f"local stack at {info['endpoint']}") and document["problems"] == []
        assert [s["name"] for s in document["streams"]] == [info["stream"]] and document["shards"]
        assert all(s["stream"] == info["stream"] for s in document["shards"])
        assert all(s["state"] == "caught up" and s["records_behind"]["value"] == 0 for s in document["shards"])
        assert sum(s["runner"]["records_read"] for s in document["shards"]) == 600
        assert all(s["runner"]["pending"] == 0 and s["runner"]["in_flight"] == 0 for s in document["shards"])
        [mapping] = document["mappings"]
        assert mapping["state"] == "Enabled" and mapping["event_source"] == info["stream"]
        dead_letter = document["queues"][0]
        assert (dead_letter["label"], dead_letter["messages"]) == ("dead-letter queue", 6), "the six malformed records, one ~900 KB through S3"
        table = status(tmp_path)
        assert table.returncode == 0 and "local runner drained: yes" in table.stdout and "6 messages" in table.stdout

        with server_outage(data, port):
            assert run(tmp_path, "send", "--records", "200", "--malformed", "0", "--seed", "4").returncode == 0
            timed_out = run(tmp_path, "wait", "--timeout", "2")
            assert timed_out.returncode == 1 and timed_out.stdout == ""
            assert timed_out.stderr.startswith("error: not drained within 2 s: ") and timed_out.stderr.count("\n") == 1
        restarted = server_processes(data)
        assert restarted, "PostgreSQL runs again, restarted by pg_ctl"
        assert run(tmp_path, "wait", "--timeout", "300").returncode == 0
    finally:
        down = run(tmp_path, "down")
    assert down.returncode == 0, down.stderr
    assert not [pid for pid in restarted if running(pid)], "the restarted PostgreSQL outlived `make down`"
    assert server_processes(data) == set() and not listening(port) and not data.exists()
    assert not (tmp_path / "stack.json").exists() and not (tmp_path / "status.json").exists()
