"""Run the real Terraform CLI (through the project's provider discovery) for the terraform tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from repo_paths import REPO_ROOT
from terraform_tools.environment import terraform_environ

ROOT_TEST_DIR = "tests/terraform/root"


def module_dirs() -> list[Path]:
    return sorted(d for d in (REPO_ROOT / "modules").iterdir() if (d / "main.tf").is_file())


def example_dirs() -> list[Path]:
    return sorted(d for m in module_dirs() for d in (m / "examples").iterdir() if (d / "main.tf").is_file())


def config_dirs() -> list[Path]:
    """Every Terraform configuration that must init and validate: root, modules, examples."""
    return [REPO_ROOT, *module_dirs(), *example_dirs()]


def label(path: Path) -> str:
    return "root" if path == REPO_ROOT else str(path.relative_to(REPO_ROOT))


def terraform(cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["terraform", *args], cwd=cwd, env=terraform_environ({**os.environ, **(env or {})}), capture_output=True, text=True,
        timeout=timeout, check=False,
    )


def init_and_validate(path: Path) -> tuple[str, str]:
    """('', '') when the configuration is valid, else the failing step and its output."""
    init = terraform(path, "init", "-backend=false", "-input=false", "-no-color")
    if init.returncode != 0:
        return "init", init.stdout + init.stderr
    validate = terraform(path, "validate", "-no-color")
    if validate.returncode != 0:
        return "validate", validate.stdout + validate.stderr
    return "", ""


def init_and_validate_all(paths: list[Path], workers: int = 2) -> dict[Path, tuple[str, str]]:
    """Validation is dominated by the provider's schema load; two at a time fill two cores."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(paths, pool.map(init_and_validate, paths), strict=True))


def terraform_test_targets() -> dict[str, tuple[Path, tuple[str, ...]]]:
    """`terraform test` invocations by label: each module, and the root with its own test directory."""
    targets = {label(m): (m, ()) for m in module_dirs()}
    targets["root"] = (REPO_ROOT, (f"-test-directory={ROOT_TEST_DIR}",))
    return targets


def run_tests_all(workers: int = 2) -> dict[str, tuple[int, str]]:
    """Each `terraform test` is one CPU-bound provider process at a time; run two side by side."""
    targets = terraform_test_targets()

    def one(item: tuple[Path, tuple[str, ...]]) -> tuple[int, str]:
        result = terraform(item[0], "test", "-no-color", *item[1])
        return result.returncode, result.stdout + result.stderr

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(targets, pool.map(one, targets.values()), strict=True))


def copy_root(dest: Path) -> Path:
    """The root module and its modules without anything built or initialised (no dist/, no .terraform)."""
    for tf in REPO_ROOT.glob("*.tf"):
        shutil.copy2(tf, dest / tf.name)
    shutil.copytree(REPO_ROOT / "modules", dest / "modules", ignore=shutil.ignore_patterns(".terraform*"))
    return dest
