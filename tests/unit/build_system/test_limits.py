"""AWS limits are refused at build time with a table, exit code 3 and dist/ left exactly as it was."""

from __future__ import annotations

import json
import os
import re

import lambda_build.build_command
import lambda_build.builder
import pytest
from lambda_build.aws_limits import Measured, violations

from .conftest import Repo

MB = 1 << 20


@pytest.fixture
def good(repo: Repo, capsys) -> Repo:
    repo.function("f", config='handler = "app.handler"\nlayers = ["common"]\n')
    repo.layer("common")
    assert repo.run("build", capsys=capsys).code == 0
    return repo


def _violates(repo: Repo, capsys, *fragments: str, args: tuple[str, ...] = ()) -> str:
    before = repo.snapshot()
    result = repo.run("build", *args, capsys=capsys)
    assert result.code == 3, result.err
    assert "artifact" in result.err and "limit" in result.err and "measured" in result.err  # the table header
    for fragment in fragments:
        assert fragment in result.err
    assert result.err.strip().splitlines()[-1].startswith("error: ")
    assert repo.snapshot() == before
    assert not [p for p in repo.dist.iterdir() if p.name.startswith(".staging")]
    return result.err


def test_zip_over_50_mb_needs_s3(good: Repo, capsys) -> None:
    (good.root / "functions/f/blob.bin").write_bytes(os.urandom(51 * MB))
    with open(good.root / "functions/f/zeros.bin", "wb") as handle:  # 8 MB unzipped, a few KB zipped
        handle.truncate(8 * MB)
    err = _violates(good, capsys, "50 MB zipped for direct upload (52,428,800 B)", "--allow-s3-upload",
                    "largest, zipped: functions/f/blob.bin 51.0 MB, functions/f/zeros.bin ")
    zeros = err.split("functions/f/zeros.bin ")[1].split(",")[0]
    assert zeros.endswith(" KB") and float(zeros.split()[0]) < 100  # its zipped size, like the limit's
    zipped = (good.root / "functions/f/blob.bin").stat().st_size  # at least
    line = err.strip().splitlines()[-1]
    assert re.fullmatch(r"error: f: f\.zip is [\d,]+ B, over the AWS limit of 52,428,800 B \(50 MB\) for a direct "
                        r"upload; pass --allow-s3-upload to upload it via S3, or shrink it \(largest contributors in the "
                        r"table\)", line), line
    assert int(line.split(" is ")[1].split()[0].replace(",", "")) > zipped
    result = good.run("--json", "build", "--allow-s3-upload", capsys=capsys)
    assert result.code == 0, result.err
    entry = json.loads((good.dist / "manifest.json").read_text())["artifacts"]["f"]
    assert entry["upload_via_s3"] is True and entry["zipped_bytes"] > 52_428_800
    assert good.run("check", capsys=capsys).code == 3
    assert good.run("check", "--allow-s3-upload", capsys=capsys).code == 0


def test_function_plus_layers_over_250_mb_unzipped(good: Repo, capsys) -> None:
    with open(good.root / "functions/f/zeros.bin", "wb") as handle:
        handle.truncate(130 * MB)
    with open(good.root / "layers/common/zeros.bin", "wb") as handle:
        handle.truncate(130 * MB)
    err = _violates(good, capsys, "250 MB unzipped incl. layers (262,144,000 B)", "272,630,",
                    "largest, unzipped: functions/f/zeros.bin 130.0 MB, layers/common/zeros.bin 130.0 MB")
    assert "error: f: the function and its layers unzip to 272,630," in err


def test_layer_alone_over_250_mb_unzipped(good: Repo, capsys) -> None:
    good.write("functions/f/function.toml", 'handler = "app.handler"\n')
    with open(good.root / "layers/common/zeros.bin", "wb") as handle:
        handle.truncate(251 * MB)
    _violates(good, capsys, "250 MB unzipped (262,144,000 B)", "layers/common/zeros.bin 251.0 MB",
              "error: common: the layer unzips to 263,192,")


