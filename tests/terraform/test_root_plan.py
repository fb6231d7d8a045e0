"""The root pipeline planned with the real AWS provider against the emulator (moto), no mocks.

The guard that matters most to users: `terraform plan` refuses a missing or stale build and says
to run `make build`, while a complete manifest plans the whole pipeline without any variable, also
when some zips are too large for direct upload and must go through S3.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from local_stack.emulators.moto_server import MotoServer
from pipeline_contract.manifest import load as load_manifest
from pipeline_contract.manifest import write as write_manifest
from plan_check.findings import Context, Options
from plan_check.plan_model import load_plan
from plan_check.rules import run_all

from tests.terraform.fixture_manifest import COMMITTED, COMMITTED_VIA_S3, VIA_S3, fixture_manifest, stale
from tests.terraform.tf import REPO_ROOT, terraform


def _plan(moto: MotoServer, manifest: Path, validation_results: dict[Path, tuple[str, str]],
          *args: str) -> tuple[int, str]:
    assert validation_results[REPO_ROOT][0] == "", "the root does not init/validate; see test_tf_validate"
    env = {**moto.env(), "TF_VAR_manifest_path": str(manifest), "TF_VAR_artifact_root": str(REPO_ROOT)}
    code, output = terraform(REPO_ROOT, "plan", "-input=false", "-lock=false", "-no-color", *args, env=env)
    return code, re.sub(r"\s+", " ", output)


def _tail(output: str) -> str:
    return output[-4000:]


def test_complete_manifest_plans_the_pipeline(moto_server: MotoServer, validation_results) -> None:
    code, output = _plan(moto_server, COMMITTED, validation_results)
    assert code == 0, _tail(output)
    added = re.search(r"Plan: (\d+) to add, 0 to change, 0 to destroy", output)
    assert added and int(added.group(1)) >= 60, _tail(output)
    for address in ("module.pipeline.module.mapping.aws_lambda_event_source_mapping.this",
                    "module.db_proxy.aws_db_proxy.this", 'module.endpoints.aws_vpc_endpoint.interface["kinesis-streams"]',
                    "module.pipeline.module.failure_handler_destinations[0].aws_lambda_function_event_invoke_config.this"):
        assert f"# {address} will be created" in output, address


@pytest.mark.parametrize(("stale_artifact", "expected"), [
    ("stream_processor", "Lambda artifact {root}/tests/terraform/fixtures/stream_processor.zip differs from the "
                         "source_code_hash in dist/manifest.json: run `make build`."),
    (None, "{tmp}/manifest.json is missing or not JSON: run `make build`."),
], ids=["stale-zip", "missing-manifest"])
def test_plan_refuses_a_missing_or_stale_build(moto_server: MotoServer, validation_results, tmp_path: Path,
                                               stale_artifact: str | None, expected: str) -> None:
    manifest = tmp_path / "manifest.json"
    if stale_artifact is not None:
        write_manifest(manifest, stale(fixture_manifest(), stale_artifact))
    code, output = _plan(moto_server, manifest, validation_results)
    assert code == 1, _tail(output)
    assert expected.format(root=REPO_ROOT, tmp=tmp_path) in output, _tail(output)


def test_zips_marked_for_s3_deploy_from_the_artifact_bucket(moto_server: MotoServer, validation_results,
                                                          tmp_path: Path) -> None:
    """A function and a layer marked upload_via_s3 are uploaded to the artifact bucket under a key that
    holds their hash (a rebuild is a new object, so Terraform updates the code) and deployed from there;
    the other function still uploads directly. The bucket is given (artifact_bucket), so the plan knows
    its name; a created one's is known only after apply (tests/integration/test_artifact_bucket.py)."""
    bucket = "team-lambda-artifacts"
    plan_file = tmp_path / "plan.tfplan"
    code, output = _plan(moto_server, COMMITTED_VIA_S3, validation_results, f"-out={plan_file}", f"-var=artifact_bucket={bucket}")
    assert code == 0, _tail(output)
    code, shown = terraform(REPO_ROOT, "show", "-json", str(plan_file))
    assert code == 0, shown[-4000:]
    (tmp_path / "plan.json").write_text(shown)
    plan = load_plan(tmp_path / "plan.json")
    manifest = load_manifest(COMMITTED_VIA_S3)._replace(root=REPO_ROOT)
    planned = {r.address: r for r in plan.resources}
    deployers = {"stream_processor": "module.pipeline.module.function.aws_lambda_function.this",
                 "common": 'module.layer["common"].aws_lambda_layer_version.this'}
    assert set(deployers) == set(VIA_S3)
    ctx = Context(plan=plan, manifest=manifest, options=Options())
    for name, address in deployers.items():
        artifact, deployed = manifest.artifacts[name], planned[address]
        upload = planned[address.rsplit(".", 2)[0] + ".aws_s3_object.artifact[0]"]
        key = upload.value("key")
        url_safe_hash = artifact.source_code_hash.replace("/", "_").replace("+", "-")
        assert isinstance(key, str) and key.endswith(f"/{url_safe_hash}.zip"), key
        assert (upload.value("bucket"), upload.value("source"), upload.value("source_hash")) == (
            bucket, str(REPO_ROOT / artifact.path), artifact.source_code_hash)
        assert (deployed.value("s3_bucket"), deployed.value("s3_key"), deployed.value("filename")) == (bucket, key, None)
        assert ctx.artifact_of(deployed) == artifact, f"the plan checker cannot tell what {address} deploys"
    direct = planned["module.pipeline.module.failure_handler[0].aws_lambda_function.this"]
    assert direct.value("filename") == str(REPO_ROOT / manifest.artifacts["failure_handler"].path)
    assert direct.value("s3_bucket") is None and "module.pipeline.module.failure_handler[0].aws_s3_object.artifact[0]" not in planned
    assert not [a for a in planned if ".artifacts" in a and a.startswith("aws_s3_bucket")], "a given bucket replaces the created one"
    assert list(run_all(ctx)) == []
