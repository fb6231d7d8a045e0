"""The repository's own root module (main.tf + modules/ + dist/ from build.py) passes every rule.

It is planned for real against the emulator from a staged copy (local_stack's staging: the root
*.tf files, modules/ and dist/, plus an emulator-only provider override), after `build.py build`
when dist/manifest.json does not exist yet, exactly as a user runs `make build && make plan`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from plan_check.findings import Context, Options
from plan_check.manifest import load_manifest
from plan_check.plan_model import load_plan
from plan_check.report import table
from plan_check.rules import run_all

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def root_plan(plan_config: Callable[[Path], Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not (REPO / "main.tf").is_file():
        pytest.skip("the reference root module (main.tf) is not in the repository yet")
    from local_stack.terraform_stack import stage

    if not (REPO / "dist" / "manifest.json").is_file():
        build = subprocess.run([sys.executable, "build.py", "build"], cwd=REPO, capture_output=True, text=True, timeout=900)
        assert build.returncode == 0, f"build.py build failed:\n{build.stdout[-2000:]}{build.stderr[-2000:]}"
    workdir = stage(".", tmp_path_factory.mktemp("plan_check_root"))
    return plan_config(workdir), workdir / "dist" / "manifest.json"


def test_reference_root_module_passes_every_rule(root_plan: tuple[Path, Path]) -> None:
    plan_path, manifest_path = root_plan
    plan = load_plan(plan_path)
    found = list(run_all(Context(plan=plan, manifest=load_manifest(manifest_path), options=Options())))
    assert found == [], "\n" + table(found, [], len(plan.resources))


def test_reference_root_module_is_actually_checked(root_plan: tuple[Path, Path]) -> None:
    """Guards the test above against passing vacuously: the rules must see the pipeline's parts."""
    plan = load_plan(root_plan[0])
    manifest = load_manifest(root_plan[1])
    ctx = Context(plan=plan, manifest=manifest, options=Options())
    functions = plan.live("aws_lambda_function")
    assert {a.name for f in functions if (a := ctx.artifact_of(f))} == {
        name for name, a in manifest.artifacts.items() if a.kind == "function"
    }
    mappings = [m for m in plan.live("aws_lambda_event_source_mapping") if any(
        s.type == "aws_kinesis_stream" for s in plan.linked(m, "event_source_arn"))]
    assert mappings, "no event source mapping resolved to its Kinesis stream"
    assert any(plan.linked(f, "vpc_config", 0, "subnet_ids") for f in functions), "no function resolved to its subnets"
