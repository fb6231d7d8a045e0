"""The release workflow: runs on version tags, checks before it builds, and calls only what exists here."""

from __future__ import annotations

import re
import shlex

import yaml
from release.cli import parser
from repo_paths import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _steps() -> list[dict]:
    return _workflow("release.yml")["jobs"]["release"]["steps"]


def test_it_runs_on_version_tags_and_may_write_releases() -> None:
    workflow = _workflow("release.yml")
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert triggers == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "write"}


def test_the_gate_has_the_tags_history_wherever_make_lint_runs() -> None:
    for name, job in (("release.yml", "release"), ("ci.yml", "checks")):
        [checkout] = [s for s in _workflow(name)["jobs"][job]["steps"] if s.get("uses", "").startswith("actions/checkout")]
        assert checkout.get("with", {}).get("fetch-depth") == 0, f"{name}: a shallow clone has no release tags"


def test_it_checks_and_tests_before_it_builds_and_publishes() -> None:
    runs = [step.get("run", "") for step in _steps()]
    order = ["-m release notes", "make lint", "pytest tests/unit", "make release-archive", "gh release create"]
    positions = [next(i for i, run in enumerate(runs) if stage in run) for stage in order]
    assert positions == sorted(positions)


def test_every_command_it_runs_exists() -> None:
    runs = "\n".join(step.get("run", "") for step in _steps())
    targets = set(re.findall(r"^([a-z-]+):", (REPO_ROOT / "Makefile").read_text(), re.M))
    used = {t for line in re.findall(r"^\s*make ([a-z -]+)", runs, re.M) for t in line.split()}
    assert used and used <= targets
    commands = re.findall(r"-m release (.+)", runs)
    assert commands
    for command in commands:
        parser().parse_args(shlex.split(command.replace('"$GITHUB_REF_NAME"', "v1.0.0")))


def test_its_actions_are_pinned_as_ci_pins_them() -> None:
    def actions(name: str) -> set[str]:
        return {s["uses"] for job in _workflow(name)["jobs"].values() for s in job["steps"] if "uses" in s}

    assert actions("release.yml") <= actions("ci.yml")
