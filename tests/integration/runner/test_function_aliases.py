"""Versions and aliases on the emulator, applied with Terraform: a mapping on an alias runs the
code of the version the alias points at, not $LATEST, and follows the alias when it moves."""

from __future__ import annotations

import json
from pathlib import Path

from local_stack.emulators.terraform_stack import TerraformStack, stage
from waiting import wait_until

from tests.integration.emulated_stack import Stack, bodies
from tests.integration.fixture_functions import write_artifacts

EXAMPLE = "modules/lambda-function/examples/versions-and-alias"


def _build(stack: Stack, code_tag: str) -> None:
    """`make build` of the sink as the example's stream_processor, with code that says which build it is."""
    write_artifacts(stack.tmp, rename={"sink": "stream_processor"}, code_tag=code_tag)


def test_mapping_on_an_alias_runs_the_aliased_version_until_the_alias_moves(stack: Stack, tmp_path: Path) -> None:
    stream_arn = stack.stream("example-clicks", shards=1)
    environment = json.dumps({"OUT_FILE": str(stack.out_file), "INIT_LOG": str(stack.init_log)}).replace('":', '" =')
    terraform = TerraformStack(stage(EXAMPLE, tmp_path / "staged"), stack.env, {
        "region": stack.env["AWS_REGION"], "repo_root": str(stack.tmp), "stream_arn": stream_arn,
        "environment_variables": environment,
    })
    _build(stack, "first")
    terraform.init()
    terraform.apply()
    try:
        first = terraform.outputs()
        assert (first["version"], first["alias_function_version"]) == ("1", "1")
        alias_arn = first["alias_arn"]
        assert alias_arn.endswith(":function:example-versioned-processor:live")
        [mapping] = stack.lam.list_event_source_mappings(EventSourceArn=stream_arn)["EventSourceMappings"]
        assert mapping["FunctionArn"] == alias_arn == first["mapping_function_arn"], "the mapping must invoke the alias"
        assert terraform.plan_changes() == ""

        _build(stack, "second")  # new code: version 2 is published while the alias is held on 1
        terraform.variables["alias_function_version"] = "1"
        terraform.apply()
        held = terraform.outputs()
        assert (held["version"], held["alias_function_version"]) == ("2", "1")
        assert terraform.plan_changes() == ""

        stack.put("example-clicks", bodies(30, keys=3))
        with stack.runner() as runner:
            assert runner.wait_idle(60), "runner did not finish"
            ran = stack.delivered()
            assert sorted(r["id"] for r in ran) == list(range(30))
            assert {(r["code"], r["version"], r["invoked"]) for r in ran} == {("first", "1", alias_arn)}, \
                "the alias is on version 1: its code must run, though $LATEST and dist/ hold the second build"

            del terraform.variables["alias_function_version"]  # the alias moves to the newest version
            terraform.apply()
            assert terraform.outputs()["alias_function_version"] == "2"
            stack.put("example-clicks", [{**body, "id": body["id"] + 30} for body in bodies(30, keys=3)])
            wait_until(lambda: len(stack.delivered()) == 60, 60, "the records put after the alias moved")
            assert runner.wait_idle(60), "runner did not finish"
            assert runner.all_errors() == []
        moved = stack.delivered()[len(ran):]
        assert sorted(r["id"] for r in moved) == list(range(30, 60))
        assert {(r["code"], r["version"]) for r in moved} == {("second", "2")}, "after the move the alias's version 2 must run"
    finally:
        terraform.destroy()
