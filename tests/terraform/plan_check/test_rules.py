"""Each fixture, planned for real, breaks exactly the rule it is named for; the clean one passes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pipeline_contract.manifest import Artifact, Manifest
from pipeline_contract.manifest import load as load_manifest
from pipeline_contract.manifest import write as write_manifest
from plan_check.findings import Context, Finding, Options
from plan_check.plan_model import load_plan
from plan_check.rules import ALL_RULES, run_all
from plan_check.rules.alarms import dead_letter_queues
from sizing import saved_report
from sizing.cli import main as size_main

FIXTURES = Path(__file__).parent / "fixtures"
ESM = "aws_lambda_event_source_mapping.this"
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "clean": set(),
    "stale_build": {("stale-build", "aws_lambda_function.processor")},
    "data_loss": {
        ("data-loss", "aws_kinesis_stream.events"),
        ("data-loss", "aws_sns_topic.alerts"),
        ("data-loss", "aws_sqs_queue.dlq"),
    },
    "kinesis_mapping": {
        ("kinesis-bisect", f'{ESM}["no_bisect"]'),
        ("kinesis-partial-batch", f'{ESM}["no_partial_batch"]'),
        ("kinesis-on-failure", f'{ESM}["no_on_failure"]'),
        ("kinesis-finite-retries", f'{ESM}["infinite_retries"]'),
        ("kinesis-batch-payload", f'{ESM}["oversized_batch"]'),
    },
    "alarms": {
        ("alarm-iterator-age", f'{ESM}["unwatched"]'),
        ("alarm-iterator-age", f'{ESM}["silent"]'),
        ("alarm-dropped-events", f'{ESM}["no_metrics"]'),
        ("alarm-dropped-events", f'{ESM}["no_dropped_alarm"]'),
        ("alarm-dead-letter-depth", "aws_sqs_queue.unalarmed_failures"),
        ("alarm-dead-letter-depth", "aws_sqs_queue.redrive_dlq"),
        ("alarm-dead-letter-depth", "aws_sqs_queue.function_dlq"),
    },
    "concurrency": {("concurrency-budget", "(plan)")},
    "throughput": {
        ("throughput-peak", "module.mapping[0].aws_lambda_event_source_mapping.this"),
        ("throughput-concurrency", "aws_lambda_function.processor"),
    },
    "layers": {
        ("layer-count", "aws_lambda_function.six_layers"),
        ("package-size", "aws_lambda_function.oversized"),
    },
    "vpc_reachability": {
        ("vpc-reachability", "module.isolated.aws_lambda_function.this"),
        ("vpc-reachability", "aws_lambda_function.gateway_elsewhere"),
    },
    "iam": {
        ("iam-wildcard-action", "aws_iam_role_policy.wildcard_action"),
        ("iam-wildcard-resource", "data.aws_iam_policy_document.wildcard_resource"),
    },
    "stream_destinations": {
        ("destinations-on-stream-consumer", 'aws_lambda_function_event_invoke_config.fn["stream_consumer"]'),
    },
    "encryption": {
        ("encryption-at-rest", "aws_kinesis_stream.plain"),
        ("encryption-at-rest", "aws_sqs_queue.plain"),
        ("encryption-at-rest", "aws_sns_topic.plain"),
        ("encryption-at-rest", "aws_s3_bucket.plain"),
        ("encryption-at-rest", "aws_cloudwatch_log_group.plain"),
    },
}


PEAK = 5000


def size_report(tmp_path: Path, *measurements: tuple[int, int, float]) -> saved_report.SavedReport:
    """A size report written by `python -m sizing` from (memory, batch, duration ms) measurements of full batches."""
    items = [{"memory_mb": m, "batch_size": b, "duration_ms": d, "records": b, "max_memory_used_mb": 100} for m, b, d in measurements]
    (tmp_path / "measurements.json").write_text(json.dumps({"format": 1, "measurements": items}))
    size_main(["--measurements", str(tmp_path / "measurements.json"), "--output-dir", str(tmp_path), "--record-bytes", "600",
               "--peak-records-per-second", str(PEAK), "--lag-seconds", "10", "--json"])
    return saved_report.load(tmp_path / "size-report.json")


def case_options(case: str, tmp_path: Path) -> dict[str, Any]:
    """The throughput fixture is checked against a peak and a size report: 512 MB, batch 100 at 400 records/s."""
    if case != "throughput":
        return {}
    return {"peak_records_per_second": PEAK, "size_report": size_report(tmp_path, (512, 100, 250.0))}


def context(plan: Path, manifest: Path, **options: Any) -> Context:
    return Context(plan=load_plan(plan), manifest=load_manifest(manifest), options=Options(**options))


def findings(plan: Path, manifest: Path, **options: Any) -> list[Finding]:
    return list(run_all(context(plan, manifest, **options)))


def flagged(plan: Path, manifest: Path, **options: Any) -> set[tuple[str, str]]:
    return {(f.rule.id, f.address) for f in findings(plan, manifest, **options)}


def test_every_fixture_has_an_expectation_and_every_rule_a_fixture() -> None:
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == set(EXPECTED)
    assert {rule for pairs in EXPECTED.values() for rule, _ in pairs} == {r.id for r in ALL_RULES}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_fixture_breaks_exactly_its_rule(case: str, fixture_plans, tmp_path: Path) -> None:
    assert flagged(fixture_plans.plan(case), fixture_plans.manifest(case), **case_options(case, tmp_path)) == EXPECTED[case]


def test_throughput_rules_follow_the_peak_and_the_measurements(fixture_plans, tmp_path: Path) -> None:
    plan, manifest = fixture_plans.plan("throughput"), fixture_plans.manifest("throughput")
    report = size_report(tmp_path, (512, 100, 250.0))
    # Without a peak the rules do not run.
    assert flagged(plan, manifest, size_report=report) == set()
    # 2 shards x 2 x 400 = 1,600 records/s keeps up with 1,600 (4 busy <= 10 reserved), not with 1,601.
    assert flagged(plan, manifest, size_report=report, peak_records_per_second=1600) == set()
    assert flagged(plan, manifest, size_report=report, peak_records_per_second=1601) == {
        ("throughput-peak", "module.mapping[0].aws_lambda_event_source_mapping.this")}
    (peak,) = [f for f in findings(plan, manifest, size_report=report, peak_records_per_second=PEAK) if f.rule.id == "throughput-peak"]
    assert "= 1,600 records/s < peak 5,000" in peak.problem
    assert peak.how_to_fix == "set parallelization_factor = 7"  # 5,000 / (2 x 400) = 6.25
    # Twice as fast (100 records in 125 ms): 3,200 < 5,000 still; 5,000 / 800 = 7 busy <= 10 reserved.
    assert flagged(plan, manifest, size_report=size_report(tmp_path, (512, 100, 125.0)), peak_records_per_second=PEAK) == {
        ("throughput-peak", "module.mapping[0].aws_lambda_event_source_mapping.this")}


def test_throughput_without_a_measurement_at_the_planned_size_is_reported_not_verifiable(fixture_plans, tmp_path: Path) -> None:
    ctx = context(fixture_plans.plan("throughput"), fixture_plans.manifest("throughput"),
                  size_report=size_report(tmp_path, (1024, 100, 130.0)), peak_records_per_second=PEAK)
    assert not [f for f in run_all(ctx) if f.rule.id.startswith("throughput")]
    (unverified,) = ctx.unverified
    assert unverified.rule.id == "throughput-peak" and "memory_size 512 and batch_size 100" in unverified.problem


def test_stale_build_names_both_symptoms(fixture_plans) -> None:
    problems = [f.problem for f in findings(fixture_plans.plan("stale_build"), fixture_plans.manifest("stale_build"))]
    assert any("differs from the manifest" in p for p in problems)
    assert any("changed after the manifest was written" in p for p in problems)


def _edited_manifest(source: Path, target_dir: Path, edit: Callable[[dict[str, Artifact]], object]) -> Path:
    """A copy of a fixture's manifest in a dir without zips, changed by `edit`."""
    artifacts = dict(load_manifest(source).artifacts)
    edit(artifacts)
    target = target_dir / "dist" / "manifest.json"
    write_manifest(target, Manifest.of(artifacts.values()))
    return target


