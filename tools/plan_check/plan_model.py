"""The parts of `terraform show -json` output the rules need, with references resolved.

Many ARNs and IDs are unknown at plan time, so two resources are linked both by
known values (an attribute equals another resource's id/arn/name) and by the
`configuration` section's expression references, followed through module
variables and outputs; `each.key`/`each.value` through the resource's for_each
expression. Locals and dynamic blocks are not in the plan JSON: inside a module
they fall back to the module's inputs (callers filter by resource type).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

MODULE_STEP = re.compile(r'module\.([\w-]+)(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?')
RESOURCE_REF = re.compile(r'^(?P<data>data\.)?(?P<type>[\w-]+)\.(?P<name>[\w-]+)(?P<index>\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?')
IDENTITY_ATTRS = ("id", "arn", "name", "bucket", "url")
DELETE_ONLY = ("delete",)


class PlanError(ValueError):
    """The plan file is missing or is not `terraform show -json` output."""


@dataclass(frozen=True)
class Resource:
    """One resource instance from `resource_changes`, with its planned values."""

    address: str
    module: str
    mode: str
    type: str
    name: str
    actions: tuple[str, ...]
    after: dict[str, Any]
    after_unknown: dict[str, Any]
    replace_paths: tuple[Any, ...] = ()

    @property
    def config_address(self) -> str:
        return f"data.{self.type}.{self.name}" if self.mode == "data" else f"{self.type}.{self.name}"

    @property
    def deleted(self) -> bool:
        return self.actions == DELETE_ONLY

    def value(self, *path: str | int) -> Any:
        return _walk(self.after, path)

    def unknown(self, *path: str | int) -> bool:
        """True when the value at path is only known after apply."""
        node: Any = self.after_unknown
        for step in path:
            if node is True:
                return True
            node = _step(node, step)
            if node is None:
                return False
        return node is True

    def is_set(self, *path: str | int) -> bool:
        """Configured to something: a known non-empty value, or a value known only after apply."""
        value = self.value(*path)
        return self.unknown(*path) or value not in (None, "", [], {})


def _step(node: Any, step: str | int) -> Any:
    if isinstance(step, int):
        return node[step] if isinstance(node, list) and -len(node) <= step < len(node) else None
    return node.get(step) if isinstance(node, dict) else None


def _walk(node: Any, path: Iterable[str | int]) -> Any:
    for step in path:
        node = _step(node, step)
        if node is None:
            return None
    return node


def config_path(module_address: str) -> tuple[str, ...]:
    """Module call names from an instance address: module.a["x"].module.b -> ("a", "b")."""
    return tuple(MODULE_STEP.findall(module_address))


def _strip_index(token: str) -> str:
    return token.split("[", 1)[0]


@dataclass
class Plan:
    """A loaded plan: resource instances plus the configuration they came from."""

    resources: list[Resource]
    configuration: dict[str, Any]
    timestamp: str | None = None  # when terraform made the plan (RFC 3339, UTC; absent before Terraform 1.5)
    _identity: dict[str, list[Resource]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for resource in self.resources:
            if resource.deleted:
                continue
            for attr in IDENTITY_ATTRS:
                value = resource.value(attr)
                if isinstance(value, str) and value:
                    self._identity.setdefault(value, []).append(resource)

    def identified_by(self, value: str) -> list[Resource]:
        """Resources (not being deleted) whose id, arn, name, bucket or url is this known value."""
        return list(self._identity.get(value, []))

    def live(self, *types: str) -> list[Resource]:
        """Managed resources of these types that exist after apply (deletes excluded)."""
        return [r for r in self.resources if r.mode == "managed" and r.type in types and not r.deleted]

    def module_config(self, path: tuple[str, ...]) -> dict[str, Any]:
        node: dict[str, Any] = self.configuration.get("root_module", {})
        for name in path:
            node = node.get("module_calls", {}).get(name, {}).get("module", {})
        return node

    def _config_item(self, resource: Resource) -> dict[str, Any]:
        """The resource's entry in the configuration section (expressions, for_each_expression, ...)."""
        for item in self.module_config(config_path(resource.module)).get("resources", []):
            if item.get("address") == resource.config_address:
                return dict(item)
        return {}

    def expression(self, resource: Resource, *path: str | int) -> Any:
        """The configuration expression behind an attribute (a block path like "vpc_config", 0, "subnet_ids")."""
        return _walk(self._config_item(resource).get("expressions", {}), path)

    def configured(self, resource: Resource, *path: str | int) -> bool:
        """True when the attribute is written in the configuration (even if unknown at plan)."""
        return self.expression(resource, *path) is not None

    def linked(self, resource: Resource, *path: str | int) -> list[Resource]:
        """Resources an attribute points at, by known value and by configuration reference."""
        found: dict[str, Resource] = {}
        value = resource.value(*path)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                for target in self._identity.get(item, []):
                    if target.address != resource.address:
                        found[target.address] = target
        expression = self.expression(resource, *path)
        if expression is not None:
            targets = self._resolve_expression(resource.module, expression, 0)
            if any(ref.startswith("each.") for ref in _references(expression)):
                # each.key and each.value are elements of the resource's for_each expression.
                for_each = self._config_item(resource).get("for_each_expression")
                targets = chain(targets, self._resolve_expression(resource.module, for_each, 0))
        else:
            targets = self._module_inputs(resource.module, path, 0)
        for target in targets:
            found.setdefault(target.address, target)
        return list(found.values())

    def _module_call(self, scope: str) -> tuple[str, dict[str, Any]]:
        """The parent scope of a module instance and the `module` block that created it."""
        parent, _, call = scope.rpartition(".module.") if ".module." in scope else ("", "", scope)
        call_name = _strip_index(call.removeprefix("module."))
        return parent, self.module_config(config_path(parent)).get("module_calls", {}).get(call_name, {})

    def _module_inputs(self, scope: str, path: tuple[str | int, ...], depth: int) -> Iterator[Resource]:
        """Fallback when the expression is not in the plan JSON (dynamic blocks, locals).

        The value then comes from the module's inputs: those named like the block or attribute
        (vpc_config, *subnet_ids), or every input when no path is given. Callers filter by type.
        """
        if not scope:
            return
        parent, call = self._module_call(scope)
        names = [p for p in (path[:1] + path[-1:]) if isinstance(p, str)]
        for name, expression in call.get("expressions", {}).items():
            if not names or any(name == n or name.endswith(n) for n in names):
                yield from self._resolve_expression(parent, expression, depth + 1)

    def _resolve_expression(self, scope: str, expression: Any, depth: int) -> Iterator[Resource]:
        if depth > 20:
            return
        refs = list(dict.fromkeys(_references(expression)))
        # Terraform lists `x.y["k"].arn`, `x.y["k"]` and `x.y`: the bare form must not widen to every instance.
        indexed = {ref.split("[", 1)[0] for ref in refs if "[" in ref}
        for ref in refs:
            if ref not in indexed:
                yield from self._resolve_reference(scope, ref, depth + 1)

    def _resolve_reference(self, scope: str, ref: str, depth: int) -> Iterator[Resource]:
        parts = ref.split(".")
        head = parts[0]
        if head == "var" and len(parts) > 1 and scope:
            parent, call = self._module_call(scope)
            yield from self._resolve_expression(parent, call.get("expressions", {}).get(parts[1]), depth)
        elif head == "local":
            # Locals are not in the plan JSON: a local in a module may hold any of the module's inputs.
            yield from self._module_inputs(scope, (), depth)
        elif head == "module" and len(parts) > 2:
            name = _strip_index(parts[1])
            child = self.module_config(config_path(scope)).get("module_calls", {}).get(name, {}).get("module", {})
            output = child.get("outputs", {}).get(parts[2], {}).get("expression")
            prefix = f"{scope}.module.{name}" if scope else f"module.{name}"
            instances = {i for r in self.resources if (i := _module_instance(r.module, prefix))}
            for instance in sorted(instances):
                yield from self._resolve_expression(instance, output, depth)
        elif head not in ("var", "module", "local", "each", "count", "path", "self", "terraform") and (
            match := RESOURCE_REF.match(ref)
        ):
            mode = "data" if match.group("data") else "managed"
            yield from self._instances(scope, mode, match.group("type"), match.group("name"), match.group("index"))

    def _instances(self, scope: str, mode: str, rtype: str, name: str, index: str | None) -> Iterator[Resource]:
        for r in self.resources:
            same = r.module == scope and r.mode == mode and r.type == rtype and r.name == name
            if same and not r.deleted and (index is None or r.address.endswith(f"{rtype}.{name}{index}")):
                yield r


