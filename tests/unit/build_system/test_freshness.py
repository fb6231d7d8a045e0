"""A dist/ older than its sources, locks or configs is caught by `build.py check` and by the plan checker.

Terraform compares a zip with the manifest only, so `make build`, an edit, `make plan` would
deploy the old zip; both checks ask lambda_build.freshness. The plans here are `terraform show
-json` documents written for the purpose (the rule reads nothing else from them); the rule's runs
against plans of real Terraform are in tests/terraform/plan_check.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_contract.manifest import load as load_manifest
from plan_check.findings import Context, Finding, Options
from plan_check.plan_model import load_plan
from plan_check.rules import stale_build

from .conftest import Repo

STALE = "dist/f.zip is stale"


@pytest.fixture
def built(offline_repo: Repo, capsys) -> Repo:
    offline_repo.function("f", config='handler = "app.handler"\nlayers = ["common"]\n')
    offline_repo.layer("common")
    assert offline_repo.run("build", capsys=capsys).code == 0
    assert offline_repo.run("check", capsys=capsys).code == 0
    return offline_repo


def _check_error(repo: Repo, capsys) -> str:
    result = repo.run("check", capsys=capsys)
    assert result.code == 1, result.out
    (line,) = result.err.strip().splitlines()
    return line


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda r: r.write("functions/f/app.py", r.root.joinpath("functions/f/app.py").read_text() + "#x\n"),
     f"error: {STALE}: functions/f/app.py changed; run `make build`"),
    (lambda r: r.write("functions/f/function.toml", 'handler = "app.handler"\nlayers = ["common"]\naws_services = ["sqs"]\n'),
     f"error: {STALE}: functions/f/function.toml changed; run `make build`"),
    (lambda r: r.write("functions/f/requirements.txt", ""),
     f"error: {STALE}: functions/f/requirements.txt changed; run `make build`"),
    (lambda r: r.write("functions/f/requirements.in", "# none\n"),
     f"error: {STALE}: functions/f/requirements.in changed; run `make build`"),
    (lambda r: r.write("functions/f/helpers.py", "X = 1\n"),
     f"error: {STALE}: functions/f/helpers.py was added; run `make build`"),
    (lambda r: r.root.joinpath("functions/f/app.py").chmod(0o755),
     f"error: {STALE}: functions/f/app.py changed; run `make build`"),
    (lambda r: r.write("layers/common/common_lib/__init__.py", "VALUE = 2\n"),
     "error: dist/common.zip is stale: layers/common/common_lib/__init__.py changed; run `make build`"),
], ids=["source", "config", "lock", "requirements.in", "added file", "executable bit", "layer source"])
def test_check_finds_dist_older_than_its_inputs(built: Repo, capsys, edit, expected: str) -> None:
    edit(built)
    assert _check_error(built, capsys) == expected
    assert built.run("build", capsys=capsys).code == 0
    assert built.run("check", capsys=capsys).code == 0


def test_check_names_the_first_change_and_counts_the_others(built: Repo, capsys) -> None:
    built.write("functions/f/app.py", "def handler(event, context):\n    return 1\n")
    built.write("functions/f/more.py", "")
    built.write("functions/f/most.py", "")
    assert _check_error(built, capsys) == (
        f"error: {STALE}: functions/f/app.py changed (and 2 more changes); run `make build`"
    )
    built.write("layers/common/extra.py", "")  # layers come first
    assert _check_error(built, capsys) == (
        "error: dist/common.zip is stale: layers/common/extra.py was added, and 1 more artifact is stale; "
        "run `make build`"
    )


def test_check_finds_a_deleted_artifact_still_in_dist(built: Repo, capsys) -> None:
    built.write("functions/g/function.toml", 'handler = "app.handler"\n')
    built.write("functions/g/app.py", "def handler(event, context):\n    return 1\n")
    assert built.run("build", capsys=capsys).code == 0
    for path in sorted(built.root.joinpath("functions/g").iterdir()):
        path.unlink()
    built.root.joinpath("functions/g").rmdir()
    assert _check_error(built, capsys) == (
        "error: dist/g.zip is of functions/g/, which no longer exists; run `make build`"
    )


def _plan(repo: Repo, timestamp: str, source_code_hash: str | None = None) -> Path:
    """A `terraform show -json` document planning function f from dist/f.zip with the manifest's hash."""
    artifact = load_manifest(repo.dist / "manifest.json").artifacts["f"]
    after = {"function_name": "f", "filename": "dist/f.zip", "package_type": "Zip",
             "source_code_hash": source_code_hash or artifact.source_code_hash}
    document = {
        "format_version": "1.2", "terraform_version": "1.11.4", "timestamp": timestamp, "configuration": {},
        "resource_changes": [{"address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function",
                              "name": "f", "change": {"actions": ["create"], "after": after, "after_unknown": {}}}],
    }
    path = repo.root / "build" / "plan.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def _findings(repo: Repo, plan: Path) -> tuple[list[Finding], Context]:
    ctx = Context(plan=load_plan(plan), manifest=load_manifest(repo.dist / "manifest.json"), options=Options())
    return list(stale_build.check(ctx)), ctx


def test_plan_check_flags_a_source_edited_after_the_build(built: Repo) -> None:
    plan = _plan(built, "2999-01-01T00:00:00Z")
    assert _findings(built, plan)[0] == []
    built.write("functions/f/app.py", built.root.joinpath("functions/f/app.py").read_text() + "#x\n")
    findings, ctx = _findings(built, plan)
    assert [(f.address, f.problem, f.how_to_fix) for f in findings] == [(
        "aws_lambda_function.f",
        f"{STALE}: functions/f/app.py changed: this plan deploys a zip not built from the current sources",
        "run `make build`, then `make plan` and `make plan-check` again",
    )]
    assert ctx.unverified == []


def test_plan_older_than_the_build_says_plan_again(built: Repo, capsys) -> None:
    old_hash = load_manifest(built.dist / "manifest.json").artifacts["f"].source_code_hash
    built.write("functions/f/app.py", "def handler(event, context):\n    return 2\n")
    assert built.run("build", capsys=capsys).code == 0
    (older,) = _findings(built, _plan(built, "2001-01-01T00:00:00Z", old_hash))[0]
    assert "differs from the manifest's" in older.problem and "built after this plan was made" in older.problem
    assert older.how_to_fix == stale_build.PLAN_AGAIN
    assert "make plan" in older.how_to_fix and "make build" not in older.how_to_fix
    # A plan made after the build with another hash: the zip it plans is not build.py's, so build (and set the hash).
    (foreign,) = _findings(built, _plan(built, "2999-01-01T00:00:00Z", old_hash))[0]
    assert foreign.how_to_fix == stale_build.STALE_BUILD.fix


def test_plan_check_reports_what_it_cannot_compare(built: Repo) -> None:
    plan = _plan(built, "2999-01-01T00:00:00Z")
    built.write("functions/f/function.toml", "handler = 1\n")
    findings, ctx = _findings(built, plan)
    assert findings == []
    assert [(f.address, f.problem) for f in ctx.unverified] == [
        ("(plan)", "cannot compare dist/ with the sources: functions/f/function.toml: `handler` must be a string, "
                   'e.g. handler = "..."; got 1')
    ]
