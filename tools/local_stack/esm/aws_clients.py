"""boto3 clients for the emulator, one per service, shared across the runner's threads.

boto3 clients are thread-safe but sessions are not, so clients are created
once under a lock from a single session.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config


class AwsClients:
    def __init__(self, env: dict[str, str]) -> None:
        self._session = boto3.session.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=env.get("AWS_SESSION_TOKEN"), region_name=env["AWS_REGION"],
        )
        self._endpoint = env["AWS_ENDPOINT_URL"]
        self._config = Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=32)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.region = env["AWS_REGION"]

    def __call__(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(service, endpoint_url=self._endpoint, config=self._config)
            return self._clients[service]
