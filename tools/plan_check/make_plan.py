"""`make plan`: terraform init, `plan -out build/plan.tfplan` and `show -json` into build/plan.json.

The target is whatever the standard AWS environment says: AWS through the usual
credential chain, or the local emulator when AWS_ENDPOINT_URL is set (the AWS
provider honours it). The state is the root module's local file, or with
`--backend-config FILE` the shared S3 state (terraform_tools.remote_state; CI
plans that way, so the plan compares against what is deployed). The JSON is
written to a temp file and renamed, so a failed run never leaves a half-written
plan.json for `make plan-check`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from atomic_files import write_text_atomic
from repo_paths import REPO_ROOT
from terraform_tools.remote_state import BackendConfigError, data_dir, describe, read_backend_config, s3_backend
from terraform_tools.runner import TerraformError, plan_json, run

LOCAL_STACK_FILE = REPO_ROOT / ".local-stack" / "stack.json"  # written by `make up`, removed by `make down`
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def progress(message: str) -> None:
    print(f"plan: {message}", file=sys.stderr, flush=True)


def target_environ() -> tuple[dict[str, str], str]:
    """Terraform's environment (before provider discovery), and a one-line description of where the plan reads state from."""
    env = dict(os.environ)
    endpoint = env.get("AWS_ENDPOINT_URL")
    if endpoint:
        for key, value in DUMMY_CREDENTIALS.items():
            env.setdefault(key, value)
        env.setdefault("AWS_EC2_METADATA_DISABLED", "true")
        return env, f"local emulator at {endpoint} (AWS_ENDPOINT_URL)"
    if LOCAL_STACK_FILE.is_file():
        try:
            local = json.loads(LOCAL_STACK_FILE.read_text()).get("endpoint")
        except (OSError, ValueError, AttributeError):
            local = None
        if local:
            progress(f"a local stack is up; to plan against it instead: export AWS_ENDPOINT_URL={local}")
    profile = env.get("AWS_PROFILE") or ("environment credentials" if env.get("AWS_ACCESS_KEY_ID") else "default credential chain")
    return env, f"AWS ({profile})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="plan_check.make_plan", description=__doc__.splitlines()[0],
                                epilog="Other arguments (e.g. -var name=value) go to `terraform plan`.")
    p.add_argument("--chdir", type=Path, default=REPO_ROOT, help="root module directory (default: the repository)")
    p.add_argument("--out", type=Path, default=Path("build/plan.tfplan"), help="saved plan (default build/plan.tfplan)")
    p.add_argument("--json", type=Path, default=Path("build/plan.json"), help="show -json output (default build/plan.json)")
    p.add_argument("--no-init", action="store_true", help="skip terraform init")
    p.add_argument("--backend-config", type=Path, metavar="FILE",
                   help="plan against the S3 state these settings name (a *.s3.tfbackend file; docs/remote-state.md)")
    args, plan_args = p.parse_known_args(argv)
    root = args.chdir.resolve()
    if not any(root.glob("*.tf")):
        print(f"plan: error: no Terraform configuration (*.tf) in {root}; pass --chdir ROOT_MODULE", file=sys.stderr)
        return 2
    if args.backend_config and args.no_init:
        print("plan: error: --backend-config takes effect through terraform init; drop --no-init", file=sys.stderr)
        return 2
    out, json_path = (Path.cwd() / args.out).resolve(), (Path.cwd() / args.json).resolve()
    env, target = target_environ()
    try:
        backend = read_backend_config(args.backend_config.resolve()) if args.backend_config else None
    except BackendConfigError as exc:
        print(f"plan: error: {exc}", file=sys.stderr)
        return 2
    state = describe(backend) if backend else f"local state in {root}"
    progress(f"planning {root} against {target}; state: {state}")
    init = ["init", "-input=false"]
    if args.backend_config:
        # Its own data directory, and -reconfigure: the settings of this run, never a migration
        # from those an earlier run recorded.
        env["TF_DATA_DIR"] = str(data_dir(root))
        init += ["-reconfigure", f"-backend-config={args.backend_config.resolve()}"]
    try:
        with s3_backend(root) if args.backend_config else nullcontext():
            if not args.no_init:
                progress("terraform init")
                run(init, root, env, echo=True)
            out.parent.mkdir(parents=True, exist_ok=True)
            progress(f"terraform plan -out {out}, then show -json")
            text = plan_json(root, out, plan_args, env, echo=True)
    except BackendConfigError as exc:
        print(f"plan: error: {exc}", file=sys.stderr)
        return 2
    except TerraformError as exc:
        print(f"plan: error: {exc}", file=sys.stderr)
        return 1
    changes = len(json.loads(text).get("resource_changes", []))
    write_text_atomic(json_path, text)
    progress(f"wrote {json_path} ({changes} resource changes); next: make plan-check")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
