"""The README tables are generated from the code and CI fails when one is stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from repo_paths import REPO_ROOT
from terraform_tools import module_docs as tfdocs
from terraform_tools.module_docs import BEGIN, END

VARIABLES = '''
variable "name" {
  description = "Name | with a pipe."
  type        = string
}

variable "sizes" {
  description = "Sizes."
  type        = list(number)
  default     = [1, 2]
}

variable "key" {
  description = "Optional key."
  type        = string
  default     = null
}
'''
OUTPUTS = '''
output "arn" {
  description = "ARN of the thing."
  value       = "x"
}
'''


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    module = tmp_path / "modules" / "thing"
    module.mkdir(parents=True)
    (module / "main.tf").write_text("locals {}\n")
    (module / "variables.tf").write_text(VARIABLES)
    (module / "outputs.tf").write_text(OUTPUTS)
    (module / "README.md").write_text(f"# thing\n\nHand-written usage.\n\n{BEGIN}\n{END}\n\nFooter.\n")
    return tmp_path


def test_repository_readmes_are_up_to_date() -> None:
    result = subprocess.run([sys.executable, "-m", "terraform_tools.module_docs", "--check"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_check_reports_stale_then_generation_fixes_it(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = repo / "modules" / "thing" / "README.md"
    assert tfdocs.run(repo, check=True) == 1
    assert "modules/thing/README.md is stale; run `make docs`" in capsys.readouterr().err
    assert tfdocs.run(repo, check=False) == 0
    text = readme.read_text()
    assert text.startswith("# thing\n\nHand-written usage.\n") and text.endswith(f"{END}\n\nFooter.\n")
    assert "| `name` | Name \\| with a pipe. | `string` | n/a | yes |" in text
    assert "| `sizes` | Sizes. | `list(number)` | `[1, 2]` | no |" in text
    assert "| `key` | Optional key. | `string` | `null` | no |" in text
    assert "| `arn` | ARN of the thing. |" in text
    assert text.index("`name`") < text.index("`key`") < text.index("`sizes`"), "required first, then by name"
    assert tfdocs.run(repo, check=True) == 0


def test_new_variable_makes_the_readme_stale(repo: Path) -> None:
    assert tfdocs.run(repo, check=False) == 0
    variables = repo / "modules" / "thing" / "variables.tf"
    variables.write_text(variables.read_text() + 'variable "extra" {\n  description = "More."\n  type = bool\n  default = true\n}\n')
    assert tfdocs.run(repo, check=True) == 1


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda m: (m / "README.md").write_text("# thing\n"), "lacks the <!-- BEGIN_TF_DOCS -->"),
    (lambda m: (m / "README.md").unlink(), "README.md is missing"),
    (lambda m: (m / "outputs.tf").write_text('output "arn" {\n  value = "x"\n}\n'), "output 'arn' has no description"),
    (lambda m: (m / "variables.tf").write_text('variable "x" {\n  type = string\n'), "cannot parse HCL"),
])
def test_bad_input_is_one_line_error_and_writes_nothing(repo: Path, capsys: pytest.CaptureFixture[str], mutate, message: str) -> None:
    module = repo / "modules" / "thing"
    mutate(module)
    before = {p: p.read_bytes() for p in module.iterdir()}
    assert tfdocs.run(repo, check=False) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert {p: p.read_bytes() for p in module.iterdir()} == before
