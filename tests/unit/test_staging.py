"""The staged root module: every file Terraform reads, none of the state, caches, tests or builds it would write or run."""

from __future__ import annotations

from pathlib import Path

import pytest
from repo_paths import REPO_ROOT
from terraform_tools import staging
from terraform_tools.remote_state import BACKEND_OVERRIDE, OVERRIDE_TEXT

SOURCE_FILES = {
    "main.tf": "", "variables.tf": "", "README.md": "",
    "functions/f/app.py": "",
    "modules/m/main.tf": "", "modules/m/README.md": "",
    "modules/m/tests/main.tftest.hcl": "",
    "modules/m/.terraform/providers/p": "", "modules/m/.terraform.lock.hcl": "",
    "modules/m/examples/basic/main.tf": "", "modules/m/examples/basic/terraform.tfstate": "",
    "modules/m/examples/basic/terraform.tfstate.backup": "",
    "examples/e/main.tf": "", "examples/e/README.md": "", "examples/functions/g/app.py": "",
    "examples/e/.terraform/providers/p": "", "examples/e/terraform.tfstate": "",
    "examples/functions/g/__pycache__/app.cpython-312.pyc": "", "examples/dist/g.zip": "zip",
    "dist/manifest.json": "{}", "dist/f.zip": "zip",
}
STAGED = {"main.tf", "variables.tf", "modules/m/main.tf", "modules/m/README.md", "modules/m/examples/basic/main.tf",
          "examples/e/main.tf", "examples/e/README.md", "examples/functions/g/app.py"}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    for name, text in SOURCE_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.setattr(staging, "REPO_ROOT", root)
    return root


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_stages_the_configuration_and_the_build(repo: Path, tmp_path: Path) -> None:
    staged = staging.stage_root_module(tmp_path / "stage" / "root")
    assert staged == tmp_path / "stage" / "root"
    assert _files(staged) == STAGED | {"dist/manifest.json", "dist/f.zip"}
    assert (staged / "dist/f.zip").read_text() == "zip"


def test_without_dist_stages_only_the_configuration(repo: Path, tmp_path: Path) -> None:
    assert _files(staging.stage_root_module(tmp_path / "stage", with_dist=False)) == STAGED


def test_an_unbuilt_checkout_stages_without_dist(repo: Path, tmp_path: Path) -> None:
    for name in ("manifest.json", "f.zip"):
        (repo / "dist" / name).unlink()
    (repo / "dist").rmdir()
    assert _files(staging.stage_root_module(tmp_path / "stage")) == STAGED


def test_the_real_root_module_is_staged_whole(tmp_path: Path) -> None:
    staged = staging.stage_root_module(tmp_path, with_dist=False)
    assert {p.name for p in staged.glob("*.tf")} == {p.name for p in REPO_ROOT.glob("*.tf")} >= {"main.tf", "variables.tf"}
    modules = {p.relative_to(REPO_ROOT) for p in REPO_ROOT.glob("modules/*/*.tf")}
    assert modules and modules == {p.relative_to(staged) for p in staged.glob("modules/*/*.tf")}
    examples = {p.relative_to(REPO_ROOT) for p in REPO_ROOT.glob("examples/*/*.tf")}
    assert examples and examples == {p.relative_to(staged) for p in staged.glob("examples/*/*.tf")}


def test_the_s3_backend_override_of_a_concurrent_remote_plan_is_not_staged(repo: Path, tmp_path: Path) -> None:
    """`make plan --backend-config` has it in the root while it runs; a staged local-stack run keeps local state."""
    (repo / BACKEND_OVERRIDE).write_text(OVERRIDE_TEXT)
    assert _files(staging.stage_root_module(tmp_path / "stage", with_dist=False)) == STAGED
