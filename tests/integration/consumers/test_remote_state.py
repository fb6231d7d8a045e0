"""Remote state on the emulator: bootstrap/state-backend applied to moto server, then used as a real S3 backend.

A small configuration (one SNS topic) is applied through the S3 backend with the bootstrap's own
settings (`backend_config` output; only the endpoint and path-style addressing are added for the
emulator) and planned the way CI plans (`make plan --backend-config`, from a second checkout).
What must hold: the state object is in the bucket, versioned and encrypted with the bootstrap's
key; a lock file exists while an operation runs and is gone after it, and a second operation is
refused while it is held; the plan reads the deployed state, so renaming the topic is a replace
that the data-loss check reports (against local, empty state it is a create it cannot see); and
the S3 requests Terraform makes are exactly what the bootstrap's writer (apply) and reader (plan)
policies allow. moto's request recorder lists those requests. One moto server and one bootstrap
apply for this module.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError
from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.terraform_stack import OVERRIDE_NAME, TerraformStack
from pipeline_contract.manifest import Manifest
from pipeline_contract.manifest import write as write_manifest
from repo_paths import REPO_ROOT
from terraform_tools.environment import emulator_environ, terraform_environ
from terraform_tools.remote_state import BACKEND_OVERRIDE, data_dir, s3_backend
from terraform_tools.runner import run
from waiting import wait_until

TIMEOUT = 300  # seconds per terraform command
# Settings that make sense against the emulator only, as the local stack's own provider override.
EMULATOR_PROVIDER = """provider "aws" {
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
}
"""
CONFIG = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.100, < 7.0" }
  }
}

variable "topic_name" {
  type    = string
  default = "remote-state-orders"
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_sns_topic" "orders" {
  name              = var.topic_name
  kms_master_key_id = "alias/aws/sns"
}
"""
S3_METHODS = {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject", "DELETE": "s3:DeleteObject"}


@dataclass
class Backend:
    moto: MotoServer
    outputs: dict[str, Any]
    settings: Path  # the bootstrap's backend_config plus the emulator's endpoint
    bootstrap: TerraformStack

    @property
    def env(self) -> dict[str, str]:
        return emulator_environ(self.moto.env())

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.moto.endpoint_url, region_name=self.moto.region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    @property
    def bucket(self) -> str:
        return str(self.outputs["bucket_name"])

    def versions(self, key: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(versions, delete markers) of exactly `key`."""
        listing = self.client("s3").list_object_versions(Bucket=self.bucket, Prefix=key)
        return ([v for v in listing.get("Versions", []) if v["Key"] == key],
                [m for m in listing.get("DeleteMarkers", []) if m["Key"] == key])

    def exists(self, key: str) -> bool:
        try:
            self.client("s3").head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey"):
                return False
            raise
        return True

    def state(self) -> dict[str, Any]:
        body = self.client("s3").get_object(Bucket=self.bucket, Key=self.outputs["state_key"])["Body"].read()
        state: dict[str, Any] = json.loads(body)
        return state

    def rename(self) -> tuple[str, str]:
        """-var arguments that rename the deployed topic (whatever it is called now): a replace."""
        (topic,) = [r for r in self.state()["resources"] if r["type"] == "aws_sns_topic"]
        return ("-var", f"topic_name={topic['instances'][0]['attributes']['name']}-renamed")

    def _recorder(self, action: str) -> str:
        method = "GET" if action == "download-recording" else "POST"
        request = urllib.request.Request(f"{self.moto.endpoint_url}/moto-api/recorder/{action}", method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(response.read().decode())

    @contextmanager
    def recorded(self) -> Iterator[list[dict[str, Any]]]:
        """The requests moto receives while the block runs (filled in when it ends)."""
        self._recorder("reset-recording")
        self._recorder("start-recording")
        entries: list[dict[str, Any]] = []
        try:
            yield entries
        finally:
            self._recorder("stop-recording")
            entries += [json.loads(line) for line in self._recorder("download-recording").splitlines() if line]


def permissions_used(entries: list[dict[str, Any]], bucket: str) -> set[tuple[str, str]]:
    """(IAM action, resource ARN) each request to `bucket` needs (HeadObject needs s3:GetObject, ListObjectsV2 s3:ListBucket).

    A request of a kind the S3 backend is not known to make comes back as ("unexpected: ...", url), so it shows in a diff.
    """
    used = set()
    for entry in entries:
        url = urlsplit(entry["url"])
        path = unquote(url.path)
        if path != f"/{bucket}" and not path.startswith(f"/{bucket}/"):
            continue
        key = path[len(bucket) + 2:]
        if not key and entry["method"] == "GET" and parse_qs(url.query).get("list-type") == ["2"]:
            used.add(("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
        elif key and entry["method"] in S3_METHODS:
            used.add((S3_METHODS[entry["method"]], f"arn:aws:s3:::{bucket}/{key}"))
        else:
            used.add((f"unexpected: {entry['method']}", entry["url"]))
    return used


def permissions_granted(policy_json: str, service: str) -> set[tuple[str, str]]:
    """(action, resource) pairs the Allow statements of a policy grant for one service's actions."""
    granted = set()
    for statement in json.loads(policy_json)["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        granted |= {(a, r) for a in actions for r in resources if a.startswith(f"{service}:")}
    return granted


def kms_requests(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["headers"].get("X-Amz-Target", "") for entry in entries
            if entry["headers"].get("X-Amz-Target", "").startswith("TrentService.")]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    tmp = tmp_path_factory.mktemp("remote-state")
    recording = tmp / "moto-recording.jsonl"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTO_RECORDER_FILEPATH", str(recording))  # the server's child process inherits it
        moto = MotoServer().start()
    try:
        workdir = tmp / "bootstrap"
        shutil.copytree(REPO_ROOT / "bootstrap" / "state-backend", workdir,
                        ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*", "tests"))
        (workdir / OVERRIDE_NAME).write_text(EMULATOR_PROVIDER)
        stack = TerraformStack(workdir, moto.env(), {"region": moto.region, "bucket_name": "pipeline-tfstate"})
        stack.init()
        stack.apply()
        outputs = stack.outputs()
        settings = tmp / "state.s3.tfbackend"
        settings.write_text(outputs["backend_config"] + "use_path_style = true\n"
                            f'endpoints      = {{ s3 = "{moto.endpoint_url}", sts = "{moto.endpoint_url}" }}\n')
        yield Backend(moto, outputs, settings, stack)
    finally:
        moto.stop()


@contextmanager
def remote(config: Path, backend: Backend) -> Iterator[None]:
    """`config` initialised with the S3 backend the way make plan does it: override file + -backend-config."""
    with s3_backend(config):
        run(["init", "-input=false", "-no-color", "-reconfigure", f"-backend-config={backend.settings}"], config,
            backend.env, timeout=TIMEOUT)
        yield


def checkout(parent: Path, name: str) -> Path:
    """A configuration directory as a fresh checkout has it: the .tf file, nothing initialised."""
    config = parent / name
    config.mkdir()
    (config / "main.tf").write_text(CONFIG)
    (config / OVERRIDE_NAME).write_text(EMULATOR_PROVIDER)
    return config


@dataclass
class Deployed:
    config: Path
    requests: list[dict[str, Any]]


@pytest.fixture(scope="module")
def deployed(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Deployed:
    """The topic applied through the S3 backend (init + apply recorded), as a deploy would."""
    config = checkout(tmp_path_factory.mktemp("deploy"), "config")
    with backend.recorded() as requests, remote(config, backend):
        run(["apply", "-input=false", "-no-color", "-auto-approve"], config, backend.env, timeout=TIMEOUT)
    return Deployed(config, requests)


def make_plan(config: Path, backend: Backend, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`make plan` as the CI plan job runs it."""
    return subprocess.run([sys.executable, "-m", "plan_check.make_plan", "--chdir", str(config), *args], cwd=cwd,
                          capture_output=True, text=True, env=backend.env, timeout=TIMEOUT)


def test_bootstrap_makes_a_versioned_kms_encrypted_private_tls_only_bucket(backend: Backend) -> None:
    s3, key_arn = backend.client("s3"), backend.outputs["kms_key_arn"]
    assert backend.bucket == "pipeline-tfstate"
    assert s3.get_bucket_versioning(Bucket=backend.bucket)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=backend.bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert rule["BucketKeyEnabled"] is True
    assert set(s3.get_public_access_block(Bucket=backend.bucket)["PublicAccessBlockConfiguration"].values()) == {True}
    (statement,) = json.loads(s3.get_bucket_policy(Bucket=backend.bucket)["Policy"])["Statement"]
    assert (statement["Effect"], statement["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    assert backend.client("kms").get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True
    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=backend.bucket)["Rules"]
    assert lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    assert lifecycle["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    policies = {p["PolicyName"]: p["Arn"] for p in backend.client("iam").list_policies(Scope="Local")["Policies"]}
    assert policies == {"pipeline-tfstate-reader": backend.outputs["reader_policy_arn"],
                        "pipeline-tfstate-writer": backend.outputs["writer_policy_arn"]}
    assert backend.bootstrap.plan_changes() == "", "a second plan of the bootstrap must change nothing"


def test_apply_keeps_the_state_in_the_bucket_versioned_and_encrypted_with_the_bootstraps_key(
        backend: Backend, deployed: Deployed) -> None:
    state_key, key_arn = backend.outputs["state_key"], backend.outputs["kms_key_arn"]
    head = backend.client("s3").head_object(Bucket=backend.bucket, Key=state_key)
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", key_arn)
    versions, _ = backend.versions(state_key)
    assert versions and all(v["VersionId"] not in ("", "null") for v in versions)
    assert [r["type"] for r in backend.state()["resources"]] == ["aws_sns_topic"]
    assert not list(deployed.config.glob("*.tfstate*")), "the state must live in the bucket only"
    assert not (deployed.config / BACKEND_OVERRIDE).exists()


def test_the_lock_file_existed_during_the_apply_and_is_gone_after_it(backend: Backend, deployed: Deployed) -> None:
    lock_key = backend.outputs["lock_key"]
    assert lock_key == backend.outputs["state_key"] + ".tflock"
    assert not backend.exists(lock_key)
    versions, markers = backend.versions(lock_key)
    assert versions and markers, "the versioned bucket keeps the released lock file and the delete marker that removed it"
    lock_written = ("s3:PutObject", f"arn:aws:s3:::{backend.bucket}/{lock_key}")
    assert lock_written in permissions_used(deployed.requests, backend.bucket), "Terraform wrote the lock file during the apply"
    for version in versions:
        head = backend.client("s3").head_object(Bucket=backend.bucket, Key=lock_key, VersionId=version["VersionId"])
        assert head["SSEKMSKeyId"] == backend.outputs["kms_key_arn"]


def test_apply_uses_exactly_what_the_writer_policy_allows(backend: Backend, deployed: Deployed) -> None:
    used = permissions_used(deployed.requests, backend.bucket)
    assert used == permissions_granted(backend.outputs["writer_policy_json"], "s3")
    # Why the policies carry no s3:prefix condition with the state key (docs/remote-state.md):
    # Terraform lists the workspace prefix, never the key.
    listed = {parse_qs(urlsplit(e["url"]).query).get("prefix", [""])[0] for e in deployed.requests
              if urlsplit(e["url"]).path == f"/{backend.bucket}"}
    assert listed == {"env:/"}
    assert kms_requests(deployed.requests) == [], "Terraform never calls KMS itself: S3 does, so kms:ViaService holds"


def test_an_operation_is_refused_while_another_holds_the_lock(backend: Backend, deployed: Deployed,
                                                              tmp_path: Path) -> None:
    lock_key, state_key = backend.outputs["lock_key"], backend.outputs["state_key"]
    state_versions = len(backend.versions(state_key)[0])
    ci = checkout(tmp_path, "ci")
    with remote(deployed.config, backend):
        # An apply with changes holds the lock from before its plan until it is answered.
        env = terraform_environ({**backend.env, "TF_INPUT": "1"})
        apply = subprocess.Popen(["terraform", "apply", "-no-color", *backend.rename()],
                                 cwd=deployed.config, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        try:
            wait_until(lambda: backend.exists(lock_key) or apply.poll() is not None, TIMEOUT, "the apply's lock file")
            assert apply.poll() is None, apply.communicate()[0]
            lock = json.loads(backend.client("s3").get_object(Bucket=backend.bucket, Key=lock_key)["Body"].read())
            assert lock["Operation"] == "OperationTypeApply" and lock["Path"] == f"{backend.bucket}/{state_key}"
            refused = make_plan(ci, backend, tmp_path, "--backend-config", str(backend.settings))
            assert refused.returncode == 1, refused.stderr[-3000:]
            assert "Error acquiring the state lock" in refused.stderr and lock["ID"] in refused.stderr
        finally:
            output, _ = apply.communicate("no\n", timeout=TIMEOUT)
    assert apply.returncode == 1 and "Apply cancelled" in output, output[-3000:]
    assert not backend.exists(lock_key)
    assert len(backend.versions(state_key)[0]) == state_versions, "neither operation wrote the state"


def test_ci_plan_reads_the_deployed_state_so_data_loss_is_reported(backend: Backend, deployed: Deployed,
                                                                    tmp_path: Path) -> None:
    """The rename plans as a replace against the remote state; against local (empty) state it is a mere create."""
    state_versions = len(backend.versions(backend.outputs["state_key"])[0])
    ci = checkout(tmp_path, "ci")
    rename = backend.rename()
    with backend.recorded() as requests:
        result = make_plan(ci, backend, tmp_path, "--backend-config", str(backend.settings), *rename)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"state: s3://{backend.bucket}/{backend.outputs['state_key']}" in result.stderr
    assert not (ci / BACKEND_OVERRIDE).exists() and not list(ci.glob("*.tfstate*"))
    plan = json.loads((tmp_path / "build" / "plan.json").read_text())
    assert [(c["address"], c["change"]["actions"]) for c in plan["resource_changes"]] == [
        ("aws_sns_topic.orders", ["delete", "create"])]
    write_manifest(tmp_path / "dist" / "manifest.json", Manifest.of([]))  # no functions here
    check = subprocess.run([sys.executable, "-m", "plan_check", "build/plan.json", "--format", "json"], cwd=tmp_path,
                           capture_output=True, text=True, env=backend.env, timeout=60)
    assert check.returncode == 1, check.stderr
    violations = {(v["rule"], v["address"]) for v in json.loads(check.stdout)["violations"]}
    assert violations == {("data-loss", "aws_sns_topic.orders")}

    assert permissions_used(requests, backend.bucket) == permissions_granted(backend.outputs["reader_policy_json"], "s3")
    assert kms_requests(requests) == []
    assert len(backend.versions(backend.outputs["state_key"])[0]) == state_versions, "a plan never writes the state"

    local = make_plan(ci, backend, tmp_path, *rename)
    assert local.returncode == 0, local.stderr[-3000:]
    plan = json.loads((tmp_path / "build" / "plan.json").read_text())
    assert [(c["address"], c["change"]["actions"]) for c in plan["resource_changes"]] == [("aws_sns_topic.orders", ["create"])]


def test_a_reviewed_remote_plan_applies_to_the_remote_state(backend: Backend, deployed: Deployed, tmp_path: Path) -> None:
    """The deploy path docs/remote-state.md gives: the saved plan carries its backend settings."""
    state_key = backend.outputs["state_key"]
    serial, versions = backend.state()["serial"], len(backend.versions(state_key)[0])
    ci = checkout(tmp_path, "ci")
    rename = backend.rename()
    planned = make_plan(ci, backend, tmp_path, "--backend-config", str(backend.settings), *rename)
    assert planned.returncode == 0, planned.stderr[-3000:]
    with backend.recorded() as requests:
        run(["apply", "-input=false", "-no-color", str(tmp_path / "build" / "plan.tfplan")], ci,
            {**backend.env, "TF_DATA_DIR": str(data_dir(ci))}, timeout=TIMEOUT)
    state = backend.state()
    assert state["serial"] > serial and len(backend.versions(state_key)[0]) > versions
    (topic,) = [r for r in state["resources"] if r["type"] == "aws_sns_topic"]
    assert f"topic_name={topic['instances'][0]['attributes']['name']}" == rename[1]
    used = permissions_used(requests, backend.bucket)
    assert ("s3:PutObject", f"arn:aws:s3:::{backend.bucket}/{state_key}") in used
    assert used <= permissions_granted(backend.outputs["writer_policy_json"], "s3")
    assert not backend.exists(backend.outputs["lock_key"]) and not list(ci.glob("*.tfstate*"))
