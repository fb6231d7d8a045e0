"""IAM least privilege: no wildcard actions, wildcard resources only where AWS requires them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from plan_check.findings import Context, Finding, Rule
from plan_check.plan_model import Resource

WILDCARD_ACTION = Rule(
    "iam-wildcard-action",
    'No Allow statement grants "*" or "<service>:*" actions (or uses NotAction)',
    "list the exact actions the code calls",
)
WILDCARD_RESOURCE = Rule(
    "iam-wildcard-resource",
    'Resource "*" only for actions that support no resource-level permissions',
    "scope Resource to the ARNs the code touches; see docs/plan-checks.md for the actions that may use *",
)
RULES = (WILDCARD_ACTION, WILDCARD_RESOURCE)

# Actions AWS documents as supporting no resource-level permissions ("*" only), used by Lambda pipelines.
STAR_RESOURCE_ACTIONS = frozenset({
    "ec2:createnetworkinterface", "ec2:describenetworkinterfaces", "ec2:deletenetworkinterface",
    "ec2:assignprivateipaddresses", "ec2:unassignprivateipaddresses",
    "ec2:describesubnets", "ec2:describesecuritygroups", "ec2:describevpcs",
    "xray:puttracesegments", "xray:puttelemetryrecords", "xray:getsamplingrules", "xray:getsamplingtargets",
    "cloudwatch:putmetricdata", "kinesis:liststreams", "kinesis:describelimits",
    "sqs:listqueues", "sns:listtopics", "s3:listallmybuckets", "sts:getcalleridentity",
    "secretsmanager:getrandompassword", "secretsmanager:listsecrets", "lambda:listfunctions",
    "lambda:getaccountsettings", "logs:describeloggroups",
})
POLICY_ATTRS = {
    "aws_iam_policy": ("policy",),
    "aws_iam_role_policy": ("policy",),
    "aws_iam_user_policy": ("policy",),
    "aws_iam_group_policy": ("policy",),
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _statements_of(resource: Resource) -> Iterator[dict[str, Any]]:
    """Statements in a known policy JSON, or in a policy document read only at apply."""
    if resource.type == "aws_iam_policy_document":
        for block in _as_list(resource.value("statement")):
            yield {
                "Effect": block.get("effect") or "Allow",
                "Action": block.get("actions") or [],
                "NotAction": block.get("not_actions") or [],
                "Resource": block.get("resources") or [],
            }
        return
    docs = [resource.value(*POLICY_ATTRS[resource.type])] if resource.type in POLICY_ATTRS else []
    docs += [inline.get("policy") for inline in _as_list(resource.value("inline_policy")) if isinstance(inline, dict)]
    for doc in docs:
        try:
            parsed = json.loads(doc) if isinstance(doc, str) and doc else {}
        except json.JSONDecodeError:
            continue
        yield from (s for s in _as_list(parsed.get("Statement")) if isinstance(s, dict))


def _violations(statement: dict[str, Any]) -> Iterator[tuple[Rule, str]]:
    if statement.get("Effect", "Allow") != "Allow":
        return
    actions = [a for a in _as_list(statement.get("Action")) if isinstance(a, str)]
    if statement.get("NotAction"):
        yield WILDCARD_ACTION, "Allow with NotAction grants every other action"
    wild = [a for a in actions if a == "*" or a.endswith(":*")]
    if wild:
        yield WILDCARD_ACTION, f"allows {', '.join(sorted(wild))}"
    if "*" in _as_list(statement.get("Resource")):
        scoped = sorted(a for a in actions if a.lower() not in STAR_RESOURCE_ACTIONS and a not in wild)
        if scoped:
            yield WILDCARD_RESOURCE, f'Resource "*" for {", ".join(scoped[:4])}{" …" if len(scoped) > 4 else ""}'


def _unknown_policy(ctx: Context, resource: Resource) -> bool:
    """Unknown at plan and not built by a policy document whose statements the plan keeps."""
    if resource.unknown("policy"):
        return not any(doc.type == "aws_iam_policy_document" for doc in ctx.plan.linked(resource, "policy"))
    return resource.unknown("inline_policy") and ctx.plan.configured(resource, "inline_policy")


def check(ctx: Context) -> Iterator[Finding]:
    candidates = ctx.plan.live(*POLICY_ATTRS, "aws_iam_role")
    candidates += [r for r in ctx.plan.resources if r.mode == "data" and r.type == "aws_iam_policy_document"]
    for resource in candidates:
        if _unknown_policy(ctx, resource):
            ctx.cannot_verify(WILDCARD_ACTION, resource.address, "policy JSON is known only after apply (checked once it is in state)")
        seen: set[tuple[str, str]] = set()
        for statement in _statements_of(resource):
            for rule, problem in _violations(statement):
                if (rule.id, problem) not in seen:
                    seen.add((rule.id, problem))
                    yield Finding(rule, resource.address, problem)
