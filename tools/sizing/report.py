"""Render a sizing: the text table and summary, the tfvars snippet, the JSON report, the SVG chart, and a
self-contained HTML page holding the chart and the table together (one file to open or attach)."""

from __future__ import annotations

import html
import json
import math
from dataclasses import asdict
from typing import Any

from svg_chart import Series, line_chart, stacked
from text_table import render

from sizing.model import (
    Configuration,
    Point,
    Sizing,
    busy_concurrency,
    kinesis_on_demand_monthly,
    kinesis_provisioned_monthly,
    lambda_cost_per_million,
)
from sizing.prices import ARCHITECTURES, PricesLimits

FORMAT = 1
COLUMNS = ("MEMORY", "BATCH", "RECORDS", "DURATION", "CYCLE", "REC/S PER INVOCATION", "MAX MEMORY", "COLD START", "x86_64 $/M",
           "arm64 $/M", "NOTE")


def _seconds(value: float) -> str:
    return "never (cannot keep up)" if math.isinf(value) else f"{value:.2f} s"


def _point_dict(point: Point, limits: PricesLimits, excluded: str) -> dict[str, Any]:
    return {
        "memory_mb": point.memory_mb,
        "batch_size": point.batch_size,
        "runs": point.runs,
        "records_per_batch": point.records,
        "duration_ms": point.duration_ms,
        "cycle_ms": point.lane_ms,
        "records_per_second_per_invocation": point.records_per_second,
        "max_memory_used_mb": point.max_memory_used_mb,
        "init_duration_ms": point.init_duration_ms,
        "cost_per_million_records": {arch: lambda_cost_per_million(point, arch, limits) for arch in ARCHITECTURES},
        "excluded": excluded,
    }


def _configuration_dict(c: Configuration, sizing: Sizing) -> dict[str, Any]:
    return {
        "memory_mb": c.point.memory_mb,
        "batch_size": c.point.batch_size,
        "parallelization_factor": c.parallelization_factor,
        "shards": c.shards,
        "concurrency": c.concurrency,
        "busy_concurrency_at_peak": busy_concurrency(c.point, sizing.target.peak_records_per_second),
        "records_per_second_per_invocation": c.point.records_per_second,
        "lag_p99_seconds": None if math.isinf(c.lag_p99_seconds) else c.lag_p99_seconds,
        "monthly_usd": {"lambda": c.lambda_monthly, "kinesis_on_demand": c.kinesis_on_demand_monthly,
                        "kinesis_provisioned": c.kinesis_provisioned_monthly, "total": c.monthly_total},
        "kinesis_mode": c.kinesis_mode,
        "meets_target": c.meets_target,
        "problem": c.problem,
    }


def as_dict(sizing: Sizing, limits: PricesLimits, source: str) -> dict[str, Any]:
    """The report as JSON data; build/size-report.json, which plan_check's throughput rule reads."""
    excluded = {(p.memory_mb, p.batch_size): why for p, why in sizing.excluded}
    cheapest, fastest = sizing.cheapest, sizing.fastest
    return {
        "format": FORMAT,
        "source": source,
        "prices": {"file": limits.path.name, "region": limits.region, "read": limits.read_dates},
        "target": asdict(sizing.target),
        "stream": {"shards": sizing.stream.shards, "by_write_bytes": sizing.stream.write_bytes,
                   "by_write_records": sizing.stream.write_records, "by_read_bytes": sizing.stream.read_bytes,
                   "batch_cap": sizing.batch_cap, "concurrency_budget": sizing.concurrency_budget},
        "measured": [_point_dict(p, limits, excluded.get((p.memory_mb, p.batch_size), "")) for p in sizing.points],
        "cheapest": _configuration_dict(cheapest, sizing) if cheapest else None,
        "fastest": _configuration_dict(fastest, sizing) if fastest else None,
        "configurations": [_configuration_dict(c, sizing) for c in sizing.configurations],
        "warnings": sizing.warnings,
        "tfvars": tfvars(sizing),
    }


def as_json(sizing: Sizing, limits: PricesLimits, source: str) -> str:
    return json.dumps(as_dict(sizing, limits, source), indent=2) + "\n"


def _describe(c: Configuration, sizing: Sizing) -> str:
    busy = busy_concurrency(c.point, sizing.target.peak_records_per_second)
    kinesis = min(c.kinesis_on_demand_monthly, c.kinesis_provisioned_monthly)
    return (f"{c.point.memory_mb} MB, batch_size {c.point.batch_size}, parallelization_factor {c.parallelization_factor}, "
            f"{c.shards} shard(s): p99 lag ~{_seconds(c.lag_p99_seconds)}, concurrency {c.concurrency} "
            f"({busy} busy at peak), ${c.monthly_total:,.2f}/month (Lambda ${c.lambda_monthly:,.2f} "
            f"{sizing.target.architecture} + Kinesis {c.kinesis_mode} ${kinesis:,.2f})")


def _closest(sizing: Sizing) -> Configuration | None:
    return min(sizing.configurations, key=lambda c: (c.lag_p99_seconds, c.monthly_total), default=None)


