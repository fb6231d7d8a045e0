"""The release archive: exactly what a registry consumer needs, as a byte-stable .tar.gz.

In it: the root module's .tf files, `modules/` (each module's .tf files, README and examples),
`examples/`, README.md, LICENSE and CHANGELOG.md. Not in it: tests (module `tests/` folders too),
dist/, bench/, tools/, functions/, scripts/, docs/, CI files and anything git does not track.
Files sit at the archive's root, as registries and HCP Terraform's module upload expect (no
top-level folder). Entries are sorted, with a fixed time, owner and mode, and the gzip header
carries no time or name, so the same tree always gives the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

from atomic_files import write_bytes_atomic, write_text_atomic

from release.errors import ReleaseError
from release.git_repo import tracked_files
from release.semver import Version

PACKAGE = "kinesis-lambda-pipelines"
REQUIRED_TOP_FILES = ("README.md", "LICENSE", "CHANGELOG.md")
FIXED_MTIME = 315_532_800  # 1980-01-01T00:00:00Z, the timestamp of the build's zips
EXCLUDED_DIRS = {"tests", "dist", "bench"}


@dataclass(frozen=True)
class BuiltArchive:
    path: Path
    files: tuple[str, ...]
    sha256: str


def belongs(path: str) -> bool:
    """Whether a tracked file (relative path) goes into the release."""
    parts = path.split("/")
    if any(part.startswith(".") for part in parts) or EXCLUDED_DIRS & set(parts[:-1]):
        return False
    if len(parts) == 1:
        return path.endswith(".tf") or path in REQUIRED_TOP_FILES
    return parts[0] == "examples" or (parts[0] == "modules" and len(parts) >= 3)


def release_files(root: Path) -> list[str]:
    files = [p for p in tracked_files(root) if belongs(p) and (root / p).is_file()]
    missing = [name for name in REQUIRED_TOP_FILES if name not in files]
    if missing:
        raise ReleaseError(f"{', '.join(missing)} missing from the release: add and commit "
                           f"{'it' if len(missing) == 1 else 'them'} at the repository root")
    return files


def archive_bytes(root: Path, files: list[str]) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as zipped, \
            tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            data = (root / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), FIXED_MTIME, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def archive_name(version: Version) -> str:
    return f"{PACKAGE}-{version}.tar.gz"


def build_archive(root: Path, version: Version, out_dir: Path) -> BuiltArchive:
    """Write `<out_dir>/kinesis-lambda-pipelines-<version>.tar.gz` and its .sha256 beside it."""
    files = release_files(root)
    data = archive_bytes(root, files)
    path = out_dir / archive_name(version)
    digest = hashlib.sha256(data).hexdigest()
    write_bytes_atomic(path, data)
    write_text_atomic(path.with_name(path.name + ".sha256"), f"{digest}  {path.name}\n")
    return BuiltArchive(path, tuple(files), digest)
