"""A zip over 50 MB reaches Lambda through the root module's artifact bucket, on the emulator.

build.py builds a copy of the repository's functions and layers in which failure_handler carries
incompressible data past the 50 MB direct-upload limit (`--allow-s3-upload` marks it
upload_via_s3), and the root module is applied to moto with that dist/ and no other input than the
local stack's: the zip must land in the bucket the root creates for it, encrypted with the pipeline
key, and the function must run exactly that zip. One apply, shared by the tests of this module.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from local_stack.demo.session import LOCAL_TF_VARS
from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.terraform_stack import TerraformStack, stage
from pipeline_contract.manifest import DIRECT_UPLOAD_LIMIT, MANIFEST_FILE, Manifest
from pipeline_contract.manifest import load as load_manifest
from repo_paths import REPO_ROOT

LARGE = "failure_handler"
PADDING = "failure_handler/padding.bin"  # relative to the function's directory, as function.toml includes it
PADDING_BYTES = DIRECT_UPLOAD_LIMIT + (1 << 20)  # random bytes do not compress: the zip stays over the limit


@dataclass
class Applied:
    manifest: Manifest
    outputs: dict[str, Any]
    stack: TerraformStack
    moto: MotoServer

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.moto.endpoint_url, region_name=self.moto.region,
                            aws_access_key_id="testing", aws_secret_access_key="testing")


def _build_with_large_function(root: Path) -> Manifest:
    """functions/ and layers/ copied to `root`, LARGE padded past 50 MB, built there with --allow-s3-upload."""
    for folder in ("functions", "layers"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    function = root / "functions" / LARGE
    config = function / "function.toml"
    text, count = re.subn(r"^include\s*=\s*\[", f'include = ["{PADDING}", ', config.read_text(), count=1, flags=re.M)
    assert count == 1, f"{config} has no include list to add {PADDING} to"
    config.write_text(text)
    with open(function / PADDING, "wb") as handle:
        handle.write(os.urandom(PADDING_BYTES))
    result = subprocess.run([sys.executable, str(REPO_ROOT / "build.py"), "--root", str(root), "build", "--allow-s3-upload"],
                            capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return load_manifest(root / "dist" / MANIFEST_FILE)


@pytest.fixture(scope="module")
def applied(own_moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Applied]:
    tmp = tmp_path_factory.mktemp("artifact_bucket")
    manifest = _build_with_large_function(tmp / "repo")
    assert [n for n, a in manifest.artifacts.items() if a.upload_via_s3] == [LARGE], manifest
    assert manifest.artifacts[LARGE].zipped_bytes > DIRECT_UPLOAD_LIMIT
    variables = {**LOCAL_TF_VARS, "region": own_moto.region, "manifest_path": str(tmp / "repo" / "dist" / MANIFEST_FILE),
                 "artifact_root": str(tmp / "repo")}
    stack = TerraformStack(stage(".", tmp / "terraform"), own_moto.env(), variables)
    stack.init()
    stack.apply()
    yield Applied(manifest, stack.outputs(), stack, own_moto)


def _function(applied: Applied, output: str) -> dict[str, Any]:
    configuration: dict[str, Any] = applied.client("lambda").get_function(FunctionName=applied.outputs[output])["Configuration"]
    return configuration


def test_the_function_runs_the_zip_uploaded_through_the_bucket(applied: Applied) -> None:
    large = applied.manifest.artifacts[LARGE]
    deployed = _function(applied, "failure_handler_function_name")
    assert (deployed["CodeSha256"], deployed["CodeSize"]) == (large.source_code_hash, large.zipped_bytes)
    direct = applied.manifest.artifacts["stream_processor"]
    deployed = _function(applied, "stream_processor_function_name")
    assert (deployed["CodeSha256"], deployed["CodeSize"]) == (direct.source_code_hash, direct.zipped_bytes)


def test_the_zip_is_in_the_created_bucket_under_its_hash_encrypted_with_the_pipeline_key(applied: Applied) -> None:
    large = applied.manifest.artifacts[LARGE]
    bucket = applied.outputs["artifact_bucket"]
    assert bucket.startswith("clickstream-artifacts-"), applied.outputs
    s3 = applied.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    url_safe_hash = large.source_code_hash.replace("/", "_").replace("+", "-")
    assert len(keys) == 1 and keys[0].endswith(f"/{url_safe_hash}.zip"), keys
    stored = s3.get_object(Bucket=bucket, Key=keys[0])
    assert (stored["ServerSideEncryption"], stored["SSEKMSKeyId"]) == ("aws:kms", applied.outputs["kms_key_arn"])
    digest = hashlib.sha256()
    for chunk in stored["Body"].iter_chunks(1 << 20):
        digest.update(chunk)
    assert base64.b64encode(digest.digest()).decode() == large.source_code_hash


def test_the_created_bucket_is_private_versioned_and_tls_only(applied: Applied) -> None:
    bucket, s3 = applied.outputs["artifact_bucket"], applied.client("s3")
    assert set(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values()) == {True}
    assert [r["ObjectOwnership"] for r in s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]] == [
        "BucketOwnerEnforced"]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": applied.outputs["kms_key_arn"]}
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    [statement] = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert (statement["Effect"], statement["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_a_second_plan_changes_nothing(applied: Applied) -> None:
    """No perpetual diff from deploying through S3: the object, the key and the code hash round-trip."""
    assert applied.stack.plan_changes() == ""
