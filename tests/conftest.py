"""Tiers by folder, and the fixtures shared by every tier: a real AWS emulator and a real PostgreSQL.

The first folder under tests/ is the tier and the marker: tests/unit (no emulator, no apply),
tests/terraform (validate, `terraform test`, docs, checkov, plans), tests/integration (applies, local stack).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.postgres import PostgresServer

TIERS = ("unit", "terraform", "integration")
TESTS_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = item.path.resolve().relative_to(TESTS_DIR).parts[0]
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: a test must live under tests/{{unit,terraform,integration}}/")
        item.add_marker(getattr(pytest.mark, tier))


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
