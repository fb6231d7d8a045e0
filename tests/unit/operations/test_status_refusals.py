"""`make status` refuses in one line with the fix when it has nothing to talk to (no emulator needed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from operations import status


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials, profiles, endpoint or local stack; returns the (empty) local stack state directory."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr("local_stack.stack_state.STACK_FILE", tmp_path / "stack.json")
    return tmp_path


def error_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert status.main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    return captured.err.strip()


def test_no_region(no_aws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(["--stream", "clicks"], capsys) == (
        "error: no AWS region: pass --region or set AWS_REGION (or start the local stack with `make up`)")


def test_no_credentials(no_aws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(["--region", "eu-west-1", "--stream", "clicks"], capsys).startswith("error: no AWS credentials: pass --profile")


def test_unknown_profile(no_aws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(["--aws", "--profile", "nope"], capsys) == (
        "error: AWS profile 'nope' is not configured: pass a profile from ~/.aws/config")


def test_local_without_a_running_stack(no_aws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert error_of(["--local"], capsys) == "error: no local stack is running; start one with `make up`"


def test_a_local_stack_that_died(no_aws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (no_aws / "stack.json").write_text(json.dumps({"pid": 2 ** 22 + 1, "endpoint": "http://127.0.0.1:1", "region": "us-east-1"}))
    assert error_of([], capsys) == (f"error: the local stack (pid {2 ** 22 + 1}) is not running; "
                                    "`make down` cleans up, `make up` starts one")


def test_aws_options_while_a_local_stack_is_up_ask_for_aws(no_aws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (no_aws / "stack.json").write_text(json.dumps({"pid": os.getpid(), "endpoint": "http://127.0.0.1:1", "region": "us-east-1"}))
    assert error_of(["--region", "eu-west-1"], capsys).endswith("--profile/--region apply to AWS: add --aws to use AWS")


def test_terraform_without_outputs(no_aws: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    (no_aws / "main.tf").write_text("")
    assert error_of(["--chdir", str(no_aws)], capsys) == (
        f"error: `terraform output` in {no_aws} has no outputs (nothing applied there): apply the root module, "
        "pass --chdir, or name the parts yourself (see --help)")


def test_a_bad_alarm_tag_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        status.main(["--alarm-tag", "team"])
    assert exited.value.code == 2 and "--alarm-tag: expected KEY=VALUE, got 'team'" in capsys.readouterr().err
