"""`python -m plan_check.make_plan` (behind `make plan`) against the emulator named by AWS_ENDPOINT_URL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from local_stack.emulators.moto_server import MotoServer
from pipeline_contract.manifest import Manifest
from pipeline_contract.manifest import write as write_manifest
from repo_paths import REPO_ROOT as REPO
from terraform_tools.environment import emulator_environ

FIXTURES = Path(__file__).parent / "fixtures"


def run_plan(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "plan_check.make_plan", *args], cwd=cwd, capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(REPO)}, timeout=300)


def test_make_plan_writes_plan_json_that_plan_check_reads(moto_server: MotoServer, tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(FIXTURES / "encryption", config)
    write_manifest(config / "dist" / "manifest.json", Manifest.of([]))
    env = emulator_environ(moto_server.env())
    result = run_plan(["--chdir", str(config)], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"against local emulator at {moto_server.endpoint_url}" in result.stderr
    plan = json.loads((tmp_path / "build" / "plan.json").read_text())
    assert (tmp_path / "build" / "plan.tfplan").is_file()
    assert {c["address"] for c in plan["resource_changes"]} >= {"aws_kinesis_stream.plain", "aws_sqs_queue.plain"}
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["plan.json", "plan.tfplan"]  # no temp file left
    check = subprocess.run([sys.executable, "-m", "plan_check", "build/plan.json", "--manifest", "config/dist/manifest.json",
                            "--format", "json"], cwd=tmp_path,
                           capture_output=True, text=True, env={**env, "PYTHONPATH": str(REPO)}, timeout=60)
    assert check.returncode == 1
    assert {v["rule"] for v in json.loads(check.stdout)["violations"]} == {"encryption-at-rest"}


def test_failed_plan_leaves_no_plan_json(moto_server: MotoServer, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = var.undeclared\n}\n')
    env = emulator_environ(moto_server.env())
    result = run_plan(["--chdir", str(config)], env, cwd=tmp_path)
    assert result.returncode != 0
    assert "plan: error: terraform plan" in result.stderr and "undeclared" in result.stderr
    assert not (tmp_path / "build" / "plan.json").exists()


def test_directory_without_configuration_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_plan(["--chdir", str(tmp_path)], dict(os.environ), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no Terraform configuration" in result.stderr
