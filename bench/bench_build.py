"""Benchmark build.py against `uv pip install --target` + zipfile and `pip install --target` + zipfile.

Times, as medians over several runs in this one session: a cold build (empty dist/, empty cache,
downloads included) paired run by run with `uv pip install --target` + zipfile from an empty uv
cache (the order alternates; the ratio is of the medians), a warm build (wheels cached, empty
dist/; once with only the wheel cache, once with every cache), a no-op build, and a one-file source
change in the function with the most dependency bytes; beside them two baselines built with pip
(downloading as it normally does, and installing from already-downloaded wheels), plus per-artifact
sizes and cold import times with and without the shipped bytecode, and the size/cold-import table
of the dependency_tests / dependency_bytecode choices. Runs on the repository's functions/ and
layers/ (copied to a temp dir, locked there when a lock is missing) or, with --sample or when there
are none, on a generated sample of three functions and a layer (orjson+pydantic, requests, numpy).

    .venv/bin/python bench/bench_build.py [--runs 5] [--cold-runs 3] [--sample]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from lambda_build.builder import RUNTIME_PROVIDED  # noqa: E402
from lambda_build.config import discover  # noqa: E402
from lambda_build.lockfile import read_lock  # noqa: E402
from lambda_build.report import size  # noqa: E402
from lambda_build.sources import collect  # noqa: E402
from lambda_build.targets import Target  # noqa: E402
from pipeline_contract.manifest import Manifest, load  # noqa: E402
from text_table import render  # noqa: E402

# Import-time configuration the repository's functions read (docs/contracts.md §3): dummy values,
# since only the import is timed.
IMPORT_ENV = {
    "LOG_LEVEL": "INFO", "DLQ_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/dlq", "DB_HOST": "localhost",
    "DB_PORT": "5432", "DB_NAME": "bench", "DB_USER": "bench", "DB_AUTH": "trust", "DB_SECRET_ARN": "",
    "ARCHIVE_BUCKET": "bench", "ARCHIVE_PREFIX": "bench/", "DLQ_PAYLOAD_BUCKET": "bench", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
}
SAMPLE = {
    "functions/api_models": ("orjson\npydantic\n", "import orjson\nimport pydantic\n"),
    "functions/http_fetch": ("requests\n", "import requests\n"),
    "functions/vector_math": ("numpy\n", "import numpy\n"),
}


def _write_sample(root: Path) -> None:
    for rel, (requirements, imports) in SAMPLE.items():
        directory = root / rel
        directory.mkdir(parents=True)
        (directory / "function.toml").write_text('handler = "app.handler"\nlayers = ["shared"]\n')
        (directory / "requirements.in").write_text(requirements)
        (directory / "app.py").write_text(imports + "\n\ndef handler(event, context):\n    return event\n")
    layer = root / "layers/shared/shared_lib"
    layer.mkdir(parents=True)
    (layer.parent / "layer.toml").write_text("")
    (layer / "__init__.py").write_text("def tag(event):\n    return {**event, 'tagged': True}\n")


def _prepare(work: Path, force_sample: bool) -> tuple[Path, str]:
    root = work / "repo"
    root.mkdir()
    real = not force_sample and any((REPO / "functions").glob("*/function.toml"))
    if real:
        for part in ("functions", "layers"):
            if (REPO / part).is_dir():
                shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    else:
        _write_sample(root)
    for artifact in discover(root).values():
        if (artifact.directory / "requirements.in").is_file() and not (artifact.directory / "requirements.txt").is_file():
            _build_py(root, work / "lock-cache", "lock", artifact.name)
    return root, "repository functions/ and layers/" if real else "generated sample (no functions/ in the repository)"


# As on a developer machine: with PYTHONDONTWRITEBYTECODE set (some sandboxes and CI images set it)
# every run would first recompile build.py's own modules (~50 ms).
BUILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _build_py(root: Path, cache: Path, *args: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(root), "--cache-dir", str(cache), *args],
                          capture_output=True, text=True, check=False, env=BUILD_ENV)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"bench: build.py {' '.join(args)} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return elapsed


def _wheels_only(cache: Path, primed: Path) -> Path:
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    for part in ("wheels", "selected"):
        shutil.copytree(primed / part, cache / part, symlinks=True)
    return cache


def _baseline(root: Path, work: Path, find_links: Path | None) -> float:
    """Plain packaging: pip install --target with platform flags, then zipfile over the tree."""
    started = time.perf_counter()
    for artifact in discover(root).values():
        tree = work / "baseline" / artifact.name
        shutil.rmtree(tree, ignore_errors=True)
        site = tree / ("python" if artifact.kind == "layer" else "")
        site.mkdir(parents=True, exist_ok=True)
        lock = artifact.directory / "requirements.txt"
        if lock.is_file():
            target = Target(artifact.python_version, artifact.architecture)
            pins = [p for p in read_lock(lock, "lock", target.python_version, artifact.architecture)
                    if artifact.include_boto3 or p.name not in RUNTIME_PROVIDED]
            requirements = tree.parent / f"{artifact.name}.txt"
            requirements.write_text("".join(f"{p.name}=={p.version} " + " ".join(f"--hash=sha256:{h}" for h in p.hashes)
                                            + "\n" for p in pins))
            command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
                       str(site), "--implementation", "cp", "--python-version", target.python_version,
                       "--only-binary=:all:", "--no-deps", "--require-hashes", "-r", str(requirements),
                       *[a for p in target.platforms for a in ("--platform", p)]]
            if find_links is not None:
                command += ["--no-index", "--find-links", str(find_links)]
            subprocess.run(command, check=True, capture_output=True)
        for source in collect(artifact, artifact.name):
            destination = site / source.rel
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source.path, destination)
        with zipfile.ZipFile(work / "baseline" / f"{artifact.name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(tree.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(tree).as_posix())
    return time.perf_counter() - started


# The manylinux platforms uv's --python-platform knows; the newest not above the runtime's glibc.
UV_GLIBC_MINORS = (17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40)


def _uv_baseline(root: Path, work: Path, uv_cache: Path) -> float:
    """`uv pip install --target` (hash-checked, wheels only, the Lambda platform) + zipfile, per artifact."""
    uv = Path(sys.executable).with_name("uv")
    started = time.perf_counter()
    for artifact in discover(root).values():
        tree = work / "uv-baseline" / artifact.name
        shutil.rmtree(tree, ignore_errors=True)
        site = tree / ("python" if artifact.kind == "layer" else "")
        site.mkdir(parents=True, exist_ok=True)
        lock = artifact.directory / "requirements.txt"
        if lock.is_file():
            target = Target(artifact.python_version, artifact.architecture)
            glibc = max(m for m in UV_GLIBC_MINORS if m <= target.runtime.os.glibc[1])
            pins = [p for p in read_lock(lock, "lock", target.python_version, artifact.architecture)
                    if artifact.include_boto3 or p.name not in RUNTIME_PROVIDED]
            requirements = tree.parent / f"{artifact.name}.txt"
            requirements.write_text("".join(f"{p.name}=={p.version} " + " ".join(f"--hash=sha256:{h}" for h in p.hashes)
                                            + "\n" for p in pins))
            subprocess.run([str(uv), "pip", "install", "--quiet", "--target", str(site), "--cache-dir", str(uv_cache),
                            "--python", sys.executable, "--python-version", target.python_version,
                            "--python-platform", f"{target.machine}-manylinux_2_{glibc}", "--only-binary", ":all:",
                            "--no-deps", "--require-hashes", "-r", str(requirements)], check=True, capture_output=True)
        for source in collect(artifact, artifact.name):
            destination = site / source.rel
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source.path, destination)
        with zipfile.ZipFile(work / "uv-baseline" / f"{artifact.name}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(tree.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(tree).as_posix())
    return time.perf_counter() - started


# The size/cold-start choices of docs/build.md ("Size or cold start"), as function.toml lines.
VARIANTS = {
    "default (sources + bytecode)": "",
    "dependency_tests = false": "dependency_tests = false\n",
    'dependency_bytecode = "only"': 'dependency_bytecode = "only"\n',
    'both of the above': 'dependency_tests = false\ndependency_bytecode = "only"\n',
    'dependency_bytecode = "none"': 'dependency_bytecode = "none"\n',
}


def _cold_import_ms(manifest: Manifest, name: str, into: Path, runs: int) -> str:
    """Median cold `import <handler module>` of a function laid out as Lambda does, shipped bytes as they are."""
    function = manifest.artifacts[name]
    path = _extract(manifest, name, into, True)
    module = (function.handler or "").rpartition(".")[0]
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {**os.environ, **IMPORT_ENV, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
    samples = []
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            return "import failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:60]
        samples.append(float(proc.stdout))
    return f"{statistics.median(samples) * 1000:.0f}"


def _variants(root: Path, work: Path, primed: Path, runs: int) -> list[list[str]]:
    """Per choice: total zipped bytes of the functions (+ layers), build time from cached wheels, cold imports."""
    configs = {a.name: a.config_path.read_text() for a in discover(root).values() if a.kind == "function"}
    rows = []
    for label, settings in VARIANTS.items():
        for name, text in configs.items():
            (root / "functions" / name / "function.toml").write_text(text + settings)
        shutil.rmtree(root / "dist", ignore_errors=True)
        seconds = _build_py(root, _wheels_only(work / "variant-cache", primed), "build")
        manifest = load(root / "dist/manifest.json")
        zipped = sum(a.zipped_bytes for a in manifest.artifacts.values())
        imports = [f"{n} {_cold_import_ms(manifest, n, work / 'variant' / label.replace(' ', '_') / n, runs)}"
                   for n in sorted(configs)]
        rows.append([label, size(zipped), f"{seconds:.2f}", ", ".join(imports)])
    for name, text in configs.items():
        (root / "functions" / name / "function.toml").write_text(text)
    shutil.rmtree(root / "dist", ignore_errors=True)
    return rows


def _biggest_function(root: Path) -> Path:
    functions = [a for a in load(root / "dist/manifest.json").artifacts.values() if a.kind == "function"]
    biggest = max(functions, key=lambda a: (a.unzipped_bytes, a.name))
    name, handler_module = biggest.name, (biggest.handler or "").rpartition(".")[0].replace(".", "/")
    for candidate in (f"{handler_module}.py", f"{handler_module}/__init__.py"):
        if (root / "functions" / name / candidate).is_file():
            return root / "functions" / name / candidate
    raise SystemExit(f"bench: cannot find the handler source of {name}")


def _extract(manifest: Manifest, name: str, into: Path, with_bytecode: bool) -> str:
    """Lay a function out as Lambda does (/var/task + /opt); return the PYTHONPATH for it."""
    task, opt = into / "task", into / "opt"
    function = manifest.artifacts[name]
    zipfile.ZipFile(manifest.zip_path(function)).extractall(task)
    for layer in function.layers:
        zipfile.ZipFile(manifest.zip_path(manifest.artifacts[layer])).extractall(opt)
    if not with_bytecode:
        for cache_dir in [*task.rglob("__pycache__"), *opt.rglob("__pycache__")]:
            shutil.rmtree(cache_dir)
    return f"{task}:{opt / 'python'}"


def _import_times(root: Path, work: Path, runs: int) -> list[list[str]]:
    """Cold `import <handler module>` in fresh processes, with and without the zip's bytecode, interleaved."""
    manifest = load(root / "dist/manifest.json")
    rows = []
    for name, function in manifest.artifacts.items():
        if function.kind != "function" or not function.handler:
            continue
        module = function.handler.rpartition(".")[0]
        code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        paths = {flag: _extract(manifest, name, work / "import" / name / str(flag), flag) for flag in (True, False)}
        samples: dict[bool, list[float]] = {True: [], False: []}
        failure = ""
        for _ in range(runs):
            for flag, path in paths.items():
                env = {**os.environ, **IMPORT_ENV, "PYTHONPATH": path, "PYTHONDONTWRITEBYTECODE": "1"}
                proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    failure = "import failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:60]
                    break
                samples[flag].append(float(proc.stdout))
        if failure:
            rows.append([name, module, failure, "", ""])
            continue
        with_pyc, without = (statistics.median(samples[flag]) * 1000 for flag in (True, False))
        rows.append([name, module, f"{with_pyc:.0f} ms", f"{without:.0f} ms", f"{without / with_pyc:.1f}x"])
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--sample", action="store_true", help="use the generated sample even if functions/ exist")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        root, what = _prepare(work, args.sample)
        print(f"artifacts: {what}: {', '.join(sorted(discover(root)))}", flush=True)
        timings: dict[str, list[float]] = {}
        primed = work / "primed"

        def fresh_dist() -> None:
            shutil.rmtree(root / "dist", ignore_errors=True)

        for i in range(args.cold_runs):
            # Paired with uv: the same empty start for both, in alternating order.
            for step in ("ours", "uv") if i % 2 == 0 else ("uv", "ours"):
                if step == "ours":
                    cache = work / f"cold-{i}"
                    fresh_dist()
                    timings.setdefault("cold build (empty cache, empty dist/)", []).append(_build_py(root, cache, "build"))
                    shutil.rmtree(primed, ignore_errors=True)
                    os.rename(cache, primed)
                else:
                    uv_cache = work / f"uv-cache-{i}"
                    timings.setdefault("baseline: uv pip install --target + zipfile (empty uv cache)", []).append(
                        _uv_baseline(root, work, uv_cache))
                    shutil.rmtree(uv_cache, ignore_errors=True)
        for _ in range(args.runs):
            fresh_dist()
            cache = _wheels_only(work / "warm", primed)
            timings.setdefault("warm build (wheel cache only, empty dist/)", []).append(_build_py(root, cache, "build"))
        for _ in range(args.runs):
            fresh_dist()
            timings.setdefault("warm build (all caches, empty dist/)", []).append(_build_py(root, primed, "build"))
        for _ in range(args.runs):
            timings.setdefault("no-op build", []).append(_build_py(root, primed, "build"))
        for _ in range(args.runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True, env=BUILD_ENV)
            timings.setdefault("(reference: bare `python -c pass`)", []).append(time.perf_counter() - started)
        changed = _biggest_function(root)
        original = changed.read_text()
        for i in range(args.runs):
            changed.write_text(original + f"\n# bench edit {i}\n")
            timings.setdefault(f"one-file change ({changed.parent.name})", []).append(_build_py(root, primed, "build"))
        changed.write_text(original)
        _build_py(root, primed, "build")
        wheels = work / "all-wheels"
        wheels.mkdir()
        for wheel in (primed / "wheels").rglob("*.whl"):
            shutil.copyfile(wheel, wheels / wheel.name)
        for _ in range(args.cold_runs):
            timings.setdefault("baseline: pip install --target + zipfile", []).append(_baseline(root, work, None))
        for _ in range(args.runs):
            timings.setdefault("baseline: same, wheels already downloaded", []).append(_baseline(root, work, wheels))

        base_uv = statistics.median(timings["baseline: uv pip install --target + zipfile (empty uv cache)"])
        base_net = statistics.median(timings["baseline: pip install --target + zipfile"])
        base_local = statistics.median(timings["baseline: same, wheels already downloaded"])
        rows = []
        for label, samples in timings.items():
            median = statistics.median(samples)
            rows.append([label, str(len(samples)), f"{median:.3f}", f"{min(samples):.3f}", f"{max(samples):.3f}",
                         f"{base_uv / median:.2f}x", f"{base_net / median:.1f}x", f"{base_local / median:.1f}x"])
        print(render(["phase", "runs", "median s", "min s", "max s", "vs uv baseline", "vs pip baseline",
                      "vs pip (local wheels)"], rows))
        cold = statistics.median(timings["cold build (empty cache, empty dist/)"])
        print(f"\ncold build vs uv pip install --target + zipfile, both from empty caches: {base_uv / cold:.2f}x faster "
              f"(medians {cold:.2f} s vs {base_uv:.2f} s over {args.cold_runs} paired runs)")
        built = load(root / "dist/manifest.json").artifacts.values()
        print()
        print(render(["artifact", "kind", "arch", "zipped", "unzipped"],
                    [[a.name, a.kind, a.architecture, size(a.zipped_bytes), size(a.unzipped_bytes)] for a in built]))
        print()
        print(render(["function", "handler module", "cold import, with bytecode", "without bytecode", "ratio"],
                    _import_times(root, work, 3 * args.runs)))
        print()
        print(render(["dependencies ship as", "zipped, all artifacts", "build s (wheels cached)", "cold import ms"],
                     _variants(root, work, primed, 3 * args.runs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
