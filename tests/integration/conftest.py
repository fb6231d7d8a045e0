"""Everything under tests/integration needs the emulator; mark it so `-m "not integration"` skips it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from local_stack.emulators.moto_server import MotoServer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="module")
def own_moto() -> Iterator[MotoServer]:
    """A moto server for this module alone: the runner reads every mapping, so no one else's may be there."""
    with MotoServer() as server:
        yield server
