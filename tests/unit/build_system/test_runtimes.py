"""Every Lambda Python runtime, and wheels chosen for its OS: never one its glibc cannot load.

The selection tests use real file names (as PyPI lists them) and packaging's tag logic; the last
test goes to the package index and builds for real, on both architectures and both OS families.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
from lambda_build.bytecode import interpreter
from lambda_build.errors import BuildError
from lambda_build.lockfile import Pin
from lambda_build.package_index import IndexFile, fetch_listing, index_url
from lambda_build.runtimes import RUNTIMES
from lambda_build.targets import Target
from lambda_build.wheels import choose
from packaging.utils import parse_wheel_filename
from pip._internal.utils.compatibility_tags import get_supported

from .conftest import Repo, lock_text

# Files of psycopg-binary 3.3.9 for CPython 3.11/3.12 on Linux: the aarch64 wheels need glibc 2.27.
PSYCOPG_BINARY = [
    f"psycopg_binary-3.3.9-{py}-{py}-{platform}.whl"
    for py in ("cp311", "cp312")
    for platform in ("manylinux2014_x86_64.manylinux_2_17_x86_64", "manylinux_2_27_aarch64.manylinux_2_28_aarch64",
                     "manylinux2014_ppc64le.manylinux_2_17_ppc64le", "musllinux_1_2_aarch64", "musllinux_1_2_x86_64")
]
# cryptography 50.0.2: the same abi3 build for three glibc floors, plus musl.
CRYPTOGRAPHY = [
    f"cryptography-50.0.2-cp311-abi3-{platform}.whl"
    for platform in ("manylinux2014_aarch64.manylinux_2_17_aarch64", "manylinux2014_x86_64.manylinux_2_17_x86_64",
                     "manylinux_2_28_aarch64", "manylinux_2_28_x86_64", "manylinux_2_34_aarch64", "manylinux_2_34_x86_64",
                     "musllinux_1_2_aarch64", "musllinux_1_2_x86_64")
]


def _listing(filenames: list[str]) -> tuple[list[IndexFile], frozenset[str]]:
    files = [IndexFile(name, name, f"{i:064x}", "https://index.invalid/simple/x/") for i, name in enumerate(filenames)]
    return files, frozenset(f.sha256 for f in files if f.sha256)


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
def test_accepted_tags_are_exactly_pips_for_the_runtime_os(runtime: str, architecture: str) -> None:
    """The tags (and their order) pip would accept on a machine with the runtime's glibc; musllinux never."""
    target = Target(RUNTIMES[runtime].python_version, architecture)
    abi = RUNTIMES[runtime].abi
    pips = get_supported(version=abi.removeprefix("cp"), platforms=target.platforms, impl="cp", abis=[abi])
    ours = sorted(target._priorities, key=target._priorities.__getitem__)
    assert [str(t) for t in ours] == list(dict.fromkeys(str(t) for t in pips))  # pip vendors its own Tag class
    glibc_minor = RUNTIMES[runtime].os.glibc[1]
    assert f"manylinux_2_{glibc_minor}_{target.machine}" in target.platforms
    assert f"manylinux_2_{glibc_minor + 1}_{target.machine}" not in target.platforms
    assert f"manylinux2014_{target.machine}" in target.platforms
    assert not any("musllinux" in p for p in target.platforms)


@pytest.mark.parametrize(
    ("python", "architecture", "filenames", "expected"),
    [
        ("3.11", "x86_64", PSYCOPG_BINARY, "psycopg_binary-3.3.9-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"),
        ("3.12", "arm64", PSYCOPG_BINARY, "psycopg_binary-3.3.9-cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.whl"),
        ("3.12", "x86_64", PSYCOPG_BINARY, "psycopg_binary-3.3.9-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"),
        # Amazon Linux 2 gets the older build, Amazon Linux 2023 the newest it can load.
        ("3.11", "arm64", CRYPTOGRAPHY, "cryptography-50.0.2-cp311-abi3-manylinux2014_aarch64.manylinux_2_17_aarch64.whl"),
        ("3.11", "x86_64", CRYPTOGRAPHY, "cryptography-50.0.2-cp311-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"),
        ("3.12", "arm64", CRYPTOGRAPHY, "cryptography-50.0.2-cp311-abi3-manylinux_2_34_aarch64.whl"),
        ("3.14", "x86_64", CRYPTOGRAPHY, "cryptography-50.0.2-cp311-abi3-manylinux_2_34_x86_64.whl"),
    ],
)
def test_picks_the_best_wheel_the_runtime_can_load(python: str, architecture: str, filenames: list[str],
                                                  expected: str) -> None:
    files, hashes = _listing(filenames)
    name, version = parse_wheel_filename(filenames[0])[:2]
    chosen = choose(files, Pin(name, str(version), hashes), Target(python, architecture), "functions/f")
    assert chosen.filename == expected


