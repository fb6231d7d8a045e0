"""The interface-compatibility gate: what changed between two module sets, and whether VERSION is bumped enough.

Breaking (major): a module, variable or output removed (a rename is a removal plus an addition), a
new required variable, a default removed, a type narrowed, `null` no longer accepted, an output made
sensitive, a Terraform or provider range that lost versions (raised minimum, lowered maximum). Minor:
everything added or widened, changed defaults and validations (a stricter validation can break
callers; the report says so, the author decides whether to call it major).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches

from release.interface import TERRAFORM, ModuleInterface, Requirement, Variable
from release.semver import Level, Version, bump_level
from release.tf_types import compare_types
from release.tf_versions import compare_ranges


@dataclass(frozen=True)
class Change:
    module: str
    name: str
    change: str
    before: str
    after: str
    level: Level


def _variable_changes(module: str, name: str, old: Variable, new: Variable) -> list[Change]:
    def change(what: str, before: str, after: str, level: Level) -> Change:
        return Change(module, f"var.{name}", what, before, after, level)

    found = []
    typed = compare_types(old.type, new.type)
    if typed:
        found.append(change(f"type: {typed[1]}", old.type_text, new.type_text, typed[0]))
    if old.required != new.required:
        found.append(change("default removed: now required", old.default, "n/a", Level.MAJOR) if new.required
                     else change("default added: now optional", "n/a", new.default, Level.MINOR))
    elif old.default != new.default:
        found.append(change("default changed", old.default, new.default, Level.MINOR))
    if old.nullable != new.nullable:
        found.append(change("null no longer accepted", "nullable", "nullable = false", Level.MAJOR) if old.nullable
                     else change("null accepted", "nullable = false", "nullable", Level.MINOR))
    if old.validations != new.validations:
        found.append(change("validation changed (major if it rejects values it accepted)",
                            "\n".join(old.validations) or "none", "\n".join(new.validations) or "none", Level.MINOR))
    return found


def _requirement_changes(module: str, name: str, old: Requirement | None, new: Requirement | None) -> list[Change]:
    label = TERRAFORM if name == TERRAFORM else f"provider {name}"
    before, after = (old.constraint or "any" if old else "none"), (new.constraint or "any" if new else "none")
    if old is None:
        return [Change(module, label, "required (new)", before, after, Level.MINOR)]
    if new is None:
        return [Change(module, label, "no longer required", before, after, Level.MINOR)]
    found = []
    if old.source != new.source:
        found.append(Change(module, label, "source changed", old.source, new.source, Level.MAJOR))
    found += [Change(module, label, f"version range: {why}", before, after, level)
              for level, why in compare_ranges(old.constraint, new.constraint)]
    return found


def _module_changes(old: ModuleInterface, new: ModuleInterface) -> list[Change]:
    module = new.path
    found = []
    added = sorted(new.variables.keys() - old.variables.keys())
    for name in sorted(old.variables.keys() - new.variables.keys()):
        same_type = [n for n in added if new.variables[n].type == old.variables[name].type]
        closest = get_close_matches(name, same_type, n=1, cutoff=0.6)
        hint = f" (renamed to {closest[0]}?)" if closest else ""
        found.append(Change(module, f"var.{name}", f"removed{hint}", old.variables[name].type_text, "n/a", Level.MAJOR))
    for name in added:
        variable = new.variables[name]
        found.append(Change(module, f"var.{name}", "added, required" if variable.required else "added, optional",
                            "n/a", variable.type_text, Level.MAJOR if variable.required else Level.MINOR))
    for name in sorted(old.variables.keys() & new.variables.keys()):
        found += _variable_changes(module, name, old.variables[name], new.variables[name])
    for name in sorted(old.outputs.keys() - new.outputs.keys()):
        found.append(Change(module, f"output.{name}", "removed", "output", "n/a", Level.MAJOR))
    for name in sorted(new.outputs.keys() - old.outputs.keys()):
        found.append(Change(module, f"output.{name}", "added", "n/a", "output", Level.MINOR))
    for name in sorted(old.outputs.keys() & new.outputs.keys()):
        if old.outputs[name].sensitive != new.outputs[name].sensitive:
            made = new.outputs[name].sensitive
            found.append(Change(module, f"output.{name}", "made sensitive" if made else "no longer sensitive",
                                str(not made).lower(), str(made).lower(), Level.MAJOR if made else Level.MINOR))
    for name in sorted(old.requirements.keys() | new.requirements.keys()):
        before, after = old.requirements.get(name), new.requirements.get(name)
        if before != after:
            found += _requirement_changes(module, name, before, after)
    return found


def compare(old: Mapping[str, ModuleInterface], new: Mapping[str, ModuleInterface]) -> list[Change]:
    """Every interface change from the `old` module set to the `new` one, module by module."""
    found = [Change(path, "module", "removed", "module", "n/a", Level.MAJOR) for path in sorted(old.keys() - new.keys())]
    found += [Change(path, "module", "added", "n/a", "module", Level.MINOR) for path in sorted(new.keys() - old.keys())]
    for path in sorted(old.keys() & new.keys()):
        found += _module_changes(old[path], new[path])
    return sorted(found, key=lambda c: (c.module, -c.level, c.name))


@dataclass(frozen=True)
class Verdict:
    ok: bool
    needed: Level
    bump: Level | None  # None when VERSION is lower than the last release
    message: str


def judge(changes: list[Change], last: Version, version: Version) -> Verdict:
    """Whether `version` (VERSION) is bumped enough after the `last` release for `changes`."""
    needed = max((c.level for c in changes), default=Level.NONE)
    if version < last:
        return Verdict(False, needed, None, f"VERSION {version} is lower than the last release {last.tag}; "
                                             f"set it to {last.bumped(max(needed, Level.PATCH))} or later")
    bump = bump_level(last, version)
    if bump >= needed:
        have = f"VERSION {version} is a {bump} release" if bump > Level.NONE else f"VERSION is {version}"
        if needed is Level.NONE:
            return Verdict(True, needed, bump, f"nothing since {last.tag} needs a version bump; {have}")
        return Verdict(True, needed, bump, f"the changes since {last.tag} need a {needed} release; {have}")
    have = f"VERSION {version} is only a {bump} release" if bump > Level.NONE else f"VERSION is still {version}"
    return Verdict(False, needed, bump, f"the changes since {last.tag} need a {needed} release but {have}: "
                                        f"set VERSION to {last.bumped(needed)} and describe them under Unreleased "
                                        "in CHANGELOG.md")
