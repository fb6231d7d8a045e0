"""Fixtures of the integration tier (tests/conftest.py marks every test here `integration`)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from local_stack.demo.session import LocalSession
from local_stack.emulators.moto_server import MotoServer
from local_stack.esm.mapping_runner import RunnerOptions


@pytest.fixture(scope="module")
def own_moto() -> Iterator[MotoServer]:
    """A moto server for this module alone: the runner reads every mapping, so no one else's may be there."""
    with MotoServer() as server:
        yield server


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="session")
def root_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSession]:
    """The repository's root module applied once per test session, as `make up` does: its own emulator,
    PostgreSQL and mapping runner. The apply takes about two minutes, so every test that needs the
    deployed pipeline shares this one; each asserts on what its own traffic changed, never on totals.
    Torn down (terraform destroy) after the last of them; nothing may be left running."""
    local = LocalSession(state_dir=tmp_path_factory.mktemp("local-stack"), runner_options=RunnerOptions(poll_interval_s=0.1))
    local.start()
    yield local
    pids = [p._process.pid for p in (local.moto, local.postgres) if p and p._process]
    local.close()
    assert local.destroy_error is None, local.destroy_error
    assert not [pid for pid in pids if _alive(pid)], "emulator or database still running after teardown"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on `root_stack` run last and together, so its emulator, database and runner workers
    (which poll the streams all the time) are up only while they run and slow no other test."""
    items.sort(key=lambda item: "root_stack" in getattr(item, "fixturenames", ()))
