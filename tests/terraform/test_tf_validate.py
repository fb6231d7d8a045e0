"""`terraform init -backend=false && terraform validate` for the root, every module and every example."""

from __future__ import annotations

from pathlib import Path

import pytest
from terraform_tools.staging import stage_root_module

from tests.terraform.tf import REPO_ROOT, config_dirs, init_and_validate, label


@pytest.mark.parametrize("path", config_dirs(), ids=label)
def test_configuration_is_valid(path: Path, validation_results: dict[Path, tuple[str, str]]) -> None:
    step, output = validation_results[path]
    assert step == "", f"terraform {step} failed in {label(path)}:\n{output}"


def test_every_module_has_an_example_and_tests() -> None:
    for module in (REPO_ROOT / "modules").iterdir():
        assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"} <= {p.name for p in module.iterdir()}, module
        assert list(module.glob("examples/*/main.tf")), f"{module.name} has no example"
        assert list(module.glob("tests/*.tftest.hcl")), f"{module.name} has no terraform tests"


def test_root_validates_without_a_built_manifest(tmp_path: Path) -> None:
    """validate must never read dist/manifest.json: a fresh clone validates before `make build`."""
    root = stage_root_module(tmp_path, with_dist=False)
    assert not (root / "dist").exists()
    step, output = init_and_validate(root)
    assert step == "", f"terraform {step} failed without dist/:\n{output}"