def tfvars(sizing: Sizing) -> str:
    """terraform.tfvars lines for the reference root at the cheapest configuration (empty when none meets the target)."""
    c = sizing.cheapest
    if c is None:
        return ""
    t = sizing.target
    lines = [
        f"# make size: the cheapest configuration meeting p99 lag <= {t.lag_target_seconds:g} s at "
        f"{t.peak_records_per_second:,.0f} records/s peak ({t.record_bytes:,} B records)",
        f"processor_memory_size   = {c.point.memory_mb}",
        f"batch_size              = {c.point.batch_size}",
        f"parallelization_factor  = {c.parallelization_factor}",
        f"batching_window_seconds = {t.batching_window_seconds:g}",
    ]
    if t.reserved_concurrency is not None:
        lines.append(f"processor_reserved_concurrency = {t.reserved_concurrency}")
    lines += [
        f"# The reference root's stream is ON_DEMAND and adds shards as writes grow; this load needs {c.shards} shard(s).",
        f'# A PROVISIONED stream (modules/kinesis-lambda-pipeline): stream_mode = "PROVISIONED", stream_shard_count = {c.shards}',
        f"# Architecture {t.architecture}: set in functions/stream_processor/function.toml (the build records it in the manifest).",
    ]
    return "\n".join(lines) + "\n"


def text(sizing: Sizing, limits: PricesLimits, source: str) -> str:
    """The table per measured point, then the stream, concurrency, cost and the recommendation."""
    t = sizing.target
    excluded = {(p.memory_mb, p.batch_size): why for p, why in sizing.excluded}
    rows = [
        (f"{p.memory_mb} MB", f"{p.batch_size:,}", f"{p.records:,.0f}", f"{p.duration_ms:,.1f} ms", f"{p.lane_ms:,.1f} ms",
         f"{p.records_per_second:,.0f}", f"{p.max_memory_used_mb:,.0f} MB", "" if p.init_duration_ms is None else f"{p.init_duration_ms:,.0f} ms",
         f"{lambda_cost_per_million(p, 'x86_64', limits):.4f}",
         f"{lambda_cost_per_million(p, 'arm64', limits):.4f}", excluded.get((p.memory_mb, p.batch_size), ""))
        for p in sizing.points
    ]
    s = sizing.stream
    lines = [
        f"Measured ({source}; prices {limits.region}, read {', '.join(limits.read_dates)}; $/M = USD per million records)",
        render(COLUMNS, rows, (10, 8, 8, 12, 12, 20, 10, 10, 10, 10, 48)),
        "",
        f"Target: {t.average_records_per_second:,.0f} records/s average, {t.peak_records_per_second:,.0f} peak, "
        f"{t.record_bytes:,} B records, p99 lag <= {t.lag_target_seconds:g} s, {t.architecture}",
        f"Stream: {s.shards} shard(s) for the peak (writes: {s.write_bytes} by MB/s, {s.write_records} by records/s; "
        f"reads: {s.read_bytes}); batch cap {sizing.batch_cap:,} records (6 MB invocation payload)",
        f"Concurrency budget: {sizing.concurrency_budget:,}"
        + (" (reserved concurrency)" if t.reserved_concurrency is not None else
           f" (account {t.account_concurrency:,} less {limits.whole('lambda_unreserved_concurrency_minimum')} unreserved)"),
        f"Kinesis per month at the average: on-demand ${kinesis_on_demand_monthly(t, limits):,.2f}, "
        f"provisioned with {s.shards} shard(s) ${kinesis_provisioned_monthly(s.shards, t, limits):,.2f}",
        *(f"Warning: {w}" for w in sizing.warnings),
    ]
    lines.append("")
    if sizing.cheapest and sizing.fastest:
        lines += [f"Cheapest: {_describe(sizing.cheapest, sizing)}", f"Fastest:  {_describe(sizing.fastest, sizing)}", "",
                  "terraform.tfvars for the reference root (cheapest):", tfvars(sizing).rstrip("\n")]
    else:
        closest = _closest(sizing)
        lines.append("No measured configuration meets the target"
                     + (f"; closest: {_describe(closest, sizing)} ({closest.problem})" if closest else "")
                     + ". Measure more memory sizes or batch sizes, raise the concurrency budget, or relax the lag target.")
    return "\n".join(lines) + "\n"


def chart(sizing: Sizing, limits: PricesLimits) -> str:
    """SVG: records/s per invocation vs memory (a line per batch size), then cost per million vs memory (a line per architecture)."""
    batches = sorted({p.batch_size for p in sizing.points})
    throughput = [Series(f"batch {b:,}", [(float(p.memory_mb), p.records_per_second) for p in sizing.points if p.batch_size == b])
                  for b in batches]
    chosen = sizing.cheapest.point.batch_size if sizing.cheapest else batches[-1]
    cost = [Series(f"{arch}, batch {chosen:,}", [(float(p.memory_mb), lambda_cost_per_million(p, arch, limits))
                                                for p in sizing.points if p.batch_size == chosen])
            for arch in ARCHITECTURES]
    return stacked([
        line_chart("Records/s per concurrent invocation", "memory (MB)", "records/s", throughput, markers=True),
        line_chart("Lambda cost per million records", "memory (MB)", "USD per million records", cost, markers=True),
    ])


def page(table: str, svg: str) -> str:
    """One HTML file with nothing to fetch: the chart inline, then the text report as it prints."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>make size: sizing report</title>"
            "<style>body{font-family:sans-serif;margin:2em}pre{font-size:13px}</style></head><body>\n"
            f"<h1>Sizing report</h1>\n{svg.strip()}\n"
            f"<pre>{html.escape(table)}</pre>\n</body></html>\n")

