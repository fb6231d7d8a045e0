"""Transient sink failures: the database refuses connections for a while, or is down, as during a failover.

Done at the database (no connections allowed, existing ones cut; or the server stopped and started
again) rather than inside the function, so the deployed code meets a real outage and its own
reconnect and retry paths are what gets tested.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from local_stack.emulators.postgres import restart_server, stop_server


def _set_connections(admin_dsn: str, database: str, allowed: bool) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                         (database,))


@contextmanager
def database_outage(admin_dsn: str, database: str) -> Iterator[None]:
    """Inside the block every connection to `database` fails; afterwards it recovers."""
    _set_connections(admin_dsn, database, False)
    try:
        yield
    finally:
        _set_connections(admin_dsn, database, True)


@contextmanager
def server_outage(data_dir: Path, port: int) -> Iterator[None]:
    """Inside the block the PostgreSQL server on `data_dir` is down (fast shutdown, like a failover);
    afterwards pg_ctl starts it again on the same port, so the server that runs on is nobody's child."""
    stop_server(data_dir, port, fast=True)
    try:
        yield
    finally:
        restart_server(data_dir, port)
