"""`terraform test` (mocked AWS provider, plan only) for every module and for the root pipeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.terraform.tf import REPO_ROOT, ROOT_TEST_DIR, label, module_dirs, terraform

SUMMARY = re.compile(r"(Success|Failure)! (\d+) passed, (\d+) failed(?:, (\d+) skipped)?")


def _run_tests(path: Path, validation_results: dict[Path, tuple[str, str]], *args: str) -> tuple[int, str]:
    assert validation_results[path][0] == "", f"{label(path)} does not init/validate; see test_tf_validate"
    result = terraform(path, "test", "-no-color", *args)
    return result.returncode, result.stdout + result.stderr


def _assert_all_passed(code: int, output: str, minimum: int) -> None:
    summary = SUMMARY.search(output)
    assert code == 0 and summary and summary.group(1) == "Success", output
    passed, failed, skipped = int(summary.group(2)), int(summary.group(3)), int(summary.group(4) or 0)
    assert failed == 0 and skipped == 0, output
    assert passed >= minimum, f"only {passed} runs; expected at least {minimum}\n{output}"


@pytest.mark.parametrize("module", module_dirs(), ids=label)
def test_module_terraform_tests_pass(module: Path, validation_results: dict[Path, tuple[str, str]]) -> None:
    runs = sum(len(re.findall(r'^run "', f.read_text(), re.M)) for f in module.glob("tests/*.tftest.hcl"))
    code, output = _run_tests(module, validation_results)
    _assert_all_passed(code, output, minimum=runs)


def test_root_pipeline_terraform_tests_pass(validation_results: dict[Path, tuple[str, str]]) -> None:
    runs = sum(len(re.findall(r'^run "', f.read_text(), re.M)) for f in (REPO_ROOT / ROOT_TEST_DIR).glob("*.tftest.hcl"))
    code, output = _run_tests(REPO_ROOT, validation_results, f"-test-directory={ROOT_TEST_DIR}")
    _assert_all_passed(code, output, minimum=runs)


def test_every_module_tests_its_validations() -> None:
    """Each validated variable of a module has at least one expect_failures run against it."""
    missing = []
    for module in module_dirs():
        validated = set(re.findall(r'variable "(\w+)" \{(?:(?!\nvariable ).)*?validation \{', (module / "variables.tf").read_text(), re.S))
        expected = set()
        for test_file in module.glob("tests/*.tftest.hcl"):
            expected |= set(re.findall(r"expect_failures\s*=\s*\[var\.(\w+)\]", test_file.read_text()))
        missing += [f"{module.name}.{v}" for v in sorted(validated - expected)]
    assert not missing, f"validations without an expect_failures run: {', '.join(missing)}"
