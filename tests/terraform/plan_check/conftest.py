"""Plans of the fixture configurations, made once per session by real terraform against moto server.

Each fixture directory under fixtures/ is copied to a temp dir, given freshly built zips and a
manifest (a miniature of build.py's output, described by the fixture's artifacts.json, written
through pipeline_contract like build.py's), then
`terraform init`, `plan -out` and `show -json` run for real. Plans are made three at a time in the
background as soon as the first test asks for one, and cached for the session; the repository's
own root module is planned (and applied, and planned again) alongside them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from local_stack.emulators.moto_server import MotoServer
from pipeline_contract.artifact_hash import filebase64sha256
from pipeline_contract.manifest import MANIFEST_FILE, Artifact, Manifest
from pipeline_contract.manifest import write as write_manifest
from repo_paths import REPO_ROOT as REPO
from terraform_tools.environment import emulator_environ
from terraform_tools.runner import plan_json, run
from terraform_tools.staging import stage_root_module

FIXTURES = Path(__file__).parent / "fixtures"

# The root module's own settings for an emulator (path-style S3, disposable database), own name prefix.
ROOT_EMULATOR_VARS = ("-var=name=pc-root", "-var=s3_use_path_style=true", "-var=db_deletion_protection=false",
                      "-var=db_skip_final_snapshot=true")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
PLAN_FILE = "plan.tfplan"
TIMEOUT = 600  # seconds per terraform command: a hung provider fails the session instead of stalling it


def _write_zip(path: Path, kind: str, name: str, padding: int, salt: str = "") -> None:
    prefix = "python/" if kind == "layer" else ""
    code = f"# {name}{salt}\ndef handler(event, context):\n    return {{}}\n"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in ((f"{prefix}{name}.py", code.encode()), (f"{prefix}{name}_data.bin", bytes(padding))):
            archive.writestr(zipfile.ZipInfo(member, ZIP_DATE), data, compress_type=zipfile.ZIP_DEFLATED)


def build_artifacts(workdir: Path) -> Path:
    """Zips and dist/manifest.json (written by the contract) for the artifacts the fixture declares."""
    spec = json.loads((workdir / "artifacts.json").read_text())
    dist = workdir / "dist"
    dist.mkdir(exist_ok=True)
    artifacts = []
    for name, item in spec.items():
        zip_path = dist / f"{name}.zip"
        _write_zip(zip_path, item["kind"], name, item.get("padding_bytes", 1024))
        with zipfile.ZipFile(zip_path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
        artifacts.append(Artifact(
            name=name,
            kind=item["kind"],
            path=f"dist/{name}.zip",
            source_code_hash=filebase64sha256(zip_path),
            zipped_bytes=zip_path.stat().st_size,
            unzipped_bytes=unzipped,
            runtime="python3.12",
            architecture="x86_64",
            handler=f"{name}.handler" if item["kind"] == "function" else None,
            layers=tuple(item.get("layers", ())),
            aws_services=tuple(item.get("aws_services", ())),
            upload_via_s3=False,
        ))
    manifest = dist / MANIFEST_FILE
    write_manifest(manifest, Manifest.of(artifacts))
    for name, item in spec.items():
        if item.get("rebuilt_after_manifest"):
            _write_zip(dist / f"{name}.zip", item["kind"], name, item.get("padding_bytes", 1024), salt=" edited")
    return manifest


def plan_reference_root(workdir: Path, env: dict[str, str]) -> dict[str, Path]:
    """`make build` if needed, then a plan on an empty account, apply, and a plan over that state."""
    if not (REPO / "dist" / "manifest.json").is_file():
        build = subprocess.run([sys.executable, "build.py", "build"], cwd=REPO, capture_output=True, text=True, timeout=900)
        if build.returncode != 0:
            raise RuntimeError(f"build.py build failed:\n{build.stdout[-2000:]}{build.stderr[-2000:]}")
    stage_root_module(workdir)
    fresh = workdir / "fresh-plan.json"
    shutil.copy(make_plan(workdir, env, args=ROOT_EMULATOR_VARS), fresh)
    run(["apply", "-input=false", "-auto-approve", "-no-color", PLAN_FILE], workdir, env, timeout=TIMEOUT)
    applied = make_plan(workdir, env, args=ROOT_EMULATOR_VARS)
    return {"fresh": fresh, "applied": applied, "manifest": workdir / "dist" / "manifest.json"}


def make_plan(workdir: Path, env: dict[str, str], apply_first: Path | None = None, args: tuple[str, ...] = ()) -> Path:
    """init (+ apply of a prior version) + plan -out + show -json; returns the plan JSON path."""
    run(["init", "-input=false", "-no-color"], workdir, env, timeout=TIMEOUT)
    if apply_first is not None:
        run(["apply", "-input=false", "-auto-approve", "-no-color", *args], workdir, env, timeout=TIMEOUT)
        shutil.copy(apply_first, workdir / "main.tf")
    path = workdir / "plan.json"
    path.write_text(plan_json(workdir, workdir / PLAN_FILE, ("-no-color", *args), env, timeout=TIMEOUT))
    return path


class FixturePlans:
    """Plans every fixture once, two at a time, in the background."""

    def __init__(self, root: Path, env: dict[str, str], with_root_module: bool) -> None:
        self.root = root
        self.env = env
        # Three at a time: most of an apply is the provider waiting on the emulator, not CPU.
        self.pool = ThreadPoolExecutor(max_workers=3)
        self.futures: dict[str, Future[Path]] = {}
        self.reference_root: Future[dict[str, Path]] | None = None
        if with_root_module and (REPO / "main.tf").is_file():
            self.reference_root = self.pool.submit(plan_reference_root, root / "reference_root", env)
        cases = sorted((not (p / "v1").is_dir(), p.name) for p in FIXTURES.iterdir() if p.is_dir())
        for _, case in cases:
            self.futures[case] = self.pool.submit(self._plan, case)

    def _plan(self, case: str) -> Path:
        workdir = self.root / case
        versions = FIXTURES / case / "v1"
        shutil.copytree(versions if versions.is_dir() else FIXTURES / case, workdir)
        shutil.copy(FIXTURES / case / "artifacts.json", workdir / "artifacts.json")
        build_artifacts(workdir)
        return make_plan(workdir, self.env, apply_first=FIXTURES / case / "v2" / "main.tf" if versions.is_dir() else None)

    def plan(self, case: str) -> Path:
        return self.futures[case].result()

    def manifest(self, case: str) -> Path:
        self.plan(case)
        return self.root / case / "dist" / "manifest.json"


@pytest.fixture(scope="session")
def plan_env(moto_server: MotoServer) -> dict[str, str]:
    """Terraform's environment aimed at the emulator, free of the caller's own AWS settings."""
    return emulator_environ(moto_server.env())


@pytest.fixture(scope="session")
def fixture_plans(
    plan_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[FixturePlans]:
    # The root module's apply takes longest: start it only when its tests were collected.
    with_root = any(item.path.name == "test_reference_root.py" for item in request.session.items)
    plans = FixturePlans(tmp_path_factory.mktemp("plan_check_fixtures"), plan_env, with_root)
    yield plans
    plans.pool.shutdown(wait=True, cancel_futures=True)
