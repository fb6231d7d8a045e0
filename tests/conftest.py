"""Fixtures shared by every test layer: a real AWS emulator and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.postgres import PostgresServer


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
