"""moto server as a child process on a free loopback port.

A separate process (not moto's in-process mock) so that Terraform's AWS
provider, the mapping runner and function workers all talk to one emulator
over HTTP, exactly as they would talk to AWS.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from local_stack.emulators.child_servers import free_port, stop_process, wait_for_port

DEFAULT_REGION = "us-east-1"
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@dataclass
class MotoServer:
    """Start with `start()` or as a context manager; `env()` points clients at it."""

    region: str = DEFAULT_REGION
    port: int = 0
    log_path: Path | None = None
    # moto with the local stack's fidelity fixes (local_stack/moto_main.py); "moto.server" for plain moto.
    server_module: str = "local_stack.emulators.moto_main"
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """Variables that send boto3, the AWS CLI and Terraform's provider to the emulator."""
        return {
            **DUMMY_CREDENTIALS,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def start(self, timeout: float = 60.0) -> MotoServer:
        self.port = self.port or free_port()
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [sys.executable, "-m", self.server_module, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **DUMMY_CREDENTIALS},
            start_new_session=True,
        )
        try:
            wait_for_port(self.port, timeout, "moto server")
        except TimeoutError:
            self.stop()
            raise
        return self

    def reset(self) -> None:
        """Forget every resource, as a fresh account would have none."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        stop_process(self._process, grace=10)
        self._process = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
