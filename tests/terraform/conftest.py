"""Shared state of the terraform tests: every configuration initialised and validated once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.terraform.tf import config_dirs, init_and_validate_all


@pytest.fixture(scope="session")
def validation_results() -> dict[Path, tuple[str, str]]:
    """init + validate of the root, every module and every example (initialised dirs are reused by later tests)."""
    return init_and_validate_all(config_dirs())
