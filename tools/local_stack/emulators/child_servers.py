"""The emulators' servers as child processes: a free loopback port each (so parallel stacks never collide),
a wait until it listens, and a stop that cannot hang.
"""

from __future__ import annotations

import socket
import subprocess

from waiting import wait_until


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def listening(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float, what: str) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""
    wait_until(lambda: listening(port), timeout, f"{what} to listen on 127.0.0.1:{port}", interval=0.05)


def stop_process(process: subprocess.Popen[bytes] | None, grace: float) -> None:
    """Ask `process` to exit (SIGTERM); kill it if it has not within `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