def test_more_than_five_layers(good: Repo, capsys) -> None:
    names = [f"l{i}" for i in range(6)]
    for name in names:
        good.layer(name)
    good.write("functions/f/function.toml", f'handler = "app.handler"\nlayers = {json.dumps(names)}\n')
    _violates(good, capsys, "at most 5 layers per function (AWS)", "6 layers", "l0, l1, l2, l3, l4, l5")
    result = good.run("--json", "build", capsys=capsys)
    assert result.code == 3
    message = ("f: uses 6 layers, but AWS allows at most 5 per function; remove one from `layers` in "
               "functions/f/function.toml or merge two of them")
    assert result.json["error"] == message
    assert result.json["violations"] == [
        {"artifact": "f", "limit": "at most 5 layers per function (AWS)", "measured": "6 layers",
         "details": "l0, l1, l2, l3, l4, l5", "message": message}
    ]


def test_package_in_function_and_layer(good: Repo, capsys, orjson_lock) -> None:
    good.write("functions/f/requirements.in", "orjson\n")
    good.write("functions/f/requirements.txt", orjson_lock)
    good.write("layers/common/requirements.in", "orjson\n")
    good.write("layers/common/requirements.txt", orjson_lock)
    err = _violates(good, capsys, "each package in one place (project rule)", "1 package in both", "orjson (layer common)")
    assert err.strip().splitlines()[-1] == (
        "error: f: package orjson is installed both in the function and in its layer common, against the project rule "
        "of one copy per package (the function's copy would shadow the layer's); remove it from "
        "functions/f/requirements.in and run `make lock`, or from the layer"
    )
    assert "AWS" not in err.strip().splitlines()[-1]


def test_check_runs_only_the_checks(good: Repo, capsys) -> None:
    result = good.run("check", capsys=capsys)
    assert result.code == 0, result.err
    assert "f" in result.out and "ok" in result.out
    (good.dist / "f.zip").write_bytes(b"not the zip that was built")
    result = good.run("check", capsys=capsys)
    assert result.code == 1 and "dist/f.zip changed since it was built; run `make build`" in result.err


def test_check_before_any_build(offline_repo: Repo, capsys) -> None:
    offline_repo.function("f")
    result = offline_repo.run("check", capsys=capsys)
    assert result.code == 1 and "dist/f.zip is not built; run `make build`" in result.err


def test_layer_count_is_refused_before_any_work(offline_repo: Repo, capsys, monkeypatch) -> None:
    """A config-level limit needs no zip: nothing is read, built or written before it is refused."""
    names = [f"l{i}" for i in range(6)]
    for name in names:
        offline_repo.layer(name)
    offline_repo.function("f", config=f'handler = "app.handler"\nlayers = {json.dumps(names)}\n')
    started: list[str] = []
    real_build, real_collect = lambda_build.builder.build, lambda_build.build_command.collect

    def build(artifact, *args):
        started.append(f"build {artifact.name}")
        return real_build(artifact, *args)

    def collect(artifact, display):
        started.append(f"read {display}")
        return real_collect(artifact, display)

    monkeypatch.setattr(lambda_build.builder, "build", build)
    monkeypatch.setattr(lambda_build.build_command, "collect", collect)
    for command in ("build", "check"):
        result = offline_repo.run(command, capsys=capsys)
        assert (result.code, started) == (3, []), result.err
        assert "6 layers" in result.err
        assert not offline_repo.dist.exists()


def test_duplicated_packages_are_listed_in_one_grammatical_line() -> None:
    sizes = {"orjson": [100, 300], "pydantic": [200, 600]}
    function = Measured("f", "function", ["common"], 500, 1000, sizes, {"functions/f/app.py": [50, 100]})
    layer = Measured("common", "layer", [], 500, 1000, dict(sizes), {})
    (found,) = violations({"f": function, "common": layer}, allow_s3=False)
    assert (found.limit, found.measured, found.details) == (
        "each package in one place (project rule)", "2 packages in both", "orjson, pydantic (layer common)"
    )
    assert found.message.startswith("f: packages orjson, pydantic are installed both in the function and in its layer")
    assert "remove them from functions/f/requirements.in" in found.message
