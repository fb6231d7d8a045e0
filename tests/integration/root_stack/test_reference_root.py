"""The repository's own root module (main.tf + modules/ + dist/ from build.py) passes every plan rule.

Planned for real with `make plan`'s own command (plan_check.make_plan) against the session's
`root_stack` emulator, as a user runs `make build && make plan`. Twice: a plan with no state,
as on an empty account (the first pull request; the root reads nothing from the account that
its own resources could change), and a plan over the state the session applied, in which the IAM
policies that depend on new ARNs are known and so are checked too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from local_stack.demo.session import LocalSession
from local_stack.emulators.terraform_stack import stage
from pipeline_contract.manifest import load as load_manifest
from plan_check.findings import Context, Options
from plan_check.plan_model import load_plan
from plan_check.report import Result, table
from plan_check.rules import ALL_RULES, run_all
from plan_check.rules.alarms import dead_letter_queues
from repo_paths import REPO_ROOT


def _make_plan(root: Path, out: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """`make plan` on `root`, writing out.tfplan and out.json; started, not waited for."""
    command = [sys.executable, "-m", "plan_check.make_plan", f"--chdir={root}", f"--out={out}.tfplan",
               f"--json={out}.json", *args]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def root_plans(root_stack: LocalSession, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Plan JSON paths by name ("fresh", "applied"), and the manifest the session applied."""
    assert root_stack.moto and root_stack.stack
    tmp = tmp_path_factory.mktemp("reference_root")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **root_stack.moto.env()}
    variables = [f"-var={key}={value}" for key, value in root_stack.stack.variables.items()]
    applied = root_stack.stack.workdir
    running = {  # both at once: each mostly waits on the emulator
        "fresh": _make_plan(stage(".", tmp / "fresh"), tmp / "fresh-plan", env, *variables),
        "applied": _make_plan(applied, tmp / "applied-plan", env, "--no-init", *variables),
    }
    for name, process in running.items():
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, f"make plan ({name}) failed:\n{output[-3000:]}"
    return {"fresh": tmp / "fresh-plan.json", "applied": tmp / "applied-plan.json", "manifest": applied / "dist" / "manifest.json"}


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
    certain = {address for address, queue in dead_letter_queues(plan).items() if queue.certain}
    assert certain == {"module.pipeline.aws_sqs_queue.dead_letter", 'module.pipeline.aws_sqs_queue.handler_outcomes["failed"]'}, \
        "the alarm rules must see the dead-letter queue (DLQ_URL) and the failure handler's failure queue"
    alarmed = {a.value("metric_name") for a in plan.live("aws_cloudwatch_metric_alarm")}
    assert {"IteratorAge", "DroppedEventCount", "ApproximateNumberOfMessagesVisible"} <= alarmed
