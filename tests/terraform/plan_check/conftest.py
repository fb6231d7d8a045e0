"""Plans of the fixture configurations, made once per session by real terraform against moto server.

Each fixture directory under fixtures/ is copied to a temp dir, given freshly built zips and a
manifest (a miniature of build.py's output, described by the fixture's artifacts.json, written
through pipeline_contract like build.py's), then
`terraform init`, `plan -out` and `show -json` run for real. Plans are made three at a time in the
background as soon as the first test asks for one, and cached for the session. (The repository's
own root module is plan-checked in tests/integration/root_stack/test_reference_root.py, on the applied stack.)
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from local_stack.emulators.moto_server import MotoServer
from pipeline_contract.artifact_hash import filebase64sha256
from pipeline_contract.manifest import MANIFEST_FILE, Artifact, Manifest
from pipeline_contract.manifest import write as write_manifest
from terraform_tools.environment import emulator_environ
from terraform_tools.runner import plan_json, run

FIXTURES = Path(__file__).parent / "fixtures"

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

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        # Three at a time: most of an apply is the provider waiting on the emulator, not CPU.
        self.pool = ThreadPoolExecutor(max_workers=3)
        self.futures: dict[str, Future[Path]] = {}
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
def fixture_plans(plan_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixturePlans]:
    plans = FixturePlans(tmp_path_factory.mktemp("plan_check_fixtures"), plan_env)
    yield plans
    plans.pool.shutdown(wait=True, cancel_futures=True)
