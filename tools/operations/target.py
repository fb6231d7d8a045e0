"""Where the operator commands look (AWS or the running local stack) and which pipeline they look at.

Where: boto3's standard credential chain (`--profile`, `--region`, the AWS_* variables, AWS_ENDPOINT_URL
included), or the emulator of a running `make up`, which is just another endpoint: its address and
region come from .local-stack/stack.json, its credentials are dummies. Without --aws or --local the
local stack is used while `make up` runs one, otherwise AWS; every report names its target, so the
choice is never silent.

What: the root module's outputs (pipeline_contract.outputs): on AWS those of `terraform output -json`
in --chdir, for the local stack the ones `make up` saved in stack.json. Commands may name the parts
themselves instead (a pipeline applied from another root module, or no Terraform at hand).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound
from pipeline_contract.errors import OutputsError
from pipeline_contract.outputs import Operated, read_operated
from repo_paths import REPO_ROOT
from terraform_tools.runner import TerraformError, run

LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# Short connect timeout and standard retries (throttling included): an operator waits for the answer.
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 5})


class TargetError(RuntimeError):
    """No usable target or pipeline description; the message is one line with the fix."""


@dataclass
class Target:
    """An AWS account and region, or the local emulator, with one boto3 client per service."""

    kind: str  # "aws" or "local"
    description: str  # for the report's first line
    session: Any  # boto3.Session
    endpoint: str | None = None  # the emulator's; None on AWS (boto3 still honours AWS_ENDPOINT_URL)
    local_stack: dict[str, Any] | None = None  # stack.json of the running local stack
    _clients: dict[tuple[str, str | None], Any] = field(default_factory=dict)

    @property
    def region(self) -> str:
        region: str = self.session.region_name
        return region

    def client(self, service: str, region: str | None = None) -> Any:
        """The client for `service` in `region` (default: the target's), created once."""
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=region or self.region,
                                                     endpoint_url=self.endpoint, config=CLIENT_CONFIG)
        return self._clients[key]


def add_target_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("target (default: the local stack while `make up` runs one, else AWS)")
    choice = where.add_mutually_exclusive_group()
    choice.add_argument("--aws", action="store_true", help="AWS through the standard credential chain")
    choice.add_argument("--local", action="store_true", help="the local stack started by `make up`")
    where.add_argument("--profile", help="AWS profile (default: AWS_PROFILE or the default chain)")
    where.add_argument("--region", help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)")
    where.add_argument("--chdir", type=Path, default=REPO_ROOT,
                       help="root module whose `terraform output -json` names the pipeline on AWS (default: the repository)")


def resolve_target(args: argparse.Namespace) -> Target:
    """The target the options ask for (see the module docstring)."""
    from local_stack.stack_state import STACK_FILE, NoStack, read_running_stack

    if args.aws or (not args.local and not STACK_FILE.is_file()):
        return aws_target(args.profile, args.region)
    if args.profile or args.region:
        raise TargetError(f"a local stack is up ({STACK_FILE}) and --profile/--region apply to AWS: add --aws to use AWS")
    try:
        info = read_running_stack(STACK_FILE)
    except NoStack as error:
        raise TargetError(str(error)) from None
    session = boto3.Session(region_name=info["region"], **LOCAL_CREDENTIALS)
    return Target("local", f"local stack at {info['endpoint']} (pid {info['pid']}, {info['region']})", session,
                  endpoint=info["endpoint"], local_stack=info)


def aws_target(profile: str | None, region: str | None) -> Target:
    try:
        # AWS_REGION as the other SDKs and the AWS CLI read it; boto3 itself reads only AWS_DEFAULT_REGION.
        session = boto3.Session(profile_name=profile, region_name=region or os.environ.get("AWS_REGION"))
    except ProfileNotFound:
        raise TargetError(f"AWS profile {profile!r} is not configured: pass a profile from ~/.aws/config") from None
    if not session.region_name:
        raise TargetError("no AWS region: pass --region or set AWS_REGION (or start the local stack with `make up`)")
    credentials = (f"profile {profile}" if profile else f"profile {os.environ['AWS_PROFILE']}" if os.environ.get("AWS_PROFILE")
                   else "the default credential chain")
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    via = f", endpoint {endpoint} (AWS_ENDPOINT_URL)" if endpoint else ""
    return Target("aws", f"AWS {session.region_name} ({credentials}{via})", session)


def terraform_outputs(target: Target, chdir: Path) -> tuple[dict[str, Any], str]:
    """The root module's output values, and where they came from (for the report)."""
    if target.local_stack is not None:
        saved = target.local_stack.get("outputs")
        if not isinstance(saved, dict):
            raise TargetError("the running local stack saved no terraform outputs (started by an older checkout): "
                              "`make down && make up`")
        return saved, "the root module's outputs saved by `make up`"
    env = dict(os.environ)
    if target.session.profile_name and target.session.profile_name != "default":
        env["AWS_PROFILE"] = target.session.profile_name  # a remote state backend reads it too
    try:
        text = run(["output", "-json"], chdir, env)
    except TerraformError as error:
        first = str(error).splitlines()[0]
        raise TargetError(f"{first}: apply the root module there, pass --chdir, or name the parts yourself (see --help)") from None
    outputs = {name: value["value"] for name, value in json.loads(text).items()}
    if not outputs:
        raise TargetError(f"`terraform output` in {chdir} has no outputs (nothing applied there): apply the root module, "
                          "pass --chdir, or name the parts yourself (see --help)")
    return outputs, f"`terraform output` in {chdir}"


def operated_pipeline(target: Target, chdir: Path) -> tuple[Operated, str]:
    """The pipeline the root module's outputs describe, and where they came from."""
    outputs, source = terraform_outputs(target, chdir)
    try:
        return read_operated(outputs), source
    except OutputsError as error:
        raise TargetError(f"{source}: {error}") from None
