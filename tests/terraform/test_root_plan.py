"""The root pipeline planned with the real AWS provider against the emulator (moto), no mocks.

The guard that matters most to users: `terraform plan` refuses a missing or stale build and says
to run `make build`, while a complete manifest plans the whole pipeline without any variable.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from local_stack.emulators.moto_server import MotoServer
from pipeline_contract.manifest import write as write_manifest

from tests.terraform.fixture_manifest import COMMITTED, fixture_manifest, stale
from tests.terraform.tf import REPO_ROOT, terraform


def _plan(moto: MotoServer, manifest: Path, validation_results: dict[Path, tuple[str, str]]) -> tuple[int, str]:
    assert validation_results[REPO_ROOT][0] == "", "the root does not init/validate; see test_tf_validate"
    env = {**moto.env(), "TF_VAR_manifest_path": str(manifest), "TF_VAR_artifact_root": str(REPO_ROOT)}
    code, output = terraform(REPO_ROOT, "plan", "-input=false", "-lock=false", "-no-color", env=env)
    return code, re.sub(r"\s+", " ", output)


def _tail(output: str) -> str:
    return output[-4000:]


def test_complete_manifest_plans_the_pipeline(moto_server: MotoServer, validation_results) -> None:
    code, output = _plan(moto_server, COMMITTED, validation_results)
    assert code == 0, _tail(output)
    added = re.search(r"Plan: (\d+) to add, 0 to change, 0 to destroy", output)
    assert added and int(added.group(1)) >= 60, _tail(output)
    for address in ("module.processor_mapping.aws_lambda_event_source_mapping.this",
                    "module.db_proxy.aws_db_proxy.this", 'module.endpoints.aws_vpc_endpoint.interface["kinesis-streams"]',
                    "module.failure_handler_destinations.aws_lambda_function_event_invoke_config.this"):
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
