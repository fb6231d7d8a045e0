"""The stream processor end to end against two baselines: real PostgreSQL, emulated SQS, warm connection.

    make bench ARGS="end_to_end"
    make bench ARGS="end_to_end -- --sizes 10000 --mixes large --rounds 3"
    .venv/bin/python bench/bench_end_to_end.py [--sizes 100,1000,10000] [--mixes small,large] [--rounds N]
        [--processes N] [--non-ascii 0.25] [--poison-rate 0.005] [--variants handler,powertools,copy]
        [--cold N] [--cold-size 1000]

What is measured, per call: the deployed handler code (the build's zips unpacked as Lambda lays them
out: function in a task directory, the common layer under python/) invoked with a Lambda Kinesis event
freshly deserialized for the call, writing to a real PostgreSQL on loopback through a connection kept
warm between calls, poison records to an SQS queue on moto server. Between calls, outside the timer,
the child checks what was stored (rows = valid events, counters sum = valid events; a mismatch stops
the benchmark) and truncates the tables; at the end the parent checks the queue holds every poison record.

  handler     stream_processor.lambda_handler.handler, as deployed
  powertools  baseline (a), bench/e2e_baseline_powertools.py: Powertools BatchProcessor + pydantic
              model + psycopg executemany INSERT ... ON CONFLICT DO NOTHING (+ the same counters)
  copy        baseline (b), bench/e2e_baseline_copy.py: orjson + checks + binary COPY into a temporary
              table + one INSERT ... SELECT ... ON CONFLICT with the counters

Batches (bench/e2e_workload.py): JSON sizes from a mix (`large`: log-normal, median 700 B, 150 B-6 KB;
`small`: ~300 B; or NAME=MEDIAN:SIGMA:FLOOR:CAP), a share of events with non-ASCII text, nested
`properties`, a poison rate over seven kinds of poison. Every variant gets byte-identical batches.

Each variant runs in its own processes (never two in one), interleaved in sets so machine load
hits them alike; each process makes one warm-up call then `rounds` timed calls. Reported: median
wall time, process CPU time, and the CPU time of the PostgreSQL backend serving the variant's
connection (from /proc/<pid>/schedstat of `pg_backend_pid()`), and per pair the ratio of medians
with its range over the process sets. Then the cold first invocation in fresh processes, in parts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT / "tools"), str(BENCH_DIR)]

import orjson  # noqa: E402
from e2e_workload import MIXES, kinesis_batch, parse_mix  # noqa: E402

VARIANTS = ("handler", "powertools", "copy")
LABELS = {"handler": "this handler", "powertools": "(a) Powertools + pydantic + executemany",
          "copy": "(b) orjson + COPY to temp table + INSERT ... SELECT"}
SCALE = {100: 8, 1_000: 3}  # more rounds for smaller batches, so each process runs about as long


class Context:
    """The Lambda context's surface the handlers use; time is never short in this benchmark."""

    aws_request_id = "bench"
    function_name = "stream-processor"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def backend_cpu_ns(pid: int) -> int:
    """Nanoseconds the process has run on a CPU (first field of /proc/<pid>/schedstat)."""
    with open(f"/proc/{pid}/schedstat") as stat:
        return int(stat.read().split()[0])


# ---- child side: one variant in one process -------------------------------------------------------------

