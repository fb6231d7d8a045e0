"""Shared state of the terraform tests: every configuration initialised and validated once."""

from __future__ import annotations

from pathlib import Path

import pytest
from repo_paths import REPO_ROOT

from tests.example_functions import build_example_functions
from tests.terraform.tf import config_dirs, init_and_validate_all, run_tests_all


@pytest.fixture(scope="session")
def validation_results() -> dict[Path, tuple[str, str]]:
    """init + validate of the root, every module and every example (initialised dirs are reused by later tests).

    The repository's examples read examples/dist/manifest.json, as module examples read dist/: built first.
    """
    build_example_functions(REPO_ROOT / "examples")
    return init_and_validate_all(config_dirs())


@pytest.fixture(scope="session")
def terraform_test_results(validation_results: dict[Path, tuple[str, str]]) -> dict[str, tuple[int, str]]:
    """(exit code, output) of `terraform test` for every module and the root, by label."""
    broken = [str(p) for p, (step, _) in validation_results.items() if step]
    assert not broken, f"configurations that do not init/validate (see test_tf_validate): {broken}"
    return run_tests_all()
