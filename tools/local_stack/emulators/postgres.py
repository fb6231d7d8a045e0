"""A throwaway PostgreSQL server from the machine's server binaries.

The database behind RDS Proxy in AWS; here a real server on a free loopback
port with its data in a temporary directory, so tests exercise real SQL
(conflicts, transactions, reconnects) rather than a mock.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_stack.emulators.child_servers import free_port, stop_process, wait_for_port

SERVER_USER = "postgres"


def find_server_bindir() -> Path:
    """Directory with `initdb` and `postgres`, wherever the distribution put them."""
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    candidates += sorted(glob.glob("/usr/pgsql-*/bin"), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(os.path.realpath(initdb)).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "postgres").is_file() and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    raise FileNotFoundError("PostgreSQL server binaries (initdb, postgres) not found; install postgresql (e.g. apt-get install postgresql)")


def _demote_if_root() -> dict[str, Any]:
    """PostgreSQL refuses to run as root; run it as the `postgres` account then."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam(SERVER_USER)
    except KeyError:
        account = pwd.getpwnam("nobody")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


@dataclass
class PostgresServer:
    """Start with `start()` or as a context manager; `dsn` connects as superuser `postgres`."""

    database: str = "clickstream"
    port: int = 0
    base_dir: Path | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _owns_dir: bool = field(default=False, repr=False)

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self, timeout: float = 60.0) -> PostgresServer:
        bindir = find_server_bindir()
        demote = _demote_if_root()
        if self.base_dir is None:
            self.base_dir = Path(tempfile.mkdtemp(prefix="pg-local-"))
            self._owns_dir = True
        data = self.base_dir / "data"
        if demote:
            os.chown(self.base_dir, demote["user"], demote["group"])
        if not (data / "PG_VERSION").is_file():
            subprocess.run(
                [bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
                check=True, capture_output=True, **demote,
            )
        self.port = self.port or free_port()
        self._process = subprocess.Popen(
            [bindir / "postgres", "-D", data, "-p", str(self.port), "-h", "127.0.0.1", "-k", self.base_dir,
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            stdout=subprocess.DEVNULL, stderr=open(self.base_dir / "postgres.log", "ab"),  # noqa: SIM115
            start_new_session=True, **demote,
        )
        try:
            wait_for_port(self.port, timeout, "PostgreSQL")
            self._create_database(bindir, timeout)
        except Exception:
            self.stop()
            raise
        return self

    def _create_database(self, bindir: Path, timeout: float) -> None:
        import time

        deadline = time.monotonic() + timeout
        while True:
            out = subprocess.run(
                [bindir / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database],
                capture_output=True, text=True, check=False,
            )
            if out.returncode == 0 or "already exists" in out.stderr:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"createdb {self.database} failed: {out.stderr.strip()}")
            time.sleep(0.1)

    def stop(self) -> None:
        stop_process(self._process, grace=15)
        self._process = None
        if self._owns_dir and self.base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