class Variant:
    """A handler under test, loaded the way its cold start would load it; `steps` time the cold start in parts."""

    def __init__(self, name: str, task: str, layer: str) -> None:
        self.name = name
        self.task, self.layer = task, layer
        self.call: Any = None
        self.connect_seconds = 0.0

    def steps(self) -> list[tuple[str, Any]]:
        if self.name == "handler":
            return [("import handler code", self._import_handler), ("import psycopg", self._import_psycopg),
                    ("connect", self._handler_connect), ("schema", lambda: None),
                    ("import boto3 + SQS client", self._handler_sqs)]
        return [("import handler code", self._import_baseline), ("import psycopg", self._import_psycopg),
                ("connect", lambda: self.baseline.connect()), ("schema", lambda: self.baseline.ensure_schema()),
                ("import boto3 + SQS client", lambda: self.baseline.make_sqs())]

    def _import_handler(self) -> None:
        sys.path[:0] = [self.task, self.layer]
        from stream_processor import lambda_handler

        self.module = lambda_handler
        self.call = lambda_handler.handler

    def _import_baseline(self) -> None:
        import importlib

        self.baseline = importlib.import_module(f"e2e_baseline_{self.name}").Baseline()
        self.call = self.baseline.handler

    def _import_psycopg(self) -> None:
        import psycopg

        connect = psycopg.connect

        def timed_connect(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return connect(*args, **kwargs)
            finally:
                self.connect_seconds += time.perf_counter() - started

        psycopg.connect = timed_connect  # splits the handler's connect + schema step in two

    def _handler_connect(self) -> None:
        self.module.PROCESSOR.sink.connection()

    def _handler_sqs(self) -> None:
        from pipeline_common import aws_clients

        aws_clients.client("sqs", self.module.SETTINGS.region)

    def backend_pid(self) -> int:
        if self.name == "handler":
            return int(self.module.PROCESSOR.sink.connection().info.backend_pid)
        return int(self.baseline.conn.info.backend_pid)


class Checker:
    """Outside the timer: what a call stored must be exactly its valid events; then empty the tables."""

    def __init__(self) -> None:
        import psycopg

        self.conn = psycopg.connect(host=os.environ["DB_HOST"], port=int(os.environ["DB_PORT"]),
                                    dbname=os.environ["DB_NAME"], user=os.environ["DB_USER"], autocommit=True)

    def check_and_truncate(self, valid: int, response: dict) -> None:
        rows, counted = self.conn.execute("SELECT (SELECT count(*) FROM clickstream_events), "
                                          "(SELECT coalesce(sum(events), 0) FROM page_minute_counts)").fetchone() \
            or (None, None)
        if (rows, counted, response) != (valid, valid, {"batchItemFailures": []}):
            raise SystemExit(f"error: stored {rows} rows and counted {counted} for {valid} valid events "
                             f"(response {response}); the variant lost or duplicated data")
        self.conn.execute("TRUNCATE clickstream_events, page_minute_counts")


def _times(work: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run_child(args: argparse.Namespace) -> None:
    """Warm rounds (or, with --cold, one cold start in parts); results as JSON to --out."""
    manifest = orjson.loads(Path(args.batches, "manifest.json").read_bytes())
    files = manifest[f"{args.mix}-{args.size}"]
    variant = Variant(args.child, args.task, args.layer)
    stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the handler's one log line per batch, like CloudWatch
    try:
        if args.cold_child:
            parts: list[list[Any]] = []
            for label, step in variant.steps():
                _, wall, cpu = _times(step)
                parts.append([label, wall, cpu])
            if variant.name == "handler":  # its connect step opened the connection and ensured the schema
                parts[3][1] = parts[2][1] - variant.connect_seconds
                parts[2][1] = variant.connect_seconds
                parts[3][2] = None  # the CPU of both stays on the connect row
            checker = Checker()  # after the steps: psycopg must be imported as the variant imports it
            first = files[0]
            event = orjson.loads(Path(args.batches, first["file"]).read_bytes())
            response, wall, cpu = _times(lambda: variant.call(event, Context()))
            parts.append(["first batch", wall, cpu])
            checker.check_and_truncate(first["valid"], response)
            result: Any = {"parts": parts}
        else:
            for step_label, step in variant.steps():
                del step_label
                step()
            checker = Checker()
            results = []
            for index, entry in enumerate(files[:args.rounds + 1]):
                event = orjson.loads(Path(args.batches, entry["file"]).read_bytes())
                pid = variant.backend_pid() if index else None
                before = backend_cpu_ns(pid) if pid else 0
                response, wall, cpu = _times(lambda event=event: variant.call(event, Context()))
                database = (backend_cpu_ns(pid) - before) / 1e9 if pid else 0.0
                checker.check_and_truncate(entry["valid"], response)
                if index:  # the first call warms up caches and the connection
                    results.append([wall, cpu, database])
            result = {"rounds": results}
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    Path(args.out).write_bytes(orjson.dumps(result))


# ---- parent side --------------------------------------------------------------------------------------

def rounds_for(size: int, rounds: int) -> int:
    return rounds * SCALE.get(size, 1)


def write_batches(directory: Path, mixes: list[str], sizes: list[int], rounds: int, cold: int, cold_size: int,
                  non_ascii: float, poison_rate: float) -> dict[str, list[dict]]:
    """Every batch any process will need, as Lambda event JSON files, with their valid/poison counts."""
    manifest: dict[str, list[dict]] = {}
    wanted = {(m, s): rounds_for(s, rounds) + 1 for m in mixes for s in sizes}
    if cold:
        wanted[(mixes[0], cold_size)] = max(wanted.get((mixes[0], cold_size), 0), 1)
    for (mix, size), count in wanted.items():
        entries = []
        for seed in range(count):
            batch = kinesis_batch(size, parse_mix(mix), seed, non_ascii, poison_rate)
            name = f"{parse_mix(mix).name}-{size}-{seed}.json"
            (directory / name).write_bytes(batch.event_json)
            entries.append({"file": name, "valid": batch.valid, "poison": batch.poison,
                            "event_bytes": len(batch.event_json), "payload_bytes": batch.payload_bytes})
        manifest[f"{mix}-{size}"] = entries
    (directory / "manifest.json").write_bytes(orjson.dumps(manifest))
    return manifest


class Stack:
    """PostgreSQL (one database per variant), moto server, the deployed layout, the batch files."""

    def __init__(self, work: Path, variants: list[str]) -> None:
        from local_stack.emulators.moto_server import MotoServer
        from local_stack.emulators.postgres import PostgresServer

        self.work = work
        self.postgres = PostgresServer().start()
        self.moto = MotoServer(log_path=work / "moto.log").start()
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.postgres.port, dbname="postgres", user="postgres",
                             autocommit=True) as conn:
            for name in variants:
                conn.execute(f"CREATE DATABASE e2e_{name}")
        from bench_handler import deployed_layout

        self.task, self.layer, self.layout = deployed_layout(work / "layout")
        import boto3

        self.sqs = boto3.client("sqs", region_name=self.moto.region, endpoint_url=self.moto.endpoint_url,
                                aws_access_key_id="testing", aws_secret_access_key="testing")
        self.queues = 0
        # Poison too large for an SQS message is kept in S3 behind a pointer (none of the bench's poison is).
        self.payload_bucket = "bench-dead-letter-payloads"
        boto3.client("s3", region_name=self.moto.region, endpoint_url=self.moto.endpoint_url,
                     aws_access_key_id="testing", aws_secret_access_key="testing").create_bucket(Bucket=self.payload_bucket)

    def env(self, variant: str, queue_url: str) -> dict[str, str]:
        return {**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, **self.moto.env(),
                "DLQ_URL": queue_url, "DLQ_PAYLOAD_BUCKET": self.payload_bucket, "DB_HOST": "127.0.0.1", "DB_PORT": str(self.postgres.port),
                "DB_NAME": f"e2e_{variant}", "DB_USER": "postgres", "DB_AUTH": "trust", "DB_SSLMODE": "disable",
                "PYTHONDONTWRITEBYTECODE": "1"}

    def run(self, variant: str, mix: str, size: int, rounds: int, cold: bool, expected_poison: int) -> Any:
        """One fresh process of `variant`; checks afterwards that its queue holds exactly the poison sent."""
        self.queues += 1
        queue_url = self.sqs.create_queue(QueueName=f"dlq-{variant}-{self.queues}")["QueueUrl"]
        out = self.work / f"result-{self.queues}.json"
        command = [sys.executable, __file__, "--child", variant, "--mix", mix, "--size", str(size),
                   "--rounds", str(rounds), "--batches", str(self.work / "batches"), "--task", str(self.task),
                   "--layer", str(self.layer), "--out", str(out)] + (["--cold-child"] if cold else [])
        done = subprocess.run(command, env=self.env(variant, queue_url), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"error: variant {variant} ({mix}, {size} records) failed:\n{done.stderr[-3000:]}")
        held = int(self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
                   ["Attributes"]["ApproximateNumberOfMessages"])
        self.sqs.delete_queue(QueueUrl=queue_url)
        if held != expected_poison:
            raise SystemExit(f"error: variant {variant} left {held} poison messages in its queue, expected {expected_poison}")
        return orjson.loads(out.read_bytes())

    def close(self) -> None:
        self.moto.stop()
        self.postgres.stop()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def warm_table(variants: list[str], sets: dict[str, list[list[list[float]]]]) -> str:
    """Medians per variant, and per baseline the ratio to the handler with its range over process sets."""
    from text_table import render

    def median(name: str, column: int, index: int | None = None) -> float:
        chosen = sets[name] if index is None else [sets[name][index]]
        return statistics.median(r[column] for process in chosen for r in process)

    rows = []
    for name in variants:
        row = [LABELS[name], ms(median(name, 0)), ms(median(name, 1)), ms(median(name, 2))]
        if name != "handler" and "handler" in variants:
            per_set = [median(name, 0, i) / median("handler", 0, i) for i in range(len(sets[name]))]
            row += [f"{median(name, 0) / median('handler', 0):.2f}x",
                    f"{min(per_set):.2f}-{max(per_set):.2f}", f"{median(name, 1) / median('handler', 1):.2f}x"]
        else:
            row += ["", "", ""]
        rows.append(row)
    return render(["variant", "wall ms", "CPU ms", "DB CPU ms", "wall / handler", "per set", "CPU / handler"], rows)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="benchmark the stream processor end to end against two baselines")
    parser.add_argument("--sizes", default="100,1000,10000", help="records per batch, comma-separated")
    parser.add_argument("--mixes", default="small,large",
                        help=f"payload mixes: {sorted(MIXES)} or NAME=MEDIAN:SIGMA:FLOOR:CAP, comma-separated")
    parser.add_argument("--rounds", type=int, default=5, help="timed calls per process at 10,000 records "
                        "(x3 at 1,000, x8 at 100)")
    parser.add_argument("--processes", type=int, default=3, help="processes per variant, interleaved in sets")
    parser.add_argument("--non-ascii", type=float, default=0.25, help="share of events with non-ASCII text")
    parser.add_argument("--poison-rate", type=float, default=0.005, help="share of poison records")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--cold", type=int, default=5, help="fresh processes per variant for the cold start (0: skip)")
    parser.add_argument("--cold-size", type=int, default=1_000, help="records in the cold start's first batch")
    for hidden in ("--child", "--mix", "--batches", "--task", "--layer", "--out"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.child:
        run_child(args)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    mixes = args.mixes.split(",")
    variants = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown or not sizes or min(sizes) < 1 or args.rounds < 1 or args.processes < 1:
        raise SystemExit(f"error: bad arguments (unknown variants {unknown}; sizes, rounds and processes must be "
                         f">= 1); variants are {list(VARIANTS)}")
    for mix in mixes:
        parse_mix(mix)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"{args.processes} processes per variant; non-ASCII {args.non_ascii:.0%}, poison {args.poison_rate:.1%}",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        work = Path(tmp)
        (work / "batches").mkdir()
        started = time.perf_counter()
        manifest = write_batches(work / "batches", mixes, sizes, args.rounds, args.cold, args.cold_size,
                                 args.non_ascii, args.poison_rate)
        print(f"batches generated in {time.perf_counter() - started:.1f} s", flush=True)
        stack = Stack(work, variants)
        try:
            print(f"handler code: {stack.layout}; PostgreSQL on 127.0.0.1:{stack.postgres.port}, "
                  f"moto server on {stack.moto.endpoint_url}\n", flush=True)
            for mix in mixes:
                for size in sizes:
                    rounds = rounds_for(size, args.rounds)
                    entries = manifest[f"{mix}-{size}"]
                    poison = sum(e["poison"] for e in entries[:rounds + 1])
                    sets: dict[str, list] = {name: [] for name in variants}
                    for index in range(args.processes):
                        for name in variants[index % len(variants):] + variants[:index % len(variants)]:
                            sets[name].append(stack.run(name, mix, size, rounds, False, poison)["rounds"])
                    event_mb = statistics.mean(e["event_bytes"] for e in entries) / 1e6
                    payload = statistics.mean(e["payload_bytes"] for e in entries) / size
                    print(f"{size:,} records, mix {mix} (mean payload {payload:,.0f} B, Lambda event {event_mb:.2f} MB"
                          f"{', over the 6 MB invocation limit' if event_mb > 6 else ''}), median of {rounds} calls x "
                          f"{args.processes} processes")
                    print(warm_table(variants, sets) + "\n", flush=True)
            if args.cold:
                cold_table(stack, variants, mixes[0], args.cold_size, args.cold, manifest)
        finally:
            stack.close()
    return 0


def cold_table(stack: Stack, variants: list[str], mix: str, size: int, runs: int, manifest: dict) -> None:
    from text_table import render

    first = manifest[f"{mix}-{size}"][0]
    parts: dict[str, list[list]] = {name: [] for name in variants}
    for _ in range(runs):
        for name in variants:
            parts[name].append(stack.run(name, mix, size, 0, True, first["poison"])["parts"])
    labels = [label for label, _, _ in parts[variants[0]][0]]
    rows = []
    for index, label in enumerate(labels):
        row = [label]
        for name in variants:
            walls = [p[index][1] for p in parts[name]]
            cpus = [p[index][2] for p in parts[name] if p[index][2] is not None]
            row.append(f"{ms(statistics.median(walls))} / {ms(statistics.median(cpus)) if cpus else '-'}")
        rows.append(row)
    totals = ["total"] + [f"{ms(statistics.median(sum(p[1] for p in run) for run in parts[name]))} / "
                          f"{ms(statistics.median(sum(p[2] or 0 for p in run) for run in parts[name]))}"
                          for name in variants]
    print(f"cold first invocation in a fresh process ({size:,} records, mix {mix}), wall ms / CPU ms, median of {runs}; "
          f"the handler opens its connection and ensures the schema in one step: its connect CPU includes the schema's")
    print(render(["part", *(LABELS[n] for n in variants)], [*rows, totals]))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
