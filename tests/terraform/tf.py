"""Run the real Terraform CLI (through the project's provider discovery) for the terraform tests."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from repo_paths import REPO_ROOT
from terraform_tools.runner import TerraformError, run

ROOT_TEST_DIR = "tests/terraform/root"
TIMEOUT = 600  # seconds per terraform command


def module_dirs() -> list[Path]:
    return sorted(d for d in (REPO_ROOT / "modules").iterdir() if (d / "main.tf").is_file())


def bootstrap_dirs() -> list[Path]:
    """Root configurations applied once per account before the pipeline (bootstrap/*: the state bucket)."""
    return sorted(d for d in (REPO_ROOT / "bootstrap").iterdir() if (d / "main.tf").is_file())


def example_dirs() -> list[Path]:
    """Each module's examples, then the repository's (examples/: consumers of the modules and the root)."""
    module_examples = sorted(d for m in module_dirs() for d in (m / "examples").iterdir() if (d / "main.tf").is_file())
    return [*module_examples, *sorted(d for d in (REPO_ROOT / "examples").iterdir() if (d / "main.tf").is_file())]


def config_dirs() -> list[Path]:
    """Every Terraform configuration that must init and validate: root, modules, examples, bootstrap."""
    return [REPO_ROOT, *module_dirs(), *example_dirs(), *bootstrap_dirs()]


def label(path: Path) -> str:
    return "root" if path == REPO_ROOT else str(path.relative_to(REPO_ROOT))


def terraform(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """(exit code, output) of `terraform ARGS`, for tests that assert on what a failing command prints.

    `env` adds to this process's environment. A terraform that cannot start or times out still raises.
    """
    try:
        return 0, run(args, cwd, {**os.environ, **(env or {})}, timeout=TIMEOUT)
    except TerraformError as exc:
        if exc.returncode is None:
            raise
        return exc.returncode, exc.output


def init_and_validate(path: Path) -> tuple[str, str]:
    """('', '') when the configuration is valid, else the failing step and its output."""
    for step, args in (("init", ("-backend=false", "-input=false", "-no-color")), ("validate", ("-no-color",))):
        code, output = terraform(path, step, *args)
        if code != 0:
            return step, output
    return "", ""


def init_and_validate_all(paths: list[Path], workers: int = 2) -> dict[Path, tuple[str, str]]:
    """Validation is dominated by the provider's schema load; two at a time fill two cores."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(paths, pool.map(init_and_validate, paths), strict=True))


def terraform_test_targets() -> dict[str, tuple[Path, tuple[str, ...]]]:
    """`terraform test` invocations by label: each module and bootstrap configuration, and the root with its own test directory."""
    targets = {label(m): (m, ()) for m in [*module_dirs(), *bootstrap_dirs()]}
    targets["root"] = (REPO_ROOT, (f"-test-directory={ROOT_TEST_DIR}",))
    return targets


def run_tests_all(workers: int = 2) -> dict[str, tuple[int, str]]:
    """Each `terraform test` is one CPU-bound provider process at a time; run two side by side."""
    targets = terraform_test_targets()

    def one(item: tuple[Path, tuple[str, ...]]) -> tuple[int, str]:
        return terraform(item[0], "test", "-no-color", *item[1])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(targets, pool.map(one, targets.values()), strict=True))
