"""The provider discovery and interpreter lookup that every other tool relies on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from python_finder import find_python
from terraform_tools import environment as terraform_env


def _fake_mirror(root: Path) -> Path:
    binary = root / "registry.terraform.io/hashicorp/aws/5.100.0" / terraform_env.terraform_platform()
    binary.mkdir(parents=True)
    (binary / "terraform-provider-aws_v5.100.0_x5").write_text("")
    return root


def test_explicit_mirror_is_used_and_config_lists_its_providers(tmp_path, monkeypatch):
    mirror = _fake_mirror(tmp_path / "mirror")
    monkeypatch.setenv(terraform_env.MIRROR_ENV, str(mirror))
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "absent.tfrc"))
    monkeypatch.setattr(terraform_env, "GENERATED_CONFIG", tmp_path / "cli.tfrc")
    env = terraform_env.terraform_environ()
    assert env["TF_CLI_CONFIG_FILE"] == str(tmp_path / "cli.tfrc")
    text = (tmp_path / "cli.tfrc").read_text()
    assert f'path    = "{mirror}"' in text
    assert 'include = ["registry.terraform.io/hashicorp/aws"]' in text


def test_existing_user_config_is_left_alone(tmp_path, monkeypatch):
    user_config = tmp_path / "user.tfrc"
    user_config.write_text("")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(user_config))
    assert terraform_env.terraform_environ()["TF_CLI_CONFIG_FILE"] == str(user_config)


def test_no_mirror_means_public_registry_with_plugin_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "absent.tfrc"))
    monkeypatch.delenv(terraform_env.MIRROR_ENV, raising=False)
    monkeypatch.setattr(terraform_env, "find_provider_mirror", lambda: None)
    monkeypatch.setattr(terraform_env, "PLUGIN_CACHE", tmp_path / "cache")
    env = terraform_env.terraform_environ()
    assert "TF_CLI_CONFIG_FILE" not in env
    assert env["TF_PLUGIN_CACHE_DIR"] == str(tmp_path / "cache")


def test_explicit_mirror_without_providers_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv(terraform_env.MIRROR_ENV, str(tmp_path))
    with pytest.raises(SystemExit, match="holds no providers"):
        terraform_env.find_provider_mirror()


def test_find_python_finds_the_running_interpreter_version():
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    found = find_python(version)
    assert found is not None
    assert find_python("2.1") is None
