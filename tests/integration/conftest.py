"""Fixtures of the integration tier (tests/conftest.py marks every test here `integration`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_stack.emulators.moto_server import MotoServer


@pytest.fixture(scope="module")
def own_moto() -> Iterator[MotoServer]:
    """A moto server for this module alone: the runner reads every mapping, so no one else's may be there."""
    with MotoServer() as server:
        yield server
