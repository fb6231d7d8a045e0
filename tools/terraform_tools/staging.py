"""A throwaway copy of the root module to run Terraform in, so nothing is written into the source tree.

`terraform init/apply` leave .terraform/, a lock file and state next to the configuration; the
tests and the local stack run in a copy instead: the root *.tf files, modules/ and examples/ (without
their own state, caches, tests and builds) and, when wanted and built, dist/. Never the S3 backend
override a concurrent `make plan --backend-config` may have in the root: staged runs keep local state.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from repo_paths import REPO_ROOT

from terraform_tools.remote_state import BACKEND_OVERRIDE

_LEFT_OUT = shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl", "tests")
_EXAMPLES_LEFT_OUT = shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl", "dist", "__pycache__")


def stage_root_module(dest: Path, *, with_dist: bool = True) -> Path:
    """Copy the root module into `dest` (created if needed) and return it; dist/ only `with_dist` and if built.

    The examples come along (their functions unbuilt): examples/reference calls the root module.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for tf_file in REPO_ROOT.glob("*.tf"):
        if tf_file.name != BACKEND_OVERRIDE:
            shutil.copy2(tf_file, dest / tf_file.name)
    shutil.copytree(REPO_ROOT / "modules", dest / "modules", ignore=_LEFT_OUT)
    shutil.copytree(REPO_ROOT / "examples", dest / "examples", ignore=_EXAMPLES_LEFT_OUT)
    if with_dist and (REPO_ROOT / "dist").is_dir():
        shutil.copytree(REPO_ROOT / "dist", dest / "dist")
    return dest
