"""`python -m local_stack` refuses clearly when there is nothing to talk to, and `up` reports a failed start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from repo_paths import REPO_ROOT as REPO


def run(state_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOCAL_STACK_STATE_DIR": str(state_dir)}
    return subprocess.run([sys.executable, "-m", "local_stack", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


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