def _module_instance(module: str, prefix: str) -> str | None:
    """The instance of module call `prefix` that `module` is (or is nested in), if any."""
    match = re.match(re.escape(prefix) + r'(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?(?=$|\.module\.)', module)
    return match.group(0) if match else None


def _references(expression: Any) -> Iterator[str]:
    """Every reference string inside an expression tree."""
    if isinstance(expression, dict):
        refs = expression.get("references")
        if isinstance(refs, list):
            yield from (r for r in refs if isinstance(r, str))
        for key, value in expression.items():
            if key != "references":
                yield from _references(value)
    elif isinstance(expression, list):
        for item in expression:
            yield from _references(item)


def _resource(change: dict[str, Any]) -> Resource:
    body = change.get("change") or {}
    return Resource(
        address=change["address"],
        module=change.get("module_address", ""),
        mode=change.get("mode", "managed"),
        type=change["type"],
        name=change["name"],
        actions=tuple(body.get("actions", ())),
        after=body.get("after") or {},
        after_unknown=body.get("after_unknown") or {},
        replace_paths=tuple(body.get("replace_paths") or ()),
    )


def load_plan(path: Path) -> Plan:
    """Read `terraform show -json` output; PlanError with a one-line reason otherwise."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise PlanError(f"plan {path} not found: run `make plan` (terraform show -json of a saved plan)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanError(f"plan {path} is not JSON ({exc}): pass the output of `terraform show -json PLANFILE`") from None
    if not isinstance(data, dict) or "format_version" not in data or "configuration" not in data:
        raise PlanError(f"plan {path} is not `terraform show -json` output of a saved plan (no format_version/configuration)")
    if data.get("errored"):
        raise PlanError(f"plan {path} is from a plan that failed (errored: true): fix the terraform errors and re-run `make plan`")
    try:
        resources = [_resource(change) for change in data.get("resource_changes", [])]
    except (KeyError, TypeError, AttributeError) as exc:
        raise PlanError(f"plan {path} has a malformed resource_changes entry ({exc!r}): regenerate it with `make plan`") from None
    timestamp = data.get("timestamp")
    return Plan(resources=resources, configuration=data["configuration"],
                timestamp=timestamp if isinstance(timestamp, str) else None)
