"""Fixtures of the integration tier (tests/conftest.py marks every test here `integration`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from local_stack.emulators.moto_server import MotoServer

from tests.integration.emulated_stack import Stack


@pytest.fixture(scope="module")
def own_moto() -> Iterator[MotoServer]:
    """A moto server for this module alone: the runner reads every mapping, so no one else's may be there."""
    with MotoServer() as server:
        yield server


@pytest.fixture
def stack(own_moto: MotoServer, tmp_path: Path) -> Stack:
    """The module's emulator, reset, with the fixture functions' artifacts under tmp_path."""
    return Stack(own_moto, tmp_path)
