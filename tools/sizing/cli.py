"""`python -m sizing`: size a pipeline from measurements and a target; exit 0 with a recommendation,
1 when no measured configuration meets the target, 2 on bad input (one line naming it and the fix)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from atomic_files import write_text_atomic
from local_stack.esm.kinesis_records import StreamRecord

from sizing import grid, measurement, model, prices, report, sample_records
from sizing.errors import SizingError
from sizing.sources.base import MeasurementSource
from sizing.sources.built_function import BuiltFunctionSource
from sizing.sources.file import FileSource

EXIT_OK, EXIT_NOT_MET, EXIT_BAD_INPUT = 0, 1, 2
REPORT_NAME = "size-report"
MEASUREMENTS_NAME = "size-measurements.json"  # what --measure wrote, for re-reporting without measuring


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sizing", description="Memory, batch size, parallelization, shards, concurrency "
                                "and monthly cost of a Kinesis -> Lambda pipeline, from measurements of its function.")
    p.add_argument("--measurements", type=Path, help="JSON file of measurements (format: docs/sizing.md)")
    p.add_argument("--measure", action="store_true",
                   help=f"measure the built function (the default without --measurements); writes {MEASUREMENTS_NAME}")
    p.add_argument("--memory-sizes", default=",".join(map(str, grid.DEFAULT_MEMORY_SIZES)), help="MB, comma-separated")
    p.add_argument("--batch-sizes", default=",".join(map(str, grid.DEFAULT_BATCH_SIZES)), help="records, comma-separated")
    p.add_argument("--batches-per-cell", type=int, default=grid.DEFAULT_BATCHES_PER_CELL,
                   help="measured batches per (memory, batch size), after a warm-up batch")
    p.add_argument("--from-stream", metavar="NAME",
                   help="measure on records read from this stream (GetRecords through the AWS environment) instead of generated ones")
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
    p.add_argument("--output-dir", type=Path, default=Path("build"), help=f"where {REPORT_NAME}.json, .svg and .html go (default build/)")
    p.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    return p


def source_from(args: argparse.Namespace) -> MeasurementSource:
    """The one place that picks where measurements come from."""
    if args.measurements is not None and args.measure:
        raise SizingError("--measurements and --measure: pass one (a file of measurements, or measure the built function)")
    if args.measurements is not None:
        return FileSource(args.measurements)
    cells = grid.Grid(grid.parse_sizes(args.memory_sizes, "--memory-sizes", *grid.MEMORY_RANGE),
                      grid.parse_sizes(args.batch_sizes, "--batch-sizes", *grid.BATCH_RANGE), args.batches_per_cell)
    if args.from_stream:
        stream = args.from_stream

        def records(count: int, needed: int) -> list[StreamRecord]:
            import boto3  # only for reading a stream

            return sample_records.recorded(boto3.client("kinesis"), stream, count, needed)
        return BuiltFunctionSource(cells, records, f"records of stream {stream}",
                                   log_path=args.output_dir / "size-functions.log")
    return BuiltFunctionSource(cells, lambda count, _needed: sample_records.generated(count), "generated clickstream records",
                               log_path=args.output_dir / "size-functions.log")


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
        target.check(limits)  # before a measurement that takes minutes
        source = source_from(args)
        measured = source.measurements()
        if not isinstance(source, FileSource):  # saved at once: a run that took minutes can be re-reported
            write_text_atomic(args.output_dir / MEASUREMENTS_NAME, measurement.dumps(measured))
        sizing = model.size(measured, target, limits)
    except SizingError as exc:
        print(f"sizing: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    # Everything is rendered before anything is written: a failure leaves the last report whole.
    as_json = report.as_json(sizing, limits, source.describe())
    svg = report.chart(sizing, limits)
    table = report.text(sizing, limits, source.describe())
    write_text_atomic(args.output_dir / f"{REPORT_NAME}.json", as_json)
    write_text_atomic(args.output_dir / f"{REPORT_NAME}.svg", svg)
    write_text_atomic(args.output_dir / f"{REPORT_NAME}.html", report.page(table, svg))
    saved = "" if isinstance(source, FileSource) else f" (measurements: {args.output_dir / MEASUREMENTS_NAME})"
    sys.stdout.write(as_json if args.json else table + f"\nWrote {args.output_dir / REPORT_NAME}.json, .svg and .html{saved}\n")
    return EXIT_OK if sizing.cheapest else EXIT_NOT_MET
