"""`python -m plan_check PLAN.json --manifest dist/manifest.json`: exit 0 clean, 1 violations, 2 bad input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from atomic_files import write_text_atomic
from pipeline_contract.errors import ManifestError
from pipeline_contract.manifest import load as load_manifest
from sizing import saved_report
from sizing.errors import SizingError

from plan_check import report
from plan_check.findings import Allowance, Context, Options
from plan_check.plan_model import PlanError, load_plan
from plan_check.rules import ALL_RULES, run_all

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT = 0, 1, 2


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="plan_check", description="Check a Terraform plan (show -json) against the build manifest.")
    p.add_argument("plan", type=Path, nargs="?", help="terraform show -json output of a saved plan (make plan writes build/plan.json)")
    p.add_argument("--manifest", type=Path, default=Path("dist/manifest.json"), help="build manifest (default dist/manifest.json)")
    p.add_argument("--format", choices=("table", "markdown", "json", "junit"), default="table")
    p.add_argument("--output", type=Path, help="write the report here (atomically) instead of stdout")
    p.add_argument("--allow", action="append", default=[], metavar="RULE:ADDRESS",
                   help="reviewed exception; ADDRESS may be a glob; repeatable")
    p.add_argument("--account-concurrency", type=_positive, default=1000, help="the account's Lambda concurrency limit")
    p.add_argument("--record-size", type=_positive, default=1024,
                   help="expected bytes per Kinesis record in the invocation payload (default 1024)")
    p.add_argument("--peak-records-per-second", type=_positive,
                   help="expected peak: check the mappings keep up with it, from the measured throughput in --size-report")
    p.add_argument("--size-report", type=Path, default=saved_report.REPORT_FILE,
                   help="size report `make size` wrote (default build/size-report.json); read with --peak-records-per-second")
    p.add_argument("--list-rules", action="store_true", help="print every rule id, what it checks and the fix")
    return p


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    write_text_atomic(output, text)


RENDERERS = {"table": report.table, "markdown": report.markdown, "json": report.as_json, "junit": report.junit}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.list_rules:
        for rule in ALL_RULES:
            print(f"{rule.id:24} {rule.explanation}\n{'':24} fix: {rule.fix}")
        return EXIT_OK
    if args.plan is None:
        print("plan_check: error: no plan given: pass build/plan.json (written by `make plan`)", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        allowances = [Allowance.parse(text) for text in args.allow]
        unknown = sorted({a.rule for a in allowances} - {r.id for r in ALL_RULES})
        if unknown:
            raise ValueError(f"--allow names unknown rule(s) {', '.join(unknown)}; see --list-rules")
        plan = load_plan(args.plan)
        manifest = load_manifest(args.manifest)
        size_report = saved_report.load(args.size_report) if args.peak_records_per_second else None
    except (PlanError, ManifestError, SizingError, ValueError) as exc:
        print(f"plan_check: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    options = Options(account_concurrency=args.account_concurrency, record_size=args.record_size,
                      peak_records_per_second=args.peak_records_per_second, size_report=size_report)
    ctx = Context(plan=plan, manifest=manifest, options=options)
    findings = list(run_all(ctx))
    allowed = [f for f in findings if any(a.covers(f) for a in allowances)]
    result = report.Result(
        violations=[f for f in findings if f not in allowed],
        allowed=allowed,
        unverified=ctx.unverified,
        checked=len({r.address for r in plan.resources if r.mode == "managed"}),
        rules=ALL_RULES,
    )
    _write(RENDERERS[args.format](result), args.output)
    return EXIT_VIOLATIONS if result.violations else EXIT_OK
