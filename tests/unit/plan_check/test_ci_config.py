"""The user-facing CI workflow and pre-commit config only call things that exist in this repository."""

from __future__ import annotations

import re
import shlex

import yaml
from plan_check.cli import parser
from repo_paths import REPO_ROOT as REPO

WORKFLOW = REPO / ".github" / "workflows" / "ci.yml"
PRECOMMIT = REPO / ".pre-commit-config.yaml"


def _steps(job: str) -> list[dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"][job]["steps"]


def _runs() -> str:
    return "\n".join(step.get("run", "") for job in ("checks", "plan") for step in _steps(job))


def test_workflow_covers_every_stage_in_order() -> None:
    names = [step.get("name", step.get("uses", "")) for step in _steps("checks") + _steps("plan")]
    wanted = ["Lock check", "Build", "Lint", "terraform validate", "terraform test", "Unit tests",
              "configure-aws-credentials", "terraform plan", "Plan checks", "Post the table"]
    positions = [next(i for i, name in enumerate(names) if stage.lower() in name.lower()) for stage in wanted]
    assert positions == sorted(positions)


def test_plan_job_uses_oidc_and_may_comment() -> None:
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["plan"]
    assert job["permissions"]["id-token"] == "write"
    assert job["permissions"]["pull-requests"] == "write"
    assert job["needs"] == "checks"


def test_every_make_target_the_workflow_runs_exists() -> None:
    targets = set(re.findall(r"^([a-z-]+):", (REPO / "Makefile").read_text(), re.M))
    used = {t for line in re.findall(r"^\s*make ([a-z -]+)", _runs(), re.M) for t in line.split()}
    assert used and used <= targets


def test_plan_check_flags_in_the_workflow_parse() -> None:
    for command in re.findall(r"-m plan_check (.+?)(?:\\\n\s*(.+))?\n", _runs()):
        words = shlex.split(" ".join(command).replace("${{ vars.PLAN_CHECK_ARGS }}", "--account-concurrency 3000"))
        args = parser().parse_args(words)
        assert args.format in ("junit", "markdown") and args.output is not None


def test_precommit_local_hooks_point_at_existing_tools() -> None:
    config = yaml.safe_load(PRECOMMIT.read_text())
    local = next(repo for repo in config["repos"] if repo["repo"] == "local")["hooks"]
    for hook in local:
        if hook["language"] != "system":
            continue
        entry = shlex.split(hook["entry"])
        if entry[0].startswith("scripts/"):
            assert (REPO / entry[0]).is_file(), hook["id"]
        if entry[1:3] == ["-m", entry[2]]:
            assert (REPO / "tools" / entry[2].replace(".", "/")).with_suffix(".py").is_file() or entry[2] == "ruff", hook["id"]


def test_plan_job_plans_against_the_remote_state_holding_its_lock() -> None:
    """Without the S3 state the plan compares against nothing: every replace looks like a create."""
    steps = _steps("plan")
    names = [step.get("name", "") for step in steps]
    settings = steps[names.index("Remote state settings -> build/state.s3.tfbackend")]
    assert settings["env"] == {"TF_STATE_BACKEND_CONFIG": "${{ vars.TF_STATE_BACKEND_CONFIG }}"}
    assert '> build/state.s3.tfbackend' in settings["run"] and "exit 1" in settings["run"]
    plan = steps[names.index("terraform plan -> build/plan.json")]
    assert names.index(settings["name"]) < names.index(plan["name"])
    args = shlex.split(re.search(r'ARGS="([^"]*)"', plan["run"]).group(1))
    assert args[args.index("--backend-config") + 1] == "build/state.s3.tfbackend"
    assert "-lock=false" not in args and any(a.startswith("-lock-timeout=") for a in args)
    assert "TF_STATE_BACKEND_CONFIG" in WORKFLOW.read_text().split("\nname:")[0], "the header lists the variable to set"


def test_terraform_test_step_covers_the_bootstrap_configurations() -> None:
    step = next(s for s in _steps("checks") if s.get("name", "").startswith("terraform test"))
    assert "bootstrap/*/" in step["run"] and "modules/*/" in step["run"]
