"""Render a check result as a terminal table, Markdown (PR comments), JSON or JUnit XML."""

from __future__ import annotations

import json
from dataclasses import dataclass
from xml.etree import ElementTree

from text_table import render

from plan_check.findings import Finding, Rule

COLUMNS = ("RULE", "ADDRESS", "PROBLEM", "FIX")
WIDTHS = (30, 200, 56, 56)  # wrapped beyond these, so the table stays readable in a CI log


@dataclass(frozen=True)
class Result:
    violations: list[Finding]
    allowed: list[Finding]
    unverified: list[Finding]
    checked: int
    rules: tuple[Rule, ...]


def summary(result: Result) -> str:
    tail = f", {len(result.unverified)} not verifiable from this plan" if result.unverified else ""
    if not result.violations:
        allowed = f", {len(result.allowed)} allowed by --allow" if result.allowed else ""
        return f"plan-check: OK, {result.checked} resources pass every rule{allowed}{tail}"
    rules = len({f.rule.id for f in result.violations})
    return (f"plan-check: {len(result.violations)} violation(s) of {rules} rule(s) in {result.checked} resources, "
            f"{len(result.allowed)} allowed{tail}")


def _rows(result: Result) -> list[tuple[str, ...]]:
    def cells(f: Finding, tag: str) -> tuple[str, ...]:
        return (f.rule.id + tag, f.address, f.problem, f.how_to_fix)

    return [cells(f, "") for f in result.violations] + [cells(f, " (allowed)") for f in result.allowed]


def table(result: Result) -> str:
    lines = [render(COLUMNS, rows, WIDTHS), ""] if (rows := _rows(result)) else []
    lines.append(summary(result))
    if result.unverified:
        lines += ["", "Not verifiable from this plan (values known only after apply, or outside this configuration):"]
        lines.append(render(("RULE", "ADDRESS", "WHY"), [(f.rule.id, f.address, f.problem) for f in result.unverified],
                            WIDTHS[:3]))
    return "\n".join(lines) + "\n"


def markdown(result: Result) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"**{summary(result)}**", ""]
    if rows := _rows(result):
        lines += ["| Rule | Address | Problem | Fix |", "|---|---|---|---|"]
        lines += [f"| `{cell(r[0])}` | `{cell(r[1])}` | {cell(r[2])} | {cell(r[3])} |" for r in rows]
    if result.unverified:
        lines += ["", "<details><summary>Not verifiable from this plan</summary>", ""]
        lines += [f"- `{f.rule.id}` `{cell(f.address)}`: {cell(f.problem)}" for f in result.unverified]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def as_json(result: Result) -> str:
    def item(f: Finding) -> dict[str, str]:
        return {"rule": f.rule.id, "address": f.address, "problem": f.problem, "fix": f.how_to_fix}

    return json.dumps({
        "ok": not result.violations,
        "resources_checked": result.checked,
        "violations": [item(f) for f in result.violations],
        "allowed": [item(f) for f in result.allowed],
        "unverified": [{"rule": f.rule.id, "address": f.address, "reason": f.problem} for f in result.unverified],
        "rules": [{"id": r.id, "explanation": r.explanation, "fix": r.fix} for r in result.rules],
    }, indent=2) + "\n"


def junit(result: Result) -> str:
    """One test case per rule; each violation is a failure inside its rule's case."""
    failed_rules = {f.rule.id for f in result.violations}
    suite = ElementTree.Element("testsuite", name="plan-check", tests=str(len(result.rules)),
                                failures=str(len(failed_rules)), errors="0")
    for rule in result.rules:
        case = ElementTree.SubElement(suite, "testcase", classname="plan_check", name=rule.id)
        failed = [f for f in result.violations if f.rule.id == rule.id]
        if failed:
            failure = ElementTree.SubElement(case, "failure", message=f"{len(failed)} violation(s): {rule.explanation}")
            failure.text = "\n".join(f"{f.address}: {f.problem} -> {f.how_to_fix}" for f in failed)
        notes = [f"allowed: {f.address}: {f.problem}" for f in result.allowed if f.rule.id == rule.id]
        notes += [f"not verifiable: {f.address}: {f.problem}" for f in result.unverified if f.rule.id == rule.id]
        if notes:
            ElementTree.SubElement(case, "system-out").text = "\n".join(notes)
    ElementTree.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suite, encoding="unicode") + "\n"
