"""The release archive as a registry consumer sees it: `source` + `version` through the registry protocol.

`make release-archive`'s archive is published on a loopback HTTPS module registry (a test fixture,
see module_registry.py: no real registry can run here) at the version in VERSION, with a newer
major version beside it. A consumer configuration in a temporary directory outside the repository
uses four of the modules as `<host>/acme/kinesis-lambda-pipelines/aws//modules/<module>` with a
`~> MAJOR.MINOR` constraint and passes its own build's manifest and artifact directory explicitly;
`terraform init`, `validate` and a plan against the emulator must work from what was downloaded.
A constraint no published version meets must fail with Terraform's own message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.terraform_stack import OVERRIDE_NAME, PROVIDER_OVERRIDE
from pipeline_contract.manifest import load as load_manifest
from release.archive import build_archive
from release.semver import Version, read_version_file
from repo_paths import REPO_ROOT
from terraform_tools.environment import emulator_environ
from terraform_tools.runner import TerraformError, plan_json, run

from tests.integration.consumers.module_registry import ModuleRegistry
from tests.integration.fixture_functions import write_artifacts

NAMESPACE, NAME, SYSTEM = "acme", "kinesis-lambda-pipelines", "aws"
REGION = "us-east-1"
TIMEOUT = 600

CONSUMER = """\
terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

provider "aws" {
  region = "%(region)s"
}

variable "manifest_path" {
  description = "This team's build manifest; its zip paths are relative to artifact_root."
  type        = string
}

variable "artifact_root" {
  description = "The directory the manifest's zip paths are relative to."
  type        = string
}

locals {
  artifacts = jsondecode(file(var.manifest_path)).artifacts
}

module "stream" {
  source  = "%(package)s//modules/kinesis-stream"
  version = "%(constraint)s"

  name = "registry-consumer-clicks"
}

module "layer" {
  source  = "%(package)s//modules/lambda-layer"
  version = "%(constraint)s"

  layer_name    = "registry-consumer-helpers"
  artifact      = local.artifacts["helpers"]
  artifact_root = var.artifact_root
}

resource "aws_sqs_queue" "failed_batches" {
  name                    = "registry-consumer-failed-batches"
  sqs_managed_sse_enabled = true
}

module "mapping" {
  source  = "%(package)s//modules/kinesis-event-source"
  version = "%(constraint)s"

  function_name              = module.processor.function_name
  stream_arn                 = module.stream.stream_arn
  on_failure_destination_arn = aws_sqs_queue.failed_batches.arn
}

module "processor" {
  source  = "%(package)s//modules/lambda-function"
  version = "%(constraint)s"

  function_name     = "registry-consumer-processor"
  artifact          = local.artifacts["layer_user"]
  artifact_root     = var.artifact_root
  layers            = [module.layer.layer_version_arn]
  policy_statements = module.mapping.iam_statements
}
"""
MODULE_CALLS = {"stream": "kinesis-stream", "layer": "lambda-layer", "mapping": "kinesis-event-source",
                "processor": "lambda-function"}


@dataclass
class Published:
    registry: ModuleRegistry
    version: Version
    archive: Path

    @property
    def package(self) -> str:
        return f"{self.registry.host}/{NAMESPACE}/{NAME}/{SYSTEM}"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """The working tree's release archive at VERSION, and the same bytes as the next major version."""
    version = read_version_file(REPO_ROOT)
    archive = build_archive(REPO_ROOT, version, tmp_path_factory.mktemp("release")).path
    with ModuleRegistry(tmp_path_factory.mktemp("registry")) as registry:
        registry.publish(NAMESPACE, NAME, SYSTEM, str(version), archive)
        registry.publish(NAMESPACE, NAME, SYSTEM, f"{version.major + 1}.0.0", archive)
        yield Published(registry, version, archive)


