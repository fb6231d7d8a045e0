"""The CLI contract (help, exit codes, JSON) and dist/ staying consistent under failure and concurrency."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import lambda_build.builder
from lambda_build import build_command as pipeline
from pipeline_contract.artifact_hash import filebase64sha256

from .conftest import BUILD_PY, Repo


def _consistent(repo: Repo) -> dict:
    manifest = json.loads((repo.dist / "manifest.json").read_text())
    for entry in manifest["artifacts"].values():
        assert filebase64sha256(repo.root / entry["path"]) == entry["source_code_hash"]
    assert not [p for p in repo.dist.iterdir() if p.name.startswith(".staging")]
    return manifest


def test_help_explains_commands_and_exit_codes() -> None:
    proc = subprocess.run([sys.executable, str(BUILD_PY), "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    for text in ("build", "check", "lock", "clean", "--json", "exit codes", "3  an AWS limit"):
        assert text in proc.stdout


def test_usage_error_exits_2(offline_repo: Repo) -> None:
    assert offline_repo.run_process("bild").code == 2
    assert offline_repo.run_process("build", "--no-such-flag").code == 2


def test_build_prints_progress_and_size_table(offline_repo: Repo) -> None:
    offline_repo.function("f")
    result = offline_repo.run_process("build")
    assert result.code == 0
    assert "[1/1] f: built" in result.err
    header, _rule, row = result.out.strip().splitlines()
    assert header.split() == ["artifact", "kind", "arch", "status", "zipped", "unzipped", "via", "S3"]
    assert row.split()[:4] == ["f", "function", "x86_64", "built"]


def test_json_output_for_success_and_error(offline_repo: Repo, capsys) -> None:
    offline_repo.function("f")
    ok = offline_repo.run("--json", "build", capsys=capsys)
    assert ok.code == 0
    body = ok.json
    assert body["ok"] is True and body["artifacts"][0]["name"] == "f"
    assert body["artifacts"][0]["source_code_hash"] == filebase64sha256(offline_repo.dist / "f.zip")
    offline_repo.write("functions/f/function.toml", "handler = 1\n")
    bad = offline_repo.run("build", "--json", capsys=capsys)  # --json after the command works too
    assert bad.code == 1
    assert bad.json == {"ok": False, "error": bad.json["error"], "exit_code": 1, "violations": []}
    assert "`handler` must be a string" in bad.json["error"]


def test_clean_removes_dist(offline_repo: Repo, capsys) -> None:
    offline_repo.function("f")
    assert offline_repo.run("build", capsys=capsys).code == 0
    assert offline_repo.run("clean", capsys=capsys).code == 0
    assert not offline_repo.dist.exists()


def test_interrupted_commit_leaves_no_stale_manifest(offline_repo: Repo, capsys, monkeypatch) -> None:
    offline_repo.function("f")
    offline_repo.function("g")
    assert offline_repo.run("build", capsys=capsys).code == 0
    offline_repo.write("functions/f/app.py", "def handler(event, context):\n    return 'f2'\n")
    offline_repo.write("functions/g/app.py", "def handler(event, context):\n    return 'g2'\n")
    real_replace = pipeline.os.replace
    calls = []

    def interrupted(src, dst):
        if str(dst).endswith(".zip"):
            calls.append(dst)
            if len(calls) == 2:
                raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(pipeline.os, "replace", interrupted)
    assert offline_repo.run("build", capsys=capsys).code == 1
    assert not (offline_repo.dist / "manifest.json").exists()  # rather none than one describing other zips
    monkeypatch.setattr(pipeline.os, "replace", real_replace)
    result = offline_repo.run("--json", "build", capsys=capsys)
    assert result.code == 0
    assert {a["name"]: a["status"] for a in result.json["artifacts"]} == {"f": "built", "g": "built"}
    assert sorted(_consistent(offline_repo)["artifacts"]) == ["f", "g"]


def test_two_builds_at_once_do_not_corrupt_dist(offline_repo: Repo) -> None:
    for name in ("a", "b", "c"):
        offline_repo.function(name)
        offline_repo.write(f"functions/{name}/big.txt", "payload line\n" * 200_000)
    command = [sys.executable, str(BUILD_PY), "--root", str(offline_repo.root), "--cache-dir", str(offline_repo.cache),
               "build"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(*p.communicate(), p.returncode) for p in procs]
    assert [r[2] for r in results] == [0, 0], results
    statuses = sorted(line.split()[3] for out, _, _ in results for line in out.splitlines()[2:])
    assert statuses == ["built"] * 3 + ["up"] * 3  # the second build waited and found everything up to date
    assert sorted(_consistent(offline_repo)["artifacts"]) == ["a", "b", "c"]


def test_leftovers_of_killed_builds_are_removed_by_the_next_build(offline_repo: Repo, capsys) -> None:
    """What `kill -9` leaves (a staging dir with zips, temp files of the manifest and state) goes at the next build."""
    offline_repo.function("f")
    assert offline_repo.run("build", capsys=capsys).code == 0
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=offline_repo.dist))
    (staging / "f.zip").write_bytes(b"half a zip")
    for name in ("manifest.json", ".build-state.json"):  # named as atomic_files names its temp files
        fd, _ = tempfile.mkstemp(prefix=f".{name}.", dir=offline_repo.dist)
        os.write(fd, b"{")
        os.close(fd)
    offline_repo.write("functions/f/app.py", "def handler(event, context):\n    return 2\n")
    assert offline_repo.run("build", capsys=capsys).code == 0
    assert sorted(p.name for p in offline_repo.dist.iterdir()) == [".build-state.json", ".build.lock", "f.zip",
                                                                  "manifest.json"]
    _consistent(offline_repo)


def test_clean_waits_for_a_build_in_progress(offline_repo: Repo, capsys, monkeypatch) -> None:
    """`clean` started in the middle of a build waits for it instead of pulling dist/ from under it."""
    offline_repo.function("f")
    real_build = lambda_build.builder.build
    cleaner: list[tuple[subprocess.Popen[str], str]] = []

    def build_while_cleaning(*args, **kwargs):
        proc = subprocess.Popen(
            [sys.executable, str(BUILD_PY), "--root", str(offline_repo.root), "clean"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert proc.stderr is not None
        cleaner.append((proc, proc.stderr.readline()))  # a line once it waits, or "" when it just exited
        return real_build(*args, **kwargs)

    monkeypatch.setattr(lambda_build.builder, "build", build_while_cleaning)
    result = offline_repo.run("build", capsys=capsys)
    ((proc, first_line),) = cleaner
    _, err = proc.communicate(timeout=60)
    assert "waiting for another build or clean to finish with dist/" in first_line
    assert result.code == 0, result.err
    assert proc.returncode == 0, err
    assert not offline_repo.dist.exists()  # then clean did its job


def test_build_waiting_behind_clean_starts_over_on_a_new_dist(offline_repo: Repo) -> None:
    """The waiting build wakes up holding a lock on a deleted file: it must not write into the removed dist/."""
    offline_repo.function("f")
    offline_repo.dist.mkdir()
    with open(offline_repo.dist / ".build.lock", "a") as held:  # what `clean` holds while it removes dist/
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = subprocess.Popen(
            [sys.executable, str(BUILD_PY), "--root", str(offline_repo.root), "--cache-dir", str(offline_repo.cache),
             "build"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert proc.stderr is not None
        assert "waiting for another build" in proc.stderr.readline()
        shutil.rmtree(offline_repo.dist)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert sorted(_consistent(offline_repo)["artifacts"]) == ["f"]


def test_global_options_work_after_the_command(offline_repo: Repo, tmp_path: Path) -> None:
    offline_repo.function("f")
    cache = tmp_path / "elsewhere-cache"
    proc = subprocess.run(
        [sys.executable, str(BUILD_PY), "build", "--json", "--root", str(offline_repo.root), "--cache-dir", str(cache)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["artifacts"][0]["name"] == "f"
    assert (offline_repo.dist / "f.zip").is_file()
    assert list((cache / "pyc").rglob("*.pyc"))  # the bytecode cache went where --cache-dir said
