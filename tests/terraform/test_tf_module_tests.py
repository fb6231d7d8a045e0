"""`terraform test` (mocked AWS provider, plan only) for every module and for the root pipeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.terraform.tf import bootstrap_dirs, module_dirs, terraform_test_targets

SUMMARY = re.compile(r"(Success|Failure)! (\d+) passed, (\d+) failed(?:, (\d+) skipped)?")
TARGETS = terraform_test_targets()


def _declared_runs(path: Path, args: tuple[str, ...]) -> int:
    directory = next((a.split("=", 1)[1] for a in args if a.startswith("-test-directory=")), "tests")
    return sum(len(re.findall(r'^run "', f.read_text(), re.M)) for f in (path / directory).glob("*.tftest.hcl"))


@pytest.mark.parametrize("name", list(TARGETS))
def test_terraform_tests_pass(name: str, terraform_test_results: dict[str, tuple[int, str]]) -> None:
    path, args = TARGETS[name]
    code, output = terraform_test_results[name]
    summary = SUMMARY.search(output)
    assert code == 0 and summary and summary.group(1) == "Success", output
    passed, failed, skipped = int(summary.group(2)), int(summary.group(3)), int(summary.group(4) or 0)
    assert failed == 0 and skipped == 0, output
    declared = _declared_runs(path, args)
    assert declared > 0 and passed == declared, f"{passed} runs passed but {declared} are declared\n{output}"


def test_every_module_tests_its_validations() -> None:
    """Each validated variable of a module or bootstrap configuration has at least one expect_failures run against it."""
    missing = []
    for module in [*module_dirs(), *bootstrap_dirs()]:
        validated = set(re.findall(r'variable "(\w+)" \{(?:(?!\nvariable ).)*?validation \{', (module / "variables.tf").read_text(), re.S))
        expected = set()
        for test_file in module.glob("tests/*.tftest.hcl"):
            expected |= set(re.findall(r"expect_failures\s*=\s*\[var\.(\w+)\]", test_file.read_text()))
        missing += [f"{module.name}.{v}" for v in sorted(validated - expected)]
    assert not missing, f"validations without an expect_failures run: {', '.join(missing)}"
