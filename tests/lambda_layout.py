"""A function deployed as Lambda lays it out, run in a fresh process: its code in a /var/task-like
dir, the layer in an /opt/python-like dir, configuration only from environment variables.

Shared by the function tests of the unit tier (configuration refused at start) and of the
integration tier (invocations against the emulator and PostgreSQL).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from repo_paths import REPO_ROOT

# Mimics the runtime's bootstrap: import the module named by the handler string, getattr the function.
BOOTSTRAP = """
import importlib, json, sys
task, layer, handler = sys.argv[1:4]
sys.path[:0] = [task, layer]
module_name, function_name = handler.rsplit(".", 1)
function = getattr(importlib.import_module(module_name), function_name)
class Context:
    aws_request_id = "req-deployed"
    def get_remaining_time_in_millis(self):
        return 60_000
result = function(json.load(sys.stdin), Context())
print("RESULT " + json.dumps(result))
"""


def deploy(tmp_path: Path, function: str, package: str) -> tuple[Path, Path, str]:
    """(task dir, layer dir, handler string) of `function` copied into tmp_path, with the bootstrap."""
    task, layer = tmp_path / "var/task", tmp_path / "opt/python"
    shutil.copytree(REPO_ROOT / "functions" / function / package, task / package)
    shutil.copytree(REPO_ROOT / "layers/common/pipeline_common", layer / "pipeline_common")
    handler = tomllib.loads((REPO_ROOT / "functions" / function / "function.toml").read_text())["handler"]
    (tmp_path / "bootstrap.py").write_text(BOOTSTRAP)
    return task, layer, handler


def run_deployed(tmp_path: Path, task: Path, layer: Path, handler: str, env: dict[str, str], event: bytes,
                 timeout: float) -> subprocess.CompletedProcess[bytes]:
    """One invocation with `event` on stdin; `-P` keeps the test's own directories off sys.path."""
    return subprocess.run([sys.executable, "-P", str(tmp_path / "bootstrap.py"), str(task), str(layer), handler],
                          input=event, capture_output=True, env=env, cwd=task, timeout=timeout, check=False)
