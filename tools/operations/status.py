"""`make status`: a pipeline's lag, event source mappings, queues and alarms in one table (or --json),
the same against AWS and against the local stack of `make up`.

    python -m operations.status [--json] [--aws | --local] [--profile P] [--region R] [--chdir ROOT]
                                [--stream NAME]... [--function NAME]... [--dlq URL]...
                                [--alarm-prefix PREFIX] [--alarm-tag KEY=VALUE]

The parts come from the root module's outputs unless --stream/--function/--dlq name them. Exit 0
with the report; 1 when a part could not be read (the report says which) or nothing could be read
(one line with the fix). docs/operations.md says where each column comes from on each side.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from botocore.exceptions import EndpointConnectionError, NoCredentialsError

from operations.status_report import render_table, to_json
from operations.status_sources import Queue, Watched, collect
from operations.target import Target, TargetError, add_target_options, operated_pipeline, resolve_target


def _tag(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m operations.status", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="one JSON document instead of the table")
    add_target_options(p)
    parts = p.add_argument_group("the pipeline (default: the root module's outputs; these flags replace them)")
    parts.add_argument("--stream", action="append", default=[], metavar="NAME", help="a Kinesis stream (repeatable)")
    parts.add_argument("--function", action="append", default=[], metavar="NAME",
                       help="a function consuming a stream (repeatable); functions of the streams' mappings are added")
    parts.add_argument("--dlq", action="append", default=[], metavar="URL", help="a dead-letter queue URL (repeatable)")
    alarms = p.add_argument_group("alarms (in addition to the outputs' alarm_names)")
    alarms.add_argument("--alarm-prefix", metavar="PREFIX", help="every alarm whose name starts with PREFIX")
    alarms.add_argument("--alarm-tag", metavar="KEY=VALUE", type=_tag, help="every alarm with this tag")
    return p


def watched(args: argparse.Namespace, target: Target) -> Watched:
    """The parts to show: named on the command line, or the root module's outputs."""
    if args.stream or args.function or args.dlq:
        return Watched(tuple(args.stream), tuple(args.function), tuple(Queue("dead-letter queue", url) for url in args.dlq),
                       alarm_prefix=args.alarm_prefix, alarm_tag=args.alarm_tag)
    operated, source = operated_pipeline(target, args.chdir)
    return Watched((operated.stream_name,), (operated.processor_function,),
                   (Queue("dead-letter queue", operated.dlq_url), Queue("failure handler's failed invocations", operated.failure_queue_url)),
                   operated.alarm_names, args.alarm_prefix, args.alarm_tag, source)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        target = resolve_target(args)
        report = collect(target, watched(args, target), datetime.now(UTC))
    except TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except NoCredentialsError:
        print("error: no AWS credentials: pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
              "(`make up` for the local stack)", file=sys.stderr)
        return 1
    except EndpointConnectionError as error:
        print(f"error: {error}; check --region, AWS_ENDPOINT_URL, or whether the local stack still runs", file=sys.stderr)
        return 1
    print(to_json(report) if args.json else render_table(report))
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
