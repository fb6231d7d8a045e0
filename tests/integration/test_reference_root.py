"""The repository's own root module (main.tf + modules/ + dist/ from build.py) passes every rule.

Planned for real against the emulator from a staged copy (conftest.plan_reference_root), after
`build.py build` when dist/manifest.json does not exist yet, as a user runs `make build && make plan`.
Twice: a first plan on an empty account (the first pull request), and, after applying it, a plan
over that state, in which the IAM policies that depend on new ARNs are known and so are checked too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from plan_check.findings import Context, Options
from plan_check.manifest import load_manifest
from plan_check.plan_model import load_plan
from plan_check.report import Result, table
from plan_check.rules import ALL_RULES, run_all


@pytest.fixture(scope="module")
def root_plans(fixture_plans) -> dict[str, Path]:
    if fixture_plans.reference_root is None:
        pytest.skip("the reference root module (main.tf) is not in the repository")
    return fixture_plans.reference_root.result()


@pytest.mark.parametrize("which", ["fresh", "applied"])
def test_reference_root_module_passes_every_rule(root_plans: dict[str, Path], which: str) -> None:
    plan = load_plan(root_plans[which])
    ctx = Context(plan=plan, manifest=load_manifest(root_plans["manifest"]), options=Options())
    found = list(run_all(ctx))
    assert found == [], "\n" + table(Result(found, [], ctx.unverified, len(plan.resources), ALL_RULES))
    if which == "applied":
        assert ctx.unverified == [], "\n" + table(Result([], [], ctx.unverified, len(plan.resources), ALL_RULES))


def test_reference_root_module_is_actually_checked(root_plans: dict[str, Path]) -> None:
    """Guards the test above against passing vacuously: the rules must see the pipeline's parts."""
    plan = load_plan(root_plans["applied"])
    manifest = load_manifest(root_plans["manifest"])
    ctx = Context(plan=plan, manifest=manifest, options=Options())
    functions = plan.live("aws_lambda_function")
    assert {a.name for f in functions if (a := ctx.artifact_of(f))} == {
        name for name, a in manifest.artifacts.items() if a.kind == "function"
    }
    mappings = [m for m in plan.live("aws_lambda_event_source_mapping") if any(
        s.type == "aws_kinesis_stream" for s in plan.linked(m, "event_source_arn"))]
    assert mappings, "no event source mapping resolved to its Kinesis stream"
    assert any(s.type == "aws_subnet" for f in functions for s in plan.linked(f, "vpc_config", 0, "subnet_ids"))
    policies = plan.live("aws_iam_role_policy", "aws_iam_policy")
    assert policies and all(not p.unknown("policy") for p in policies), "IAM policies were not checked"
