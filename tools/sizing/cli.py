"""`python -m sizing`: size a pipeline from measurements and a target; exit 0 with a recommendation,
1 when no measured configuration meets the target, 2 on bad input (one line naming it and the fix)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from atomic_files import write_text_atomic

from sizing import model, prices, report
from sizing.errors import SizingError
from sizing.sources.base import MeasurementSource
from sizing.sources.file import FileSource

EXIT_OK, EXIT_NOT_MET, EXIT_BAD_INPUT = 0, 1, 2
REPORT_NAME = "size-report"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sizing", description="Memory, batch size, parallelization, shards, concurrency "
                                "and monthly cost of a Kinesis -> Lambda pipeline, from measurements of its function.")
    p.add_argument("--measurements", type=Path, help="JSON file of measurements (format: docs/sizing.md)")
    p.add_argument("--peak-records-per-second", type=float, required=True)
    p.add_argument("--average-records-per-second", type=float, help="for the monthly cost (default: the peak)")
    p.add_argument("--record-bytes", type=int, required=True, help="average size of a record's data")
    p.add_argument("--lag-seconds", type=float, required=True, help="p99 lag target: write to processed")
    p.add_argument("--architecture", default="x86_64", help="x86_64 or arm64: the prices the recommendation uses")
    p.add_argument("--account-concurrency", type=int, default=1000)
    p.add_argument("--reserved-concurrency", type=int, help="the function's reserved concurrency, if any")
    p.add_argument("--batching-window-seconds", type=float, default=1.0)
    p.add_argument("--consumers", type=int, default=1, help="polling consumers of the stream, this pipeline included")
    p.add_argument("--enhanced-fan-out", action="store_true", help="this pipeline reads through an enhanced fan-out consumer")
    p.add_argument("--prices", type=Path, default=prices.PRICES_FILE, help="prices and limits file")
    p.add_argument("--output-dir", type=Path, default=Path("build"), help=f"where {REPORT_NAME}.json and .svg go (default build/)")
    p.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    return p


def source_from(args: argparse.Namespace) -> MeasurementSource:
    """The one place that picks where measurements come from."""
    if args.measurements is None:
        raise SizingError("no measurements: pass --measurements FILE (measuring the built function itself comes "
                          "with the local stack's compute model)")
    return FileSource(args.measurements)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        limits = prices.load(args.prices)
        target = model.Target(
            average_records_per_second=args.average_records_per_second or args.peak_records_per_second,
            peak_records_per_second=args.peak_records_per_second, record_bytes=args.record_bytes,
            lag_target_seconds=args.lag_seconds, architecture=args.architecture,
            account_concurrency=args.account_concurrency, reserved_concurrency=args.reserved_concurrency,
            batching_window_seconds=args.batching_window_seconds, consumers=args.consumers,
            enhanced_fan_out=args.enhanced_fan_out,
        )
        source = source_from(args)
        sizing = model.size(source.measurements(), target, limits)
    except SizingError as exc:
        print(f"sizing: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    # Everything is rendered before anything is written: a failure leaves the last report whole.
    as_json = report.as_json(sizing, limits, source.describe())
    svg = report.chart(sizing, limits)
    table = report.text(sizing, limits, source.describe())
    write_text_atomic(args.output_dir / f"{REPORT_NAME}.json", as_json)
    write_text_atomic(args.output_dir / f"{REPORT_NAME}.svg", svg)
    sys.stdout.write(as_json if args.json else table + f"\nWrote {args.output_dir / REPORT_NAME}.json and .svg\n")
    return EXIT_OK if sizing.cheapest else EXIT_NOT_MET
