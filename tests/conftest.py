"""Tiers by folder, groups for parallel runs, and the fixtures shared by every tier: a real AWS
emulator and a real PostgreSQL.

The first folder under tests/ is the tier and the marker: tests/unit (no emulator, no apply),
tests/terraform (validate, `terraform test`, docs, checkov, plans), tests/integration (applies, local stack).
Helpers that tests of several tiers import (kinesis_events.py, lambda_layout.py) sit beside this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.postgres import PostgresServer

TIERS = ("unit", "terraform", "integration")
TESTS_DIR = Path(__file__).resolve().parent
# `make test` runs four pytest-xdist workers. Tests that share costly setup (a session or package
# fixture of their folder's conftest.py: the root stack, every configuration's init/validate, the
# plan-check fixtures' plans, the wheel downloads) live in one folder, so each folder runs on one
# worker and that setup is made once. The slowest folders start first, each on its own worker.
SLOWEST_FIRST = ("terraform", "integration/root_stack", "integration", "integration/runner", "integration/examples",
                 "integration/consumers", "terraform/plan_check", "integration/functions")


def _folder(item: pytest.Item) -> str:
    return item.path.resolve().parent.relative_to(TESTS_DIR).as_posix()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = item.path.resolve().relative_to(TESTS_DIR).parts[0]
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: a test must live under tests/{{unit,terraform,integration}}/")
        item.add_marker(getattr(pytest.mark, tier))
    rank = {folder: i for i, folder in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(_folder(item), len(rank)))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's scheduling by scope, with the test's folder as the scope and the order above kept."""
    from xdist.scheduler import LoadScopeScheduling

    class ByFolder(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return nodeid.split("::", 1)[0].rpartition("/")[0]

    config.option.loadscopereorder = False  # by test count otherwise; SLOWEST_FIRST knows better
    return ByFolder(config, log)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server per test session; tests isolate by resource names or `reset()`."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def aws_env(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """Point boto3 in this process at the emulator for the duration of a test."""
    for key, value in moto_server.env().items():
        monkeypatch.setenv(key, value)
    return moto_server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server
