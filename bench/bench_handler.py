"""Per-record cost of the clickstream processor against the usual alternatives, and its cold import.

    .venv/bin/python bench/bench_handler.py [--rounds N] [--sizes 10000,1000] [--imports N]

Every variant runs in its own processes (never two variants in one process) on the same generated
clickstream batch (same seed), each with a warm-up round; processes of different variants are
interleaved so background load hits them alike, and the median over all rounds is reported
(process CPU time by default, so time spent waiting for a core on a busy machine is excluded):

  handler      the processor's decode + validate + partition path (BatchProcessor.process) with the
               sink and dead-letter queue stubbed out (the sink still builds its statement parameters)
  naive+print  the seed: base64.b64decode + json.loads per record, print per record (to /dev/null)
  naive        the same without the print
  powertools   AWS Lambda Powertools BatchProcessor (Kinesis), record handler written the Powertools
               way (record.kinesis.data_as_json()) plus the handler's size check and the same rules
               (events.check_event: msgspec.convert into ClickEvent + broken_rule)
  powertools+msgspec  the same, decoding with the handler's decoder (msgspec base64 + msgspec typed
               decode + broken_rule), so only Powertools' own per-record overhead differs
  floor-<base64>-<json>  bare decode, nothing kept, no checks: base64 by binascii.a2b_base64 or
               msgspec.convert(str, bytes), JSON by orjson.loads or msgspec's untyped decoder
  floor-stdlib the floor with base64 + json from the standard library
The floor the target refers to is the fastest of the four floor-<base64>-<json> variants in the same run.

Cold import: `import stream_processor.lambda_handler` in a fresh python3.12 from the zips the
build ships (function in a /var/task-like dir, layer under /opt/python), with their bytecode and
with all bytecode removed (compiled from source at import). Falls back to compiling the sources
with py_compile (unchecked-hash) if build.py cannot build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "functions/stream_processor"), str(ROOT / "layers/common"),
                str(ROOT / "tests")]

from text_table import render  # noqa: E402

FLOORS = ["floor-binascii-orjson", "floor-binascii-msgspec", "floor-msgspec-orjson", "floor-msgspec-msgspec"]
VARIANTS = ["handler", "naive+print", "naive", "powertools", "powertools+msgspec", *FLOORS, "floor-stdlib"]
HANDLER_MODULE = "stream_processor.lambda_handler"
IMPORT_ENV = {"DLQ_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq", "DLQ_PAYLOAD_BUCKET": "payloads",
              "DB_HOST": "db.invalid", "DB_NAME": "clickstream", "DB_USER": "app", "DB_AUTH": "trust", "AWS_REGION": "us-east-1"}


def _variant(name: str, records: list[dict]) -> Any:
    """A zero-argument callable processing `records` one time."""
    import base64
    import binascii
    import json

    import orjson

    if name == "handler":
        from stream_processor.batch import BatchProcessor
        from stream_processor.postgres_sink import chunk_params
        from stream_processor.postgres_sink import is_data_error as data_error
        from stream_processor.postgres_sink import is_transient as transient

        class StubSink:
            def write(self, shard_id: str, kinesis: list[dict], events: list, occurred_us: list[int],
                      timeout_s: float | None = None) -> int:
                chunk_params(shard_id, kinesis, events, occurred_us)
                return len(kinesis)

            def reset(self) -> None:
                pass

            def is_transient(self, error: BaseException) -> bool:
                return transient(error)

            def is_data_error(self, error: BaseException) -> bool:
                return data_error(error)

        class StubDeadLetter:
            def send(self, poison: list, records: list, context: object = None) -> int:
                return len(poison)

        processor = BatchProcessor(StubSink(), StubDeadLetter())
        return lambda: processor.process(records)
    if name in ("naive", "naive+print"):
        emit = name == "naive+print"

        def naive() -> None:
            for record in records:
                try:
                    payload = json.loads(base64.b64decode(record["kinesis"]["data"]))
                    if emit:
                        print(payload)
                except Exception as error:
                    print(error)
        return naive
    if name.startswith("powertools"):
        import msgspec
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
        from stream_processor.events import ClickEvent, InvalidEvent, broken_rule, check_event

        processor = BatchProcessor(event_type=EventType.KinesisDataStreams)
        event = {"Records": records}
        decode_event = msgspec.json.Decoder(ClickEvent).decode

        def record_handler(record: Any) -> None:
            if len(record.kinesis.data) > 16_384 * 4 // 3 + 4:
                raise InvalidEvent("oversize")
            check_event(record.kinesis.data_as_json())

        def record_handler_msgspec(record: Any) -> None:
            raw = msgspec.convert(record.kinesis.data, bytes)
            if len(raw) > 16_384:
                raise InvalidEvent("oversize")
            broken = broken_rule(decode_event(raw))
            if broken is not None:
                raise InvalidEvent(broken)

        handler = record_handler_msgspec if name == "powertools+msgspec" else record_handler
        return lambda: process_partial_response(event=event, record_handler=handler, processor=processor,
                                                context=None)
    if name in FLOORS:
        import msgspec

        _, b64, parser = name.split("-")
        loads = orjson.loads if parser == "orjson" else msgspec.json.Decoder().decode
        if b64 == "binascii":
            a2b = binascii.a2b_base64

            def floor() -> None:
                for record in records:
                    loads(a2b(record["kinesis"]["data"]))
        else:
            convert = msgspec.convert

            def floor() -> None:
                for record in records:
                    loads(convert(record["kinesis"]["data"], bytes))
        return floor
    if name == "floor-stdlib":
        def floor_stdlib() -> None:
            for record in records:
                json.loads(base64.b64decode(record["kinesis"]["data"]))
        return floor_stdlib
    raise SystemExit(f"unknown variant {name!r}; expected one of {VARIANTS}")


def run_variant(name: str, size: int, rounds: int, wall: bool) -> None:
    """Child process: time one variant, print the round times (seconds) as one line.

    CPU time of the process by default: on a shared machine wall time mostly measures how long
    the process waited for a core; --wall measures elapsed time instead.
    """
    clock = time.perf_counter if wall else time.process_time
    from kinesis_events import clickstream_batch

    records = clickstream_batch(size)["Records"]
    work = _variant(name, records)
    stdout = sys.stdout
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the print variants write here, like a discarded log
    try:
        work()
        times = []
        for _ in range(rounds):
            started = clock()
            work()
            times.append(clock() - started)
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    print(" ".join(f"{t:.6f}" for t in times))


def measure(name: str, size: int, rounds: int, wall: bool) -> list[float]:
    """Round times of one fresh process running only `name`."""
    command = [sys.executable, __file__, "--child", name, "--sizes", str(size), "--rounds", str(rounds)]
    out = subprocess.run(command + (["--wall"] if wall else []), capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"variant {name} failed:\n{out.stderr}")
    return [float(t) for t in out.stdout.split()]


def _unzip(zip_path: Path, target: Path) -> None:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(target)


def deployed_layout(work: Path) -> tuple[Path, Path, str]:
    """(task dir, layer python dir, how it was made) from the build's zips, or compiled sources."""
    root = work / "root"
    for part in ("functions", "layers"):
        shutil.copytree(ROOT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    task, opt = work / "var/task", work / "opt"
    build = subprocess.run([sys.executable, str(ROOT / "build.py"), "--root", str(root), "build"],
                           capture_output=True, text=True, check=False)
    if build.returncode == 0 and (root / "dist/stream_processor.zip").is_file():
        _unzip(root / "dist/stream_processor.zip", task)
        _unzip(root / "dist/common.zip", opt)
        return task, opt / "python", "bytecode from build.py's zips"
    import py_compile

    shutil.copytree(ROOT / "functions/stream_processor/stream_processor", task / "stream_processor")
    shutil.copytree(ROOT / "layers/common/pipeline_common", opt / "python/pipeline_common")
    for source in [*task.rglob("*.py"), *(opt / "python").rglob("*.py")]:
        py_compile.compile(str(source), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return task, opt / "python", f"py_compile unchecked-hash (build.py failed: {build.stderr.strip()[-200:]})"


IMPORT_PROBE = """
import sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
started, cpu_started = time.perf_counter(), time.process_time()
import {module}
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
print(elapsed, cpu, int("boto3" in sys.modules), int("psycopg" in sys.modules))
"""


def cold_imports(python: str, task: Path, layer: Path, runs: int, module: str) -> tuple[float, float, bool]:
    """Median wall and CPU seconds of importing `module` in fresh processes, and whether boto3/psycopg came along."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}, **IMPORT_ENV,
           "PYTHONDONTWRITEBYTECODE": "1"}
    walls, cpus, heavy = [], [], False
    for _ in range(runs):
        out = subprocess.run([python, "-c", IMPORT_PROBE.format(module=module), str(task), str(layer)],
                             capture_output=True, text=True, env=env, check=True, cwd=task)
        elapsed, cpu, boto3, psycopg = out.stdout.split()
        walls.append(float(elapsed))
        cpus.append(float(cpu))
        heavy = heavy or boto3 == "1" or psycopg == "1"
    return statistics.median(walls), statistics.median(cpus), heavy


def strip_bytecode(directory: Path) -> None:
    for cache in list(directory.rglob("__pycache__")):
        shutil.rmtree(cache)
    for pyc in directory.rglob("*.pyc"):
        pyc.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description="benchmark the clickstream processor's per-record path")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="10000,1000")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--processes", type=int, default=5,
                        help="processes per variant, interleaved so machine load hits every variant alike")
    parser.add_argument("--wall", action="store_true", help="time elapsed (wall) instead of process CPU time")
    parser.add_argument("--imports", type=int, default=15, help="fresh processes per cold-import measurement")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        run_variant(args.child, sizes[0], args.rounds, args.wall)
        return 0

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"{args.processes} processes x {args.rounds} rounds per variant; {'wall' if args.wall else 'CPU'} time")
    for size in sizes:
        rounds = args.rounds if size >= 10_000 else args.rounds * 3
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for repeat in range(args.processes):
            for name in VARIANTS:
                times[name] += measure(name, size, rounds, args.wall)
            print(f"  {size} records: process set {repeat + 1}/{args.processes} done", flush=True)
        results = {name: statistics.median(values) for name, values in times.items()}
        best = {name: min(values) for name, values in times.items()}
        base = results["handler"]
        rows = [[name, f"{t * 1000:.1f}", f"{size / t:,.0f}", f"{t / base:.2f}", f"{best[name] * 1000:.1f}",
                 f"{best[name] / best['handler']:.2f}"] for name, t in results.items()]
        print(f"\n{size:,} records (~520-byte events), median of {rounds} rounds x {args.processes} processes per variant")
        print(render(["variant", "median ms", "records/s", "time / handler", "best ms", "best / handler"], rows))
        floor = min(FLOORS, key=results.__getitem__)
        print(f"  handler vs powertools: {results['powertools'] / base:.2f}x faster (target >= 2.5x; best rounds "
              f"{best['powertools'] / best['handler']:.2f}x); vs powertools with the handler's decoder: "
              f"{results['powertools+msgspec'] / base:.2f}x")
        print(f"  handler throughput = {results[floor] / base:.0%} of the fastest bare decode floor ({floor}; target "
              f">= 60%; best rounds {best[floor] / best['handler']:.0%}), {results['floor-stdlib'] / base:.0%} of the "
              f"stdlib floor")
        print(f"  handler vs naive seed loop with print: {results['naive+print'] / base:.2f}x faster\n")

    from python_finder import find_python

    python = str(find_python("3.12"))
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        task, layer, how = deployed_layout(Path(tmp))
        with_wall, with_cpu, heavy = cold_imports(python, task, layer, args.imports, HANDLER_MODULE)
        driver_wall, driver_cpu, _ = cold_imports(python, task, layer, args.imports, "psycopg")
        strip_bytecode(task)
        strip_bytecode(layer)
        without_wall, without_cpu, _ = cold_imports(python, task, layer, args.imports, HANDLER_MODULE)
    print(f"cold import of {HANDLER_MODULE} in a fresh python3.12 ({how}), median of {args.imports}:")
    print(render(["import", "wall ms", "CPU ms"],
                 [["handler module, shipped bytecode", f"{with_wall * 1000:.1f}", f"{with_cpu * 1000:.1f}"],
                  ["handler module, no bytecode", f"{without_wall * 1000:.1f}", f"{without_cpu * 1000:.1f}"],
                  ["psycopg, on first connect (shipped bytecode)", f"{driver_wall * 1000:.1f}", f"{driver_cpu * 1000:.1f}"]]))
    print(f"  boto3/psycopg imported at module import: {'yes' if heavy else 'no'} (target < 60 ms with bytecode)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
