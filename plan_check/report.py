"""Render findings as a terminal table, Markdown (PR comments), JSON or JUnit XML."""

from __future__ import annotations

import json
import textwrap
from xml.etree import ElementTree

from plan_check.findings import Finding, Rule

COLUMNS = ("RULE", "ADDRESS", "PROBLEM", "FIX")
WIDTHS = (30, 200, 56, 56)


def _summary(violations: list[Finding], allowed: list[Finding], checked: int) -> str:
    if not violations:
        tail = f", {len(allowed)} allowed by --allow" if allowed else ""
        return f"plan-check: OK, {checked} resources pass every rule{tail}"
    rules = len({f.rule.id for f in violations})
    return f"plan-check: {len(violations)} violation(s) of {rules} rule(s) in {checked} resources, {len(allowed)} allowed"


def _cells(finding: Finding, allowed: bool) -> tuple[str, ...]:
    return (finding.rule.id + (" (allowed)" if allowed else ""), finding.address, finding.problem, finding.how_to_fix)


def table(violations: list[Finding], allowed: list[Finding], checked: int) -> str:
    """Wrapped fixed-width columns, so the table stays readable in a CI log."""
    rows = [_cells(f, False) for f in violations] + [_cells(f, True) for f in allowed]
    if not rows:
        return _summary(violations, allowed, checked) + "\n"
    widths = [min(limit, max(len(c) for c in [head, *(r[i] for r in rows)])) for i, (head, limit) in enumerate(zip(COLUMNS, WIDTHS, strict=True))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        wrapped = [textwrap.wrap(cell, w, break_on_hyphens=False) or [""] for cell, w in zip(row, widths, strict=True)]
        for n in range(max(len(w) for w in wrapped)):
            lines.append("  ".join((w[n] if n < len(w) else "").ljust(width) for w, width in zip(wrapped, widths, strict=True)).rstrip())
    return "\n".join([*lines, "", _summary(violations, allowed, checked)]) + "\n"


def markdown(violations: list[Finding], allowed: list[Finding], checked: int) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"**{_summary(violations, allowed, checked)}**", ""]
    rows = [_cells(f, False) for f in violations] + [_cells(f, True) for f in allowed]
    if rows:
        lines += ["| Rule | Address | Problem | Fix |", "|---|---|---|---|"]
        lines += [f"| `{cell(r[0])}` | `{cell(r[1])}` | {cell(r[2])} | {cell(r[3])} |" for r in rows]
    return "\n".join(lines) + "\n"


def as_json(violations: list[Finding], allowed: list[Finding], checked: int, rules: tuple[Rule, ...]) -> str:
    def item(f: Finding) -> dict[str, str]:
        return {"rule": f.rule.id, "address": f.address, "problem": f.problem, "fix": f.how_to_fix}

    return json.dumps({
        "ok": not violations,
        "resources_checked": checked,
        "violations": [item(f) for f in violations],
        "allowed": [item(f) for f in allowed],
        "rules": [{"id": r.id, "explanation": r.explanation, "fix": r.fix} for r in rules],
    }, indent=2) + "\n"


def junit(violations: list[Finding], allowed: list[Finding], rules: tuple[Rule, ...]) -> str:
    """One test case per rule; each violation is a failure inside its rule's case."""
    suite = ElementTree.Element("testsuite", name="plan-check", tests=str(len(rules)),
                                failures=str(len({f.rule.id for f in violations})), errors="0")
    for rule in rules:
        case = ElementTree.SubElement(suite, "testcase", classname="plan_check", name=rule.id)
        failed = [f for f in violations if f.rule.id == rule.id]
        if failed:
            failure = ElementTree.SubElement(case, "failure", message=f"{len(failed)} violation(s): {rule.explanation}")
            failure.text = "\n".join(f"{f.address}: {f.problem} -> {f.how_to_fix}" for f in failed)
        skipped = [f for f in allowed if f.rule.id == rule.id]
        if skipped and not failed:
            out = ElementTree.SubElement(case, "system-out")
            out.text = "\n".join(f"allowed: {f.address}: {f.problem}" for f in skipped)
    ElementTree.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suite, encoding="unicode") + "\n"
