"""The packages the Lambda Python runtime provides (boto3 and its dependencies), for the workers.

Workers must not see the dev venv: a function that forgets to bundle psycopg
would pass here and fail on AWS. So they get a separate directory installed
with uv from the hashed lock `requirements/runtime.txt`, keyed by the lock's
hash so a changed lock installs afresh and an unchanged one costs nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from atomic_files import publish_dir
from repo_paths import REPO_ROOT

LOCK_FILE = REPO_ROOT / "requirements/runtime.txt"
STATE_DIR = REPO_ROOT / ".local-stack"


def _uv() -> str:
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.is_file() else shutil.which("uv")
    if not found:
        raise SystemExit("error: uv not found; run `make venv` (it installs uv into .venv)")
    return found


def runtime_site_dir(python: str, lock_file: Path = LOCK_FILE, state_dir: Path = STATE_DIR) -> Path:
    """Directory holding the runtime's packages, installed on first use for `python`."""
    digest = hashlib.sha256(lock_file.read_bytes()).hexdigest()[:16]
    target = state_dir / "runtime" / digest
    if (target / ".complete").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{digest}.", dir=target.parent))
    try:
        subprocess.run(
            [_uv(), "pip", "install", "--quiet", "--require-hashes", "--no-deps", "--python", python,
             "--target", str(staging), "-r", str(lock_file)],
            check=True, capture_output=True, text=True,
        )
        (staging / ".complete").write_text(digest)
        publish_dir(staging, target)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SystemExit(f"error: installing the Lambda runtime packages from {lock_file.name} failed: {exc.stderr.strip()}") from exc
    return target
