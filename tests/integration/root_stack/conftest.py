"""The repository's root module applied once per test session and shared by every test that needs it.

Every such test lives in this package: the fixture is package-scoped, so the stack is applied
before the first of them and destroyed right after the last, in a serial run and on the one
xdist worker that runs this folder (tests/conftest.py), instead of staying up (its runner
polling the streams) while unrelated tests run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from local_stack.demo.session import LocalSession
from local_stack.esm.mapping_runner import RunnerOptions


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="package")
def root_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSession]:
    """The root module applied as `make up` does: build, its own emulator and PostgreSQL, apply, the
    mapping runner. The apply takes about two minutes, which is why it is shared: each test asserts
    on what its own traffic changed, never on totals. Then terraform destroy; nothing may be left running."""
    local = LocalSession(state_dir=tmp_path_factory.mktemp("local-stack"), runner_options=RunnerOptions(poll_interval_s=0.1))
    local.start()
    yield local
    pids = [p._process.pid for p in (local.moto, local.postgres) if p and p._process]
    local.close()
    assert local.destroy_error is None, local.destroy_error
    assert not [pid for pid in pids if _alive(pid)], "emulator or database still running after teardown"
