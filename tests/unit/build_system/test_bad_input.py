"""Every kind of bad input: one-line error naming the problem, exit 1, nothing written to dist/."""

from __future__ import annotations

import os
import zipfile

import pytest
from lambda_build.builder import pins_for
from lambda_build.config import discover

from .conftest import Repo, lock_text

HASH = "0" * 64


def _fails(repo: Repo, capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    before = repo.snapshot()
    # Over a good build, so "nothing written" also means "the previous build is intact".
    assert "manifest.json" in before and any(name.endswith(".zip") for name in before), "use the `built` fixture"
    result = repo.run("build", capsys=capsys)
    assert result.code == 1, result.err
    message = result.err.strip().splitlines()[-1]
    assert message.startswith("error: ")
    for fragment in fragments:
        assert fragment in message
    assert repo.snapshot() == before
    return message


@pytest.fixture
def built(offline_repo: Repo, capsys: pytest.CaptureFixture[str]) -> Repo:
    """A repository with a good build in dist/, so a later failure must leave that build intact."""
    offline_repo.function("good")
    assert offline_repo.run("build", capsys=capsys).code == 0
    return offline_repo


@pytest.mark.parametrize(
    ("config", "fragments"),
    [
        ('handler = "app.handler"\nhandlr = "x"\n', ["functions/bad/function.toml", "unknown key `handlr`"]),
        ('handler = "app.handler"\nlayers = "common"\n', ["`layers` must be a list of strings"]),
        ('handler = "app.handler"\ninclude_boto3 = "yes"\n', ["`include_boto3` must be true or false"]),
        ('handler = "app.handler"\narchitecture = "amd64"\n', ["architecture 'amd64' is invalid"]),
        ('handler = "app.handler"\nruntime = "python2.7"\n', ["runtime 'python2.7' is not supported"]),
        ('runtime = "python3.12"\n', ["missing required key `handler`"]),
        ('handler = "app"\n', ["must look like module.function"]),
        ('handler = "app.handler"\nlayers = ["nope"]\n', ["unknown layer 'nope'"]),
        ("handler = = 1\n", ["invalid TOML"]),
    ],
)
def test_bad_config(built: Repo, capsys: pytest.CaptureFixture[str], config: str, fragments: list[str]) -> None:
    built.function("bad", config=config)
    _fails(built, capsys, *fragments)


def test_typo_in_layer_config(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    built.layer("common", config="handler = 'x.y'\n")
    _fails(built, capsys, "layers/common/layer.toml", "unknown key `handler`")


def test_name_clash_between_function_and_layer(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    built.layer("good")
    _fails(built, capsys, "name clash", "dist/good.zip")


def test_directory_without_config(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    built.write("functions/orphan/app.py", "x = 1\n")
    _fails(built, capsys, "functions/orphan/ has no function.toml")


def test_missing_handler_module(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    built.function("bad", config='handler = "main.handler"\n')
    _fails(built, capsys, "functions/bad", "module 'main' not found", "main.py")


def test_missing_handler_function(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    built.function("bad", config='handler = "app.handle"\n')
    _fails(built, capsys, "functions/bad", "app.py defines no top-level 'handle'")


def test_handler_found_in_package_and_by_assignment(offline_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    offline_repo.function("pkg", config='handler = "svc.entry.handler"\n')
    offline_repo.write("functions/pkg/svc/__init__.py", "")
    offline_repo.write("functions/pkg/svc/entry.py", "def _impl(e, c):\n    return e\n\nhandler = _impl\n")
    assert offline_repo.run("build", capsys=capsys).code == 0


def test_syntax_error_in_source(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    built.function("bad", code="def handler(event, context)\n    return 1\n")
    _fails(built, capsys, "functions/bad", "app.py")


def test_symlink_outside_function_dir(built: Repo, capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    secret = tmp_path / "outside.py"
    secret.write_text("TOKEN = 'x'\n")
    target = built.function("bad")
    os.symlink(secret, target / "linked.py")
    _fails(built, capsys, "functions/bad/linked.py is a symlink pointing outside functions/bad/")


def test_symlink_inside_function_dir_is_followed(offline_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    target = offline_repo.function("ok")
    (target / "lib").mkdir()
    (target / "lib" / "util.py").write_text("X = 1\n")
    os.symlink("lib/util.py", target / "util.py")
    assert offline_repo.run("build", capsys=capsys).code == 0
    names = zipfile.ZipFile(offline_repo.dist / "ok.zip").namelist()
    assert "util.py" in names and "lib/util.py" in names


def test_missing_lock(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    built.function("bad")
    built.write("functions/bad/requirements.in", "orjson\n")
    _fails(built, capsys, "functions/bad/requirements.txt is missing", "make lock")


def test_lock_without_hashes(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    built.function("bad")
    built.write("functions/bad/requirements.in", "orjson\n")
    built.write("functions/bad/requirements.txt", "orjson==3.10.12\n")
    _fails(built, capsys, "functions/bad/requirements.txt:1", "no --hash", "make lock")


def test_lock_not_made_by_make_lock(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """A hand-written or plain pip-compile lock records no requirements.in, so its freshness is unknown."""
    built.function("bad")
    built.write("functions/bad/requirements.in", "orjson\n")
    built.write("functions/bad/requirements.txt", f"orjson==3.10.12 --hash=sha256:{HASH}\n")
    _fails(built, capsys, "functions/bad/requirements.txt was not written by `make lock`", "run `make lock`")


@pytest.mark.parametrize(
    ("locked_for", "now", "fragments"),
    [
        # added extra: psycopg[binary] locked as plain psycopg would ship no psycopg-binary
        (["psycopg"], "psycopg[binary]\n", ["asks for 'psycopg[binary]'", "made for 'psycopg'"]),
        (["requests"], "requests\norjson\n", ["asks for 'orjson'", "made without it"]),  # added name
        (["requests", "orjson"], "requests\n", ["no longer asks for 'orjson'", "still locks"]),  # removed
        (["requests>=2"], "requests>=2,<3\n", ["asks for 'requests<3,>=2'", "made for 'requests>=2'"]),  # specifier
        (["requests"], 'requests; python_version >= "3.12"\n', ["asks for 'requests; python_version", "made for 'requests'"]),
        (["requests[socks]"], "requests\n", ["asks for 'requests'", "made for 'requests[socks]'"]),  # removed extra
    ],
)
def test_stale_lock(built: Repo, capsys: pytest.CaptureFixture[str], locked_for: list[str], now: str,
                    fragments: list[str]) -> None:
    """requirements.in must ask for exactly what the lock was made from: names, extras, specifiers, markers."""
    built.function("bad")
    built.write("functions/bad/requirements.in", now)
    pins = {"psycopg==3.2.3": [HASH], "requests==2.32.3": [HASH], "orjson==3.10.12": [HASH]}
    built.write("functions/bad/requirements.txt", lock_text(locked_for, pins))
    _fails(built, capsys, "functions/bad/requirements.in", *fragments, "stale lock", "run `make lock`")


def test_fresh_lock_ignores_comments_and_spelling(offline_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """Comments, order, spacing and name spelling are not requirements: no re-lock needed (and no download here)."""
    offline_repo.function("f")
    offline_repo.write("functions/f/requirements.in", "# clients\nRequests [socks] >= 2  # http\nboto3\n")
    offline_repo.write("functions/f/requirements.txt", lock_text(
        ["boto3", "requests[socks]>=2"], {"boto3==1.0": [HASH], "requests==2.32.3": [HASH]}))
    artifact = discover(offline_repo.root)["f"]
    assert [p.name for p in pins_for(artifact)] == ["requests"]


def test_lock_pinned_outside_specifier(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """A pin edited by hand after `make lock` is caught too."""
    built.function("bad")
    built.write("functions/bad/requirements.in", "orjson>=3.11\n")
    built.write("functions/bad/requirements.txt", lock_text(["orjson>=3.11"], {"orjson==3.10.12": [HASH]}))
    _fails(built, capsys, "orjson>=3.11 is pinned at 3.10.12", "make lock")


def test_unknown_package(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """Needs the package index: the build asks it for a name that does not exist."""
    built.function("bad")
    built.write("functions/bad/requirements.in", "no-such-package-lambda-build-test\n")
    built.write("functions/bad/requirements.txt", lock_text(["no-such-package-lambda-build-test"],
                                                            {"no-such-package-lambda-build-test==1.0": [HASH]}))
    message = _fails(built, capsys, "no-such-package-lambda-build-test is not on the package index", "make lock")
    assert "pip" not in message


def test_no_wheel_for_target(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """PyYAML 5.3.1 has wheels for Windows only: never build from source; say which wheel is missing."""
    built.function("bad")
    built.write("functions/bad/requirements.in", "pyyaml\n")
    built.write("functions/bad/requirements.txt", lock_text(["pyyaml"], {"pyyaml==5.3.1": [HASH]}))
    message = _fails(built, capsys, "no cp312 manylinux x86_64 wheel of pyyaml 5.3.1",
                     "python3.12 (Amazon Linux 2023, glibc 2.34) x86_64", "pin a version that has one")
    assert "pip._internal" not in message and "ERROR" not in message


def test_runtime_provided_packages_are_left_out(offline_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    """boto3/botocore in a lock are not installed unless include_boto3 = true (so no download is attempted)."""
    offline_repo.function("f")
    offline_repo.write("functions/f/requirements.in", "boto3\n")
    offline_repo.write("functions/f/requirements.txt", lock_text(
        ["boto3"], {f"{name}==1.0": [HASH] for name in ("boto3", "botocore", "s3transfer")}))
    assert offline_repo.run("build", capsys=capsys).code == 0
    assert not any("boto" in n for n in zipfile.ZipFile(offline_repo.dist / "f.zip").namelist())
    offline_repo.write("functions/f/function.toml", 'handler = "app.handler"\ninclude_boto3 = true\n')
    artifact = discover(offline_repo.root)["f"]
    assert [p.name for p in pins_for(artifact)] == ["boto3", "botocore", "s3transfer"]


def test_unknown_artifact_name(built: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    result = built.run("build", "nope", capsys=capsys)
    assert result.code == 1
    assert "unknown artifact 'nope'; known: good" in result.err


def test_requirements_in_without_requirements_needs_no_lock(offline_repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    offline_repo.function("f")
    offline_repo.write("functions/f/requirements.in", "# nothing beyond the runtime's boto3\n\n")
    assert offline_repo.run("build", capsys=capsys).code == 0