def test_stale_build_flags_a_hash_the_manifest_does_not_record(fixture_plans, tmp_path: Path) -> None:
    def older_build(artifacts: dict[str, Artifact]) -> None:
        artifacts["processor"] = artifacts["processor"]._replace(source_code_hash="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")

    manifest = _edited_manifest(fixture_plans.manifest("clean"), tmp_path, older_build)
    assert flagged(fixture_plans.plan("clean"), manifest) == {("stale-build", "aws_lambda_function.processor")}


def test_stale_build_flags_a_zip_the_manifest_does_not_know(fixture_plans, tmp_path: Path) -> None:
    manifest = _edited_manifest(fixture_plans.manifest("clean"), tmp_path, lambda a: a.pop("processor"))
    found = findings(fixture_plans.plan("clean"), manifest)
    assert [(f.rule.id, f.address) for f in found] == [("stale-build", "aws_lambda_function.processor")]
    assert "not in the manifest" in found[0].problem


def test_concurrency_budget_follows_the_account_limit(fixture_plans) -> None:
    plan, manifest = fixture_plans.plan("concurrency"), fixture_plans.manifest("concurrency")
    assert flagged(plan, manifest, account_concurrency=1050) == set()
    assert flagged(plan, manifest, account_concurrency=1049) == {("concurrency-budget", "(plan)")}
    (finding,) = findings(plan, manifest)
    assert "needs 950 > 900" in finding.problem


