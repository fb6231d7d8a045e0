"""One boto3 client per (service, region), created on first use and reused while warm.

boto3 is imported lazily: a function whose batch needs no AWS call (no poison records, no IAM
token) never pays its ~0.4 s import. Clients honour AWS_ENDPOINT_URL and
AWS_ENDPOINT_URL_<SERVICE> (botocore reads them; passed explicitly as well for older runtimes), so
the same code talks to AWS or to the local emulator. Timeouts are short so a hung call fails
within the invocation instead of at the Lambda timeout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

_clients: dict[tuple[str, str | None], Any] = {}


def endpoint_for(service: str, environ: Mapping[str, str] = os.environ) -> str | None:
    specific = environ.get(f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}")
    return specific or environ.get("AWS_ENDPOINT_URL") or None


def client(service: str, region: str | None = None) -> Any:
    """The cached client for `service`; call `forget(service)` after a credentials/endpoint change."""
    key = (service, region)
    cached = _clients.get(key)
    if cached is not None:
        return cached
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3})
    created = boto3.client(service, region_name=region, endpoint_url=endpoint_for(service), config=config)
    _clients[key] = created
    return created


def forget(service: str | None = None) -> None:
    """Drop cached clients (all, or one service's), e.g. when tests switch endpoints."""
    for key in [k for k in _clients if service is None or k[0] == service]:
        del _clients[key]
