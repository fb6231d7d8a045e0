"""The one Terraform runner, with the real CLI: stdout on success, one error naming command, directory and cause."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from terraform_tools.runner import TerraformError, run


def test_success_returns_stdout(tmp_path: Path) -> None:
    assert json.loads(run(["version", "-json"], tmp_path))["terraform_version"]


def test_failure_names_command_directory_and_terraforms_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = var.undeclared\n')
    with pytest.raises(TerraformError) as caught:
        run(["validate", "-no-color"], tmp_path)
    error = caught.value
    assert error.returncode == 1
    first_line, *tail = str(error).splitlines()
    assert first_line == f"terraform validate -no-color failed (exit 1) in {tmp_path}:"
    assert any("Error:" in line for line in tail) and len(tail) <= 25
    assert "Error:" in error.stderr and error.output == error.stdout + error.stderr


def test_missing_terraform_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match="terraform is not on PATH; install Terraform") as caught:
        run(["version"], tmp_path, env={"PATH": str(tmp_path)})
    assert caught.value.returncode is None


def test_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match=f"in {tmp_path / 'absent'}") as caught:
        run(["version"], tmp_path / "absent")
    assert "directory does not exist" in str(caught.value)


def test_a_command_past_its_timeout_is_stopped_and_named(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match=r"terraform version did not finish within 0\.001 s") as caught:
        run(["version"], tmp_path, timeout=0.001)
    assert caught.value.returncode is None