def test_batch_payload_follows_the_record_size(fixture_plans) -> None:
    plan, manifest = fixture_plans.plan("kinesis_mapping"), fixture_plans.manifest("kinesis_mapping")
    payload = {address for rule, address in flagged(plan, manifest, record_size=629) if rule == "kinesis-batch-payload"}
    assert payload == set()
    payload = {address for rule, address in flagged(plan, manifest, record_size=630) if rule == "kinesis-batch-payload"}
    assert payload == {f'{ESM}["oversized_batch"]'}


def test_package_size_counts_function_and_layers(fixture_plans) -> None:
    (finding,) = [f for f in findings(fixture_plans.plan("layers"), fixture_plans.manifest("layers")) if f.rule.id == "package-size"]
    manifest = load_manifest(fixture_plans.manifest("layers")).artifacts
    total = manifest["oversized"].unzipped_bytes + manifest["big_layer"].unzipped_bytes
    assert f"{total:,} B" in finding.problem


@pytest.mark.parametrize("case", ["clean", "iam", "vpc_reachability", "concurrency", "stream_destinations"])
def test_fully_resolvable_fixtures_leave_nothing_unverified(case: str, fixture_plans) -> None:
    ctx = context(fixture_plans.plan(case), fixture_plans.manifest(case))
    list(run_all(ctx))
    assert ctx.unverified == []


def test_mapping_on_a_foreign_stream_is_reported_not_verifiable(fixture_plans) -> None:
    ctx = context(fixture_plans.plan("kinesis_mapping"), fixture_plans.manifest("kinesis_mapping"))
    flagged_addresses = {f.address for f in run_all(ctx)}
    assert "aws_lambda_event_source_mapping.external" not in flagged_addresses
    assert [(f.rule.id, f.address) for f in ctx.unverified] == [("concurrency-budget", "aws_lambda_event_source_mapping.external")]


def test_alarm_findings_name_the_cause(fixture_plans) -> None:
    """An alarm without an action is named; a mapping without event counts is told to publish them."""
    problems = {(f.rule.id, f.address): f for f in findings(fixture_plans.plan("alarms"), fixture_plans.manifest("alarms"))}
    silent = problems[("alarm-iterator-age", f'{ESM}["silent"]')]
    assert "aws_cloudwatch_metric_alarm.silent_iterator_age has no alarm_actions" in silent.problem
    assert "pc-alarms-silent" in silent.problem
    no_metrics = problems[("alarm-dropped-events", f'{ESM}["no_metrics"]')]
    assert "metrics_config lacks EventCount" in no_metrics.problem and "EventCount" in no_metrics.how_to_fix
    redrive = problems[("alarm-dead-letter-depth", "aws_sqs_queue.redrive_dlq")]
    assert "aws_sqs_queue.work" in redrive.problem
    function_dlq = problems[("alarm-dead-letter-depth", "aws_sqs_queue.function_dlq")]
    assert "aws_lambda_function.async_worker" in function_dlq.problem and "has no alarm_actions" in function_dlq.problem


def test_dead_letter_queues_are_found_by_every_route(fixture_plans) -> None:
    """On-failure destinations, invoke-config failures, dead_letter_config, redrive targets, and DLQ_* variables."""
    found = dead_letter_queues(load_plan(fixture_plans.plan("alarms")))
    assert set(found) == {f"aws_sqs_queue.{q}" for q in (
        "failures", "unalarmed_failures", "invoke_failures", "function_dlq", "redrive_dlq", "env_dlq", "worker_env_dlq")}
    # The environments are known only after apply (the queues' URLs are new), so their variable names are not in the plan.
    assert {address for address, queue in found.items() if not queue.certain} == {"aws_sqs_queue.env_dlq", "aws_sqs_queue.worker_env_dlq"}
    assert set(dead_letter_queues(load_plan(fixture_plans.plan("clean")))) == {"aws_sqs_queue.dlq"}


def test_a_queue_an_unknown_environment_may_name_is_reported_not_verifiable(fixture_plans) -> None:
    """Unalarmed, but whether a DLQ variable names it is known only after apply: not a violation, not silent."""
    ctx = context(fixture_plans.plan("alarms"), fixture_plans.manifest("alarms"))
    flagged_addresses = {f.address for f in run_all(ctx)}
    assert "aws_sqs_queue.worker_env_dlq" not in flagged_addresses
    assert [(f.rule.id, f.address) for f in ctx.unverified] == [("alarm-dead-letter-depth", "aws_sqs_queue.worker_env_dlq")]


def test_destinations_on_a_stream_consumer_name_the_mapping_and_the_fix(fixture_plans) -> None:
    """One line: which function, which mapping invokes it, and where failed batches go instead."""
    plan, manifest = fixture_plans.plan("stream_destinations"), fixture_plans.manifest("stream_destinations")
    (finding,) = [f for f in findings(plan, manifest) if f.rule.id == "destinations-on-stream-consumer"]
    assert 'aws_lambda_function.fn["stream_consumer"] is invoked by aws_lambda_event_source_mapping.fn["stream_consumer"]' in finding.problem
    assert "\n" not in finding.problem
    assert "destination_config { on_failure" in finding.how_to_fix
