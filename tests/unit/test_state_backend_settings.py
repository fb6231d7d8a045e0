"""The S3 backend switched on for one run: the settings file is checked, the override file never outlives the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from plan_check import make_plan
from terraform_tools.remote_state import (
    BACKEND_OVERRIDE,
    OVERRIDE_TEXT,
    BackendConfigError,
    describe,
    read_backend_config,
    s3_backend,
)

SETTINGS = '''bucket       = "terraform-state-111122223333-eu-west-1"
key          = "kinesis-lambda-pipeline/terraform.tfstate"
region       = "eu-west-1"
encrypt      = true
kms_key_id   = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
use_lockfile = true
'''


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "state.s3.tfbackend"
    path.write_text(text)
    return path


def test_the_bootstraps_settings_are_read(tmp_path: Path) -> None:
    settings = read_backend_config(_file(tmp_path, SETTINGS))
    assert settings["bucket"] == "terraform-state-111122223333-eu-west-1" and settings["use_lockfile"] is True
    assert describe(settings) == ("s3://terraform-state-111122223333-eu-west-1/kinesis-lambda-pipeline/terraform.tfstate"
                                  " (lock file kinesis-lambda-pipeline/terraform.tfstate.tflock)")


@pytest.mark.parametrize(("text", "message"), [
    (SETTINGS.replace("use_lockfile = true\n", ""), "lacks `use_lockfile = true`"),
    (SETTINGS.replace("use_lockfile = true", "use_lockfile = false"), "lacks `use_lockfile = true`"),
    (SETTINGS.replace('bucket       = "terraform-state-111122223333-eu-west-1"\n', ""), "sets no bucket;"),
    ("region = \"eu-west-1\"\n", "sets no bucket and no key;"),
    ("bucket = {\n", "not a backend settings file"),
])
def test_unusable_settings_are_refused_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(BackendConfigError) as caught:
        read_backend_config(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_a_missing_settings_file_says_how_to_write_it(tmp_path: Path) -> None:
    with pytest.raises(BackendConfigError, match=r"cannot read it .*backend_config"):
        read_backend_config(tmp_path / "absent.s3.tfbackend")


def test_the_override_exists_only_inside_the_block(tmp_path: Path) -> None:
    with s3_backend(tmp_path) as override:
        assert override == tmp_path / BACKEND_OVERRIDE
        assert 'backend "s3" {}' in override.read_text()
    assert not override.exists()


def test_the_override_is_removed_when_the_run_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), s3_backend(tmp_path):
        raise RuntimeError("terraform failed")
    assert not (tmp_path / BACKEND_OVERRIDE).exists()


def test_a_leftover_of_an_interrupted_run_is_replaced(tmp_path: Path) -> None:
    (tmp_path / BACKEND_OVERRIDE).write_text(OVERRIDE_TEXT)
    with s3_backend(tmp_path) as override:
        assert override.read_text() == OVERRIDE_TEXT
    assert not override.exists()


def test_a_users_own_file_of_that_name_is_never_touched(tmp_path: Path) -> None:
    mine = tmp_path / BACKEND_OVERRIDE
    mine.write_text('terraform {\n  backend "s3" { bucket = "mine" }\n}\n')
    with pytest.raises(BackendConfigError, match="was not generated here"), s3_backend(tmp_path):
        pass
    assert 'bucket = "mine"' in mine.read_text()


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text('resource "terraform_data" "x" {}\n')
    return root


def test_make_plan_refuses_unusable_settings_before_running_terraform(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root(tmp_path)
    settings = _file(tmp_path, SETTINGS.replace("use_lockfile = true\n", ""))
    assert make_plan.main(["--chdir", str(root), "--backend-config", str(settings)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"plan: error: {settings}: lacks `use_lockfile = true`")
    assert sorted(p.name for p in root.iterdir()) == ["main.tf"]


def test_make_plan_refuses_backend_settings_without_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--chdir", str(_root(tmp_path)), "--backend-config", str(_file(tmp_path, SETTINGS)), "--no-init"]
    assert make_plan.main(args) == 2
    assert "--backend-config takes effect through terraform init; drop --no-init" in capsys.readouterr().err


def test_make_plan_leaves_a_users_override_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _root(tmp_path)
    (root / BACKEND_OVERRIDE).write_text("# mine\n")
    assert make_plan.main(["--chdir", str(root), "--backend-config", str(_file(tmp_path, SETTINGS))]) == 2
    assert "was not generated here; remove it or rename it" in capsys.readouterr().err
    assert (root / BACKEND_OVERRIDE).read_text() == "# mine\n"
