"""Stale or foreign build: what Terraform deploys must be what build.py recorded."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline_contract.manifest import ZipState, zip_state

from plan_check.findings import Context, Finding, Rule

STALE_BUILD = Rule(
    "stale-build",
    "A function or layer's source_code_hash must equal the manifest's hash for its zip",
    "run `make build`, commit nothing from dist/, and set source_code_hash from dist/manifest.json",
)
RULES = (STALE_BUILD,)
DEPLOYABLE = ("aws_lambda_function", "aws_lambda_layer_version")


def check(ctx: Context) -> Iterator[Finding]:
    for resource in ctx.plan.live(*DEPLOYABLE):
        if resource.value("package_type") == "Image":
            continue
        artifact = ctx.artifact_of(resource)
        if artifact is None:
            source = resource.value("filename") or resource.value("s3_key") or "an unknown zip"
            yield Finding(STALE_BUILD, resource.address, f"deploys {source}, which is not in the manifest (foreign build)")
            continue
        planned = resource.value("source_code_hash")
        if resource.unknown("source_code_hash"):
            yield Finding(STALE_BUILD, resource.address, "source_code_hash is unknown at plan time, so it cannot be checked")
        elif not planned:
            yield Finding(STALE_BUILD, resource.address, "has no source_code_hash: a rebuilt zip would never be deployed")
        elif planned != artifact.source_code_hash:
            yield Finding(
                STALE_BUILD, resource.address,
                f"source_code_hash {planned[:12]}… differs from the manifest's {artifact.source_code_hash[:12]}… for {artifact.name}",
            )
        # Only a zip that is here and differs: the plan may come from a staged copy or another machine.
        if zip_state(ctx.manifest.zip_path(artifact), artifact) is ZipState.CHANGED:
            yield Finding(STALE_BUILD, resource.address, f"{artifact.path} changed after the manifest was written")
