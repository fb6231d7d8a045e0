"""The top-level examples' own functions (examples/functions/*), built as a team builds theirs:
`build.py --root <examples dir> build`, which writes <examples dir>/dist/manifest.json.

Shared by the terraform tier (the examples validate only once their manifest exists) and the
integration tier (they are applied from a staged copy).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from repo_paths import REPO_ROOT


def build_example_functions(examples_dir: Path) -> Path:
    """Build the functions under `examples_dir`/functions and return the manifest it wrote."""
    result = subprocess.run([sys.executable, str(REPO_ROOT / "build.py"), "--root", str(examples_dir), "build"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"build.py --root {examples_dir} build failed:\n{result.stdout}{result.stderr}"
    return examples_dir / "dist" / "manifest.json"
