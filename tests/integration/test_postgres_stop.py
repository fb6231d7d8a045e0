"""Stopping the local PostgreSQL leaves nothing behind, whatever happened to the server meanwhile:
restarted by an outage (a postmaster that is nobody's child), or its postmaster killed with open
connections. Stopping goes by the data directory, and the data is deleted only after that."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import psycopg
import pytest
from local_stack.demo.sink_faults import server_outage
from local_stack.emulators.child_servers import listening
from local_stack.emulators.postgres import PostgresServer, server_processes
from waiting import wait_until


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def server() -> Iterator[PostgresServer]:
    started = PostgresServer().start()
    yield started
    started.stop()


def test_a_server_restarted_by_an_outage_is_stopped_and_its_port_freed(server: PostgresServer) -> None:
    data, port = server.data_dir, server.port
    before = server_processes(data)
    with server_outage(data, port):
        assert server_processes(data) == set() and not listening(port)
    after = server_processes(data)
    assert after and not after & before, "a new postmaster and backends, not children of this process"
    with psycopg.connect(server.dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    server.stop()
    assert not [pid for pid in before | after if running(pid)], "a process of the server outlived stop()"
    assert not listening(port) and not data.exists()


def test_a_server_whose_postmaster_was_killed_is_cleaned_up(server: PostgresServer) -> None:
    data, port = server.data_dir, server.port
    conn = psycopg.connect(server.dsn, autocommit=True)
    backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGKILL)  # its backends notice and go on their own, in their own time
    wait_until(lambda: not running(postmaster), 10, "the postmaster to die")
    server.stop()
    conn.close()
    assert not running(backend) and server_processes(data) == set()
    assert not listening(port) and not data.exists()
