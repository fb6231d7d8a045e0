"""Free loopback ports, chosen at start so parallel stacks never collide."""

from __future__ import annotations

import socket

from waiting import wait_until


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, what: str) -> None:
    """Block until something accepts connections on 127.0.0.1:port."""

    def listening() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_until(listening, timeout, f"{what} to listen on 127.0.0.1:{port}", interval=0.05)
