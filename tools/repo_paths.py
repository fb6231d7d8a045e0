"""Where the repository is, for tools that read its Terraform root, dist/ and locks.

Defined once so that moving a tool between packages cannot silently change what it calls the root.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
