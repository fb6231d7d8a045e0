"""Secure by default: a consumer's stack that calls lambda-function with only its required inputs passes every plan check.

The module is copied out of the repository and called from a consumer configuration beside it,
planned for real against the emulator, and the plan goes through all the rules.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pipeline_contract.manifest import load as load_manifest
from plan_check.findings import Context, Options
from plan_check.plan_model import load_plan
from plan_check.rules import run_all
from repo_paths import REPO_ROOT

from tests.terraform.plan_check.conftest import build_artifacts, make_plan

CONSUMER = '''
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.100, < 7.0" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

variable "create_log_kms_key" {
  type    = bool
  default = true
}

locals {
  manifest = jsondecode(file("${path.module}/dist/manifest.json")).artifacts
}

module "function" {
  source = "../modules/lambda-function"

  function_name = "pc-defaults-processor"
  artifact      = local.manifest.processor
  artifact_root = path.module

  # The opt-out, for the control case; the module's default is true.
  create_log_kms_key = var.create_log_kms_key
}
'''
LOG_GROUP = "module.function.aws_cloudwatch_log_group.this"


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("module_defaults")
    shutil.copytree(REPO_ROOT / "modules" / "lambda-function", root / "modules" / "lambda-function",
                    ignore=shutil.ignore_patterns(".terraform*", "tests", "examples"))
    workdir = root / "consumer"
    workdir.mkdir()
    (workdir / "main.tf").write_text(CONSUMER)
    (workdir / "artifacts.json").write_text(json.dumps({"processor": {"kind": "function"}}))
    build_artifacts(workdir)
    return workdir


def _checked(workdir: Path, plan_env: dict[str, str], *args: str) -> tuple[set[tuple[str, str]], list[str]]:
    plan = make_plan(workdir, plan_env, args=args)
    ctx = Context(plan=load_plan(plan), manifest=load_manifest(workdir / "dist" / "manifest.json"), options=Options())
    findings = {(f.rule.id, f.address) for f in run_all(ctx)}
    return findings, [f"{f.rule.id} {f.address}: {f.problem}" for f in ctx.unverified]


def test_lambda_function_with_defaults_passes_every_plan_check(consumer: Path, plan_env: dict[str, str]) -> None:
    findings, unverified = _checked(consumer, plan_env)
    assert findings == set()
    assert unverified == []


def test_opting_out_of_the_log_key_is_what_the_encryption_check_reports(consumer: Path, plan_env: dict[str, str]) -> None:
    """The control: the same stack without the module's key fails exactly on its log group."""
    findings, _ = _checked(consumer, plan_env, "-var=create_log_kms_key=false")
    assert findings == {("encryption-at-rest", LOG_GROUP)}
