"""The one hash every part compares: build.py's manifest, Lambda's CodeSha256, the plan checker.

It must equal Terraform's filebase64sha256() byte for byte, so it lives in one place.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path


def filebase64sha256(path: Path) -> str:
    """Base64 of the file's SHA-256, as Terraform's filebase64sha256() and Lambda's CodeSha256."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return base64.b64encode(digest.digest()).decode()
