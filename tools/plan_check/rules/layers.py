"""Layer limits: at most 5 layers, and function + layers within 250 MB unzipped."""

from __future__ import annotations

from collections.abc import Iterator

from pipeline_contract.manifest import Artifact

from plan_check.findings import Context, Finding, Rule
from plan_check.plan_model import Resource

MAX_LAYERS = 5
MAX_UNZIPPED = 262_144_000

LAYER_COUNT = Rule("layer-count", "A function uses at most 5 layers", "merge layers or move code into the function zip")
PACKAGE_SIZE = Rule(
    "package-size",
    "Function + its layers <= 262,144,000 bytes unzipped (Lambda's 250 MB limit)",
    "drop dependencies the runtime provides (boto3), split the function, or use a container image",
)
RULES = (LAYER_COUNT, PACKAGE_SIZE)


def layer_artifacts(ctx: Context, function: Resource, artifact: Artifact | None) -> dict[str, Artifact]:
    """Layers from the plan's layer version resources, plus those the manifest lists for the function."""
    found: dict[str, Artifact] = {}
    for layer in ctx.plan.linked(function, "layers"):
        if layer.type == "aws_lambda_layer_version" and (layer_artifact := ctx.artifact_of(layer)):
            found[layer_artifact.name] = layer_artifact
    for name in artifact.layers if artifact else ():
        if name in ctx.manifest.artifacts:
            found.setdefault(name, ctx.manifest.artifacts[name])
    return found


def check(ctx: Context) -> Iterator[Finding]:
    for function in ctx.plan.live("aws_lambda_function"):
        artifact = ctx.artifact_of(function)
        layers = layer_artifacts(ctx, function, artifact)
        planned = function.value("layers")
        count = max(len(planned) if isinstance(planned, list) else 0, len(layers))
        if count > MAX_LAYERS:
            yield Finding(LAYER_COUNT, function.address, f"uses {count} layers (max {MAX_LAYERS})")
        if artifact is None:
            continue
        total = artifact.unzipped_bytes + sum(layer.unzipped_bytes for layer in layers.values())
        if total > MAX_UNZIPPED:
            names = ", ".join([artifact.name, *sorted(layers)])
            yield Finding(PACKAGE_SIZE, function.address, f"{total:,} B unzipped ({names}) > {MAX_UNZIPPED:,} B")
