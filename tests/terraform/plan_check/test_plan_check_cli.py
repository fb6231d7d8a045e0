"""`python -m plan_check` as CI runs it: exit codes, the four formats, --allow, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pipeline_contract.manifest import Manifest, dumps
from repo_paths import REPO_ROOT as REPO


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "plan_check", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def case_args(plans, case: str) -> list[Path | str]:
    return [plans.plan(case), "--manifest", plans.manifest(case)]


def test_clean_plan_exits_zero(fixture_plans) -> None:
    result = run(*case_args(fixture_plans, "clean"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_violations_exit_one_with_a_table(fixture_plans) -> None:
    result = run(*case_args(fixture_plans, "data_loss"))
    assert result.returncode == 1
    header, rule_line = result.stdout.splitlines()[0], result.stdout.splitlines()[2]
    assert header.split() == ["RULE", "ADDRESS", "PROBLEM", "FIX"]
    assert rule_line.split()[:2] == ["data-loss", "aws_kinesis_stream.events"]
    assert "3 violation(s) of 1 rule(s)" in result.stdout


def test_allow_exempts_exactly_the_named_addresses(fixture_plans) -> None:
    args = case_args(fixture_plans, "data_loss")
    partly = run(*args, "--allow", "data-loss:aws_kinesis_stream.events", "--format", "json")
    report = json.loads(partly.stdout)
    assert partly.returncode == 1
    assert {v["address"] for v in report["violations"]} == {"aws_sns_topic.alerts", "aws_sqs_queue.dlq"}
    assert [a["address"] for a in report["allowed"]] == ["aws_kinesis_stream.events"]
    fully = run(*args, "--allow", "data-loss:aws_kinesis_stream.events", "--allow", "data-loss:aws_s*")
    assert fully.returncode == 0, fully.stdout
    assert "3 allowed" in fully.stdout


def test_allow_of_another_rule_does_not_exempt(fixture_plans) -> None:
    assert run(*case_args(fixture_plans, "data_loss"), "--allow", "encryption-at-rest:*").returncode == 1


def test_json_report_lists_rule_problem_and_fix(fixture_plans) -> None:
    result = run(*case_args(fixture_plans, "concurrency"), "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["ok"] is False
    (violation,) = report["violations"]
    assert violation["rule"] == "concurrency-budget" and "950" in violation["problem"] and violation["fix"]
    assert {r["id"] for r in report["rules"]} >= {"stale-build", "data-loss", "vpc-reachability"}


def test_junit_has_a_case_per_rule_and_a_failure_per_broken_rule(fixture_plans, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "plan-check.xml"
    result = run(*case_args(fixture_plans, "encryption"), "--format", "junit", "--output", out)
    assert result.returncode == 1 and result.stdout == ""
    suite = ElementTree.parse(out).getroot()
    failed = {case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None}
    assert failed == {"encryption-at-rest"}
    assert int(suite.get("tests")) == len(list(suite.iter("testcase"))) > 10
    assert "aws_s3_bucket.plain" in suite.find("testcase[@name='encryption-at-rest']/failure").text
    assert list(out.parent.iterdir()) == [out]  # no temp file left beside it


def test_markdown_is_a_pipe_table(fixture_plans) -> None:
    result = run(*case_args(fixture_plans, "iam"), "--format", "markdown")
    lines = result.stdout.splitlines()
    assert "| Rule | Address | Problem | Fix |" in lines
    assert any(line.startswith("| `iam-wildcard-action` | `aws_iam_role_policy.wildcard_action` |") for line in lines)


EMPTY_MANIFEST = dumps(Manifest.of([])).decode()


# The bad manifests are written by hand on purpose: they are what the contract's loader must refuse.
@pytest.mark.parametrize(("plan_text", "manifest_text", "message"), [
    (None, EMPTY_MANIFEST, "not found: run `make plan`"),
    ("{not json", EMPTY_MANIFEST, "is not JSON"),
    (EMPTY_MANIFEST, EMPTY_MANIFEST, "is not `terraform show -json`"),
    ("PLAN", None, "not found: run `make build`"),
    ("PLAN", '{"format_version": 2, "artifacts": {}}', "is not format_version 1"),
    ("PLAN", '{"format_version": 1, "artifacts": {"f": {"kind": "function"}}}', "artifact 'f' has no valid 'path'"),
])
def test_bad_input_is_one_line_and_exit_two(fixture_plans, tmp_path: Path, plan_text, manifest_text, message) -> None:
    plan, manifest = tmp_path / "plan.json", tmp_path / "manifest.json"
    if plan_text == "PLAN":
        plan = fixture_plans.plan("clean")
    elif plan_text is not None:
        plan.write_text(plan_text)
    if manifest_text is not None:
        manifest.write_text(manifest_text)
    result = run(plan, "--manifest", manifest)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


@pytest.mark.parametrize(("allow", "message"), [("data-loss", "is not RULE:ADDRESS"), ("no-such-rule:x", "unknown rule")])
def test_bad_allow_is_rejected(fixture_plans, allow: str, message: str) -> None:
    result = run(*case_args(fixture_plans, "clean"), "--allow", allow)
    assert result.returncode == 2 and message in result.stderr


def test_list_rules_names_every_rule_with_its_fix() -> None:
    result = run("--list-rules")
    assert result.returncode == 0
    assert result.stdout.count("fix: ") == 20
    assert "destinations-on-stream-consumer" in result.stdout and "throughput-concurrency" in result.stdout


def test_a_peak_without_a_size_report_is_bad_input(fixture_plans, tmp_path: Path) -> None:
    result = run(*case_args(fixture_plans, "throughput"), "--peak-records-per-second", "5000",
                 "--size-report", tmp_path / "size-report.json")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "run `make size` first" in result.stderr