def test_refuses_a_wheel_newer_than_the_runtime_glibc() -> None:
    """Issue 12 item 2: psycopg[binary] on python3.11 arm64 used to ship a wheel needing GLIBC_2.27."""
    files, hashes = _listing(PSYCOPG_BINARY)
    with pytest.raises(BuildError) as refused:
        choose(files, Pin("psycopg-binary", "3.3.9", hashes), Target("3.11", "arm64"), "functions/f")
    message = str(refused.value)
    assert "\n" not in message
    for fragment in ("functions/f: no cp311 manylinux aarch64 wheel of psycopg-binary 3.3.9",
                     "python3.11 (Amazon Linux 2, glibc 2.26) arm64", "need glibc 2.27", "make lock"):
        assert fragment in message


def test_only_files_the_lock_lists_are_chosen() -> None:
    """The best wheel is ignored when the lock does not list its hash (hashes stay enforced)."""
    files, _ = _listing(CRYPTOGRAPHY)
    best = next(f for f in files if f.filename.endswith("manylinux_2_34_x86_64.whl"))
    allowed = frozenset(f.sha256 for f in files if f is not best and f.sha256)
    chosen = choose(files, Pin("cryptography", "50.0.2", allowed), Target("3.12", "x86_64"), "f")
    assert chosen.filename.endswith("manylinux_2_28_x86_64.whl")
    with pytest.raises(BuildError, match=r"hashes for cryptography 50\.0\.2 match none of its wheels"):
        choose(files, Pin("cryptography", "50.0.2", frozenset({"f" * 64})), Target("3.12", "x86_64"), "f")


@pytest.mark.parametrize("runtime", sorted(RUNTIMES))
def test_every_lambda_python_runtime_builds(offline_repo: Repo, capsys, runtime: str) -> None:
    """python3.10 ... python3.14; bytecode when this machine has that CPython, else a warning and none."""
    version = RUNTIMES[runtime].python_version
    offline_repo.function("f", config=f'handler = "app.handler"\nruntime = "{runtime}"\narchitecture = "arm64"\n')
    result = offline_repo.run("--json", "build", capsys=capsys)
    assert result.code == 0, result.err
    assert result.json["artifacts"][0]["runtime"] == runtime
    names = zipfile.ZipFile(offline_repo.dist / "f.zip").namelist()
    tag = f"cpython-{version.replace('.', '')}"
    if interpreter(version) is None:
        assert f"warning: no Python {version} found; building without bytecode" in result.err
        assert not [n for n in names if n.endswith(".pyc")]
    else:
        assert f"__pycache__/app.{tag}.pyc" in names


@pytest.fixture(scope="session")
def psycopg_binary_lock() -> str:
    """A lock of psycopg-binary 3.3.9 listing every file's sha256, as `make lock` would (read from the index)."""
    files = [f for f in fetch_listing(index_url(), "psycopg-binary") if f.filename.startswith("psycopg_binary-3.3.9-")]
    assert files, "psycopg-binary 3.3.9 is not on the package index"
    return lock_text(["psycopg-binary==3.3.9"], {"psycopg-binary==3.3.9": sorted(f.sha256 for f in files if f.sha256)})


EM_MACHINE = {"x86_64": 62, "arm64": 183}


@pytest.mark.parametrize(("runtime", "architecture"), [("python3.11", "x86_64"), ("python3.11", "arm64"),
                                                       ("python3.12", "x86_64"), ("python3.12", "arm64")])
def test_psycopg_binary_on_both_os_families(tmp_path: Path, capsys, psycopg_binary_lock: str, runtime: str,
                                            architecture: str) -> None:
    """Downloads: the build either ships a wheel the runtime's glibc loads, or refuses naming package and glibc."""
    repo = Repo(tmp_path / "repo", tmp_path.parent / "psycopg-cache")  # shared by the four cases: one download each
    repo.function("f", config=f'handler = "app.handler"\nruntime = "{runtime}"\narchitecture = "{architecture}"\n')
    repo.write("functions/f/requirements.in", "psycopg-binary==3.3.9\n")
    repo.write("functions/f/requirements.txt", psycopg_binary_lock)
    result = repo.run("build", capsys=capsys)
    if (runtime, architecture) == ("python3.11", "arm64"):
        assert result.code == 1
        message = result.err.strip().splitlines()[-1]
        assert "psycopg-binary 3.3.9" in message and "python3.11 (Amazon Linux 2, glibc 2.26) arm64" in message
        assert not (repo.dist / "f.zip").exists()
        return
    assert result.code == 0, result.err
    with zipfile.ZipFile(repo.dist / "f.zip") as archive:
        libraries = [n for n in archive.namelist() if n.endswith(".so") or ".so." in n]
        assert libraries
        for name in libraries:
            header = archive.read(name)[:20]
            assert struct.unpack("<H", header[18:20])[0] == EM_MACHINE[architecture], name
