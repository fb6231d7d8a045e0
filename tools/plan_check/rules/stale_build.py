"""Stale or foreign build: what Terraform deploys must be what build.py recorded, built from the current sources.

Three ways to deploy the wrong code: a plan whose hash is not the manifest's (a foreign zip, or a
plan made before the last build: then the fix is to plan again), a zip altered after the manifest
was written, and a dist/ older than the sources, locks or configs (Terraform cannot see that; the
answer comes from lambda_build.freshness, the code behind `build.py check`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from lambda_build.errors import BuildError
from lambda_build.freshness import stale
from pipeline_contract.manifest import Artifact, ZipState, zip_state

from plan_check.findings import PLAN_WIDE, Context, Finding, Rule

STALE_BUILD = Rule(
    "stale-build",
    "A function or layer's source_code_hash must equal the manifest's hash for its zip, built from the current sources",
    "run `make build`, commit nothing from dist/, and set source_code_hash from dist/manifest.json",
)
RULES = (STALE_BUILD,)
DEPLOYABLE = ("aws_lambda_function", "aws_lambda_layer_version")
PLAN_AGAIN = "plan again (`make plan`, then `make plan-check`): the build is newer than this plan"
BUILD_AND_PLAN = "run `make build`, then `make plan` and `make plan-check` again"


def _built_after_plan(ctx: Context, artifact: Artifact) -> bool:
    """True when the artifact's zip was certainly written after terraform made the plan.

    The plan's timestamp is cut to the second, so a zip written within that second does not count.
    """
    if ctx.plan.timestamp is None or ctx.manifest.root is None:
        return False
    try:
        planned = datetime.fromisoformat(ctx.plan.timestamp).timestamp()
        built = ctx.manifest.zip_path(artifact).stat().st_mtime
    except (ValueError, OSError):
        return False
    return built >= planned + 1


def check(ctx: Context) -> Iterator[Finding]:
    deployed: dict[str, list[str]] = {}  # artifact name -> addresses deploying it
    for resource in ctx.plan.live(*DEPLOYABLE):
        if resource.value("package_type") == "Image":
            continue
        artifact = ctx.artifact_of(resource)
        if artifact is None:
            source = resource.value("filename") or resource.value("s3_key") or "an unknown zip"
            yield Finding(STALE_BUILD, resource.address, f"deploys {source}, which is not in the manifest (foreign build)")
            continue
        deployed.setdefault(artifact.name, []).append(resource.address)
        planned = resource.value("source_code_hash")
        if resource.unknown("source_code_hash"):
            yield Finding(STALE_BUILD, resource.address, "source_code_hash is unknown at plan time, so it cannot be checked")
        elif not planned:
            yield Finding(STALE_BUILD, resource.address, "has no source_code_hash: a rebuilt zip would never be deployed")
        elif planned != artifact.source_code_hash:
            newer = _built_after_plan(ctx, artifact)
            yield Finding(
                STALE_BUILD, resource.address,
                f"source_code_hash {planned[:12]}… differs from the manifest's {artifact.source_code_hash[:12]}… for "
                f"{artifact.name}" + (" (built after this plan was made)" if newer else ""),
                PLAN_AGAIN if newer else "",
            )
        # Only a zip that is here and differs: the plan may come from a staged copy or another machine.
        if zip_state(ctx.manifest.zip_path(artifact), artifact) is ZipState.CHANGED:
            yield Finding(STALE_BUILD, resource.address, f"{artifact.path} changed after the manifest was written")
    yield from _older_than_sources(ctx, deployed)


def _older_than_sources(ctx: Context, deployed: dict[str, list[str]]) -> Iterator[Finding]:
    """Findings for deployed artifacts whose dist/ zip predates the sources; only beside a checkout that has them."""
    root = ctx.manifest.root
    if not deployed or root is None or not any((root / kind).is_dir() for kind in ("functions", "layers")):
        return  # a dist/ staged without its sources: nothing to compare with
    try:
        found = stale(root)
    except BuildError as exc:
        ctx.cannot_verify(STALE_BUILD, PLAN_WIDE, f"cannot compare dist/ with the sources: {exc}")
        return
    for item in found:
        for address in deployed.get(item.artifact, []):
            yield Finding(STALE_BUILD, address, f"{item.reason}: this plan deploys a zip not built from the current sources",
                          BUILD_AND_PLAN)
