"""A throwaway copy of the root module to run Terraform in, so nothing is written into the source tree.

`terraform init/apply` leave .terraform/, a lock file and state next to the configuration; the
tests and the local stack run in a copy instead: the root *.tf files, modules/ (without their
own state, caches and tests) and, when wanted and built, dist/. Never the S3 backend override a
concurrent `make plan --backend-config` may have in the root: staged runs keep local state.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from repo_paths import REPO_ROOT

from terraform_tools.remote_state import BACKEND_OVERRIDE

_LEFT_OUT = shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl", "tests")


def stage_root_module(dest: Path, *, with_dist: bool = True) -> Path:
    """Copy the root module into `dest` (created if needed) and return it; dist/ only `with_dist` and if built."""
    dest.mkdir(parents=True, exist_ok=True)
    for tf_file in REPO_ROOT.glob("*.tf"):
        if tf_file.name != BACKEND_OVERRIDE:
            shutil.copy2(tf_file, dest / tf_file.name)
    shutil.copytree(REPO_ROOT / "modules", dest / "modules", ignore=_LEFT_OUT)
    if with_dist and (REPO_ROOT / "dist").is_dir():
        shutil.copytree(REPO_ROOT / "dist", dest / "dist")
    return dest
