"""A throwaway PostgreSQL server from the machine's server binaries.

The database behind RDS Proxy in AWS; here a real server on a free loopback
port with its data in a temporary directory, so tests exercise real SQL
(conflicts, transactions, reconnects) rather than a mock.

The server is stopped by its data directory, not by the process this module started: an outage
(`stop_server` then `restart_server`, or an operator's `pg_ctl restart`) leaves a postmaster that
is nobody's child here. `postmaster.pid` names the postmaster, and every process of the server
(postmaster, backends, background workers) has the data directory as its working directory, so
what is left after a shutdown is found and killed, and the data is removed only after that.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from waiting import wait_until

from local_stack.emulators.child_servers import free_port, listening, wait_for_port

SERVER_USER = "postgres"
# Throwaway data: durability off, for speed.
SPEED_SETTINGS = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


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


def server_account() -> dict[str, Any]:
    """PostgreSQL refuses to run as root; run it as the `postgres` account then."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam(SERVER_USER)
    except KeyError:
        account = pwd.getpwnam("nobody")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def server_options(data: Path, port: int) -> list[str]:
    """`postgres` options besides -D: loopback only, on `port`, its socket next to the data directory."""
    return ["-p", str(port), "-h", "127.0.0.1", "-k", str(data.parent), *SPEED_SETTINGS]


def _alive(pid: int) -> bool:
    """Running (a zombie has exited: only its parent has not collected it yet)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _postmaster(data: Path) -> int | None:
    """The running postmaster that `data`/postmaster.pid names, if any (a stale file names none)."""
    try:
        first = (data / "postmaster.pid").read_text().split("\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() and _alive(int(first)) else None


def server_processes(data: Path) -> set[int]:
    """Every live process of the server on `data`: its postmaster and whatever has `data` as working directory."""
    found = set()
    postmaster = _postmaster(data)
    if postmaster is not None:
        found.add(postmaster)
    target = os.path.realpath(data)
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd in (target, f"{target} (deleted)") and _alive(int(entry.name)):
            found.add(int(entry.name))
    return found


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def stop_server(data: Path, port: int, fast: bool = True, grace: float = 15.0) -> None:
    """Stop the PostgreSQL server on `data`, however it was started, leaving no process of it and `port` free.

    Fast shutdown (SIGINT: roll back, disconnect, checkpoint) keeps the data consistent, as an
    outage needs; immediate (SIGQUIT) is for data about to be deleted. Whatever is still there
    after `grace` seconds is killed.
    """
    postmaster = _postmaster(data)
    if postmaster is not None:
        _signal(postmaster, signal.SIGINT if fast else signal.SIGQUIT)
        with contextlib.suppress(TimeoutError):  # then killed below, with whatever else is left
            wait_until(lambda: not _alive(postmaster), grace, f"PostgreSQL (pid {postmaster}) to shut down", interval=0.05)
    for pid in server_processes(data):
        _signal(pid, signal.SIGKILL)
    wait_until(lambda: not server_processes(data) and not listening(port), 30,
               f"no process of the PostgreSQL server on {data} and port {port} free", interval=0.05)


def restart_server(data: Path, port: int, timeout: float = 60.0) -> None:
    """Start the server on `data` again with pg_ctl, as an operator would after an outage: nobody's child here."""
    bindir = find_server_bindir()
    subprocess.run(
        [bindir / "pg_ctl", "start", "-D", data, "-l", data.parent / "restarted.log", "-w", "-t", str(int(timeout)),
         "-o", shlex.join(server_options(data, port))],
        check=True, capture_output=True, **server_account(),
    )
    wait_for_port(port, timeout, "PostgreSQL")


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

    @property
    def data_dir(self) -> Path:
        if self.base_dir is None:
            raise RuntimeError("PostgreSQL is not started: it has no data directory yet")
        return self.base_dir / "data"

    def start(self, timeout: float = 60.0) -> PostgresServer:
        bindir = find_server_bindir()
        demote = server_account()
        if self.base_dir is None:
            self.base_dir = Path(tempfile.mkdtemp(prefix="pg-local-"))
            self._owns_dir = True
        data = self.data_dir
        if demote:
            os.chown(self.base_dir, demote["user"], demote["group"])
        if not (data / "PG_VERSION").is_file():
            subprocess.run(
                [bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
                check=True, capture_output=True, **demote,
            )
        self.port = self.port or free_port()
        self._process = subprocess.Popen(
            [bindir / "postgres", "-D", data, *server_options(data, self.port)],
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
        """Stop the server, whichever process runs it now, then delete its data if it is ours."""
        if self.base_dir is not None:
            stop_server(self.data_dir, self.port, fast=False)
        if self._process is not None:
            if self._process.poll() is None:  # started, but not yet a server on its data directory
                self._process.kill()
            self._process.wait()  # collect the postmaster this object started
            self._process = None
        if self._owns_dir and self.base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
