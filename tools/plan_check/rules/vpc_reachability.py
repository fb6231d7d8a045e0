"""VPC reachability: a function in private subnets reaches AWS APIs only via an endpoint or NAT."""

from __future__ import annotations

from collections.abc import Iterator

from plan_check.findings import Context, Finding, Rule
from plan_check.plan_model import Plan, Resource

REACHABILITY = Rule(
    "vpc-reachability",
    "A VPC-attached function reaches each AWS service it calls via a VPC endpoint in its VPC or a NAT route",
    "add aws_vpc_endpoint for the service in the function's VPC, or route its subnets' 0.0.0.0/0 to a NAT gateway",
)
RULES = (REACHABILITY,)
# Manifest service names whose VPC endpoint has another name; rds-db (IAM auth tokens) is signed locally.
ENDPOINT_NAMES = {"kinesis": ("kinesis-streams", "kinesis"), "cloudwatch": ("monitoring",), "rds-db": ()}


def _ids(resources: list[Resource]) -> set[str]:
    return {r.address for r in resources}


def _route_tables(plan: Plan, subnet: Resource) -> list[Resource]:
    tables: list[Resource] = []
    for association in plan.live("aws_route_table_association"):
        if subnet.address in _ids(plan.linked(association, "subnet_id")):
            tables += plan.linked(association, "route_table_id")
    return tables


def _has_nat_route(plan: Plan, table: Resource) -> bool:
    routes = table.value("route")
    for index, route in enumerate(routes if isinstance(routes, list) else []):
        if isinstance(route, dict) and (route.get("nat_gateway_id") or table.unknown("route", index, "nat_gateway_id")):
            return True
    for expression in plan.expression(table, "route") or []:
        if isinstance(expression, dict) and "nat_gateway_id" in expression:
            return True
    return any(
        route.is_set("nat_gateway_id") and table.address in _ids(plan.linked(route, "route_table_id"))
        for route in plan.live("aws_route")
    )


def _endpoint_reaches(plan: Plan, endpoint: Resource, service: str, vpcs: set[str], tables: list[set[str]]) -> bool:
    """In the function's VPC; a gateway endpoint must also be on the route table of every one of its subnets."""
    name = endpoint.value("service_name")
    if not isinstance(name, str) or name.rsplit(".", 1)[-1] not in ENDPOINT_NAMES.get(service, (service,)):
        return False
    if not vpcs & _ids(plan.linked(endpoint, "vpc_id")):
        return False
    if endpoint.value("vpc_endpoint_type") == "Gateway":
        served = _ids(plan.linked(endpoint, "route_table_ids"))
        return all(subnet_tables & served for subnet_tables in tables)
    return True


def check(ctx: Context) -> Iterator[Finding]:
    plan = ctx.plan
    for function in plan.live("aws_lambda_function"):
        subnets = [s for s in plan.linked(function, "vpc_config", 0, "subnet_ids") if s.type == "aws_subnet"]
        artifact = ctx.artifact_of(function)
        if artifact is None or not artifact.aws_services:
            continue
        if not subnets:
            if function.is_set("vpc_config", 0, "subnet_ids"):
                ctx.cannot_verify(REACHABILITY, function.address, "its subnets are not in this plan, so their routes are unknown")
            continue
        vpcs = {vpc.address for subnet in subnets for vpc in plan.linked(subnet, "vpc_id")}
        tables = {subnet.address: _route_tables(plan, subnet) for subnet in subnets}
        nat_everywhere = all(any(_has_nat_route(plan, t) for t in ts) for ts in tables.values())
        if nat_everywhere:
            continue
        subnet_tables = [{t.address for t in ts} for ts in tables.values()]
        endpoints = plan.live("aws_vpc_endpoint")
        missing = [
            service for service in artifact.aws_services
            if ENDPOINT_NAMES.get(service) != () and not any(_endpoint_reaches(plan, e, service, vpcs, subnet_tables) for e in endpoints)
        ]
        if missing:
            yield Finding(
                REACHABILITY, function.address,
                f"in a VPC without NAT on every subnet and no endpoint for {', '.join(missing)}",
            )