def _consumer(directory: Path, published: Published, constraint: str) -> Path:
    """A consumer configuration in `directory` (outside the repository), set up for the emulator."""
    assert not directory.resolve().is_relative_to(REPO_ROOT), "the consumer must live outside the repository"
    directory.mkdir(parents=True)
    (directory / "main.tf").write_text(CONSUMER % {"region": REGION, "package": published.package,
                                                   "constraint": constraint})
    (directory / OVERRIDE_NAME).write_text(PROVIDER_OVERRIDE)
    return directory


def _env(moto: MotoServer, published: Published) -> dict[str, str]:
    return emulator_environ({**moto.env(), "SSL_CERT_FILE": str(published.registry.ca_bundle)})


def test_a_consumer_installs_validates_and_plans_the_modules_from_the_registry(
        published: Published, moto_server: MotoServer, tmp_path: Path) -> None:
    build = tmp_path / "team-build"
    manifest_path = write_artifacts(build)
    workdir = _consumer(tmp_path / "consumer", published, f"~> {published.version.major}.{published.version.minor}")
    env = _env(moto_server, published)

    run(["init", "-input=false", "-no-color"], workdir, env, timeout=TIMEOUT)
    installed = {m["Key"]: m for m in json.loads((workdir / ".terraform/modules/modules.json").read_text())["Modules"]}
    for call, module in MODULE_CALLS.items():
        assert installed[call]["Version"] == str(published.version), "the constraint, not the newest version, decides"
        assert installed[call]["Source"] == f"{published.package}//modules/{module}"
        module_dir = workdir / installed[call]["Dir"]
        assert (module_dir / "main.tf").is_file() and not (module_dir / "tests").exists(), "not the release archive"
    assert {"GET /.well-known/terraform.json", f"GET /v1/modules/{NAMESPACE}/{NAME}/{SYSTEM}/versions",
            f"GET /v1/modules/{NAMESPACE}/{NAME}/{SYSTEM}/{published.version}/download",
            f"GET /archives/{published.archive.name}"} <= set(published.registry.requests)

    run(["validate", "-no-color"], workdir, env, timeout=TIMEOUT)

    variables = [f"-var=manifest_path={manifest_path}", f"-var=artifact_root={build}"]
    plan = json.loads(plan_json(workdir, workdir / "consumer.tfplan", ["-no-color", *variables], env, timeout=TIMEOUT))
    planned = {c["address"]: c["change"]["after"] for c in plan["resource_changes"] if c["change"]["actions"] == ["create"]}
    artifacts = load_manifest(manifest_path).artifacts
    function = planned["module.processor.aws_lambda_function.this"]
    assert function["source_code_hash"] == artifacts["layer_user"].source_code_hash
    assert function["filename"] == f"{build}/{artifacts['layer_user'].path}", "the zip must come from artifact_root"
    layer = planned["module.layer.aws_lambda_layer_version.this"]
    assert layer["source_code_hash"] == artifacts["helpers"].source_code_hash
    assert any(address.startswith("module.mapping.aws_lambda_event_source_mapping.") for address in planned)
    assert any(address.startswith("module.stream.aws_kinesis_stream.") for address in planned)


def test_a_constraint_no_published_version_meets_fails_with_terraforms_message(
        published: Published, moto_server: MotoServer, tmp_path: Path) -> None:
    workdir = _consumer(tmp_path / "consumer", published, f">= {published.version.major + 2}.0.0")
    with pytest.raises(TerraformError) as failure:
        run(["init", "-input=false", "-no-color"], workdir, _env(moto_server, published), timeout=TIMEOUT)
    message = " ".join(failure.value.output.split())
    line = CONSUMER.splitlines().index('module "stream" {') + 1
    assert "Error: Unresolvable module version constraint" in message
    assert (f'There is no available version of module "{published.package}//modules/kinesis-stream" (main.tf:{line}) '
            "which matches the given version constraint. "
            f"The newest available version is {published.version.major + 1}.0.0.") in message
