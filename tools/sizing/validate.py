"""`python -m sizing validate`: check the model against the local stack (issue 15, item 2).

At one configuration (memory, batch size, parallelization factor, shards) the model predicts the
sustainable rate: shards x parallelization x records/s per invocation, the last measured by the
measurement loop at that memory size and batch size, before and after the drain. This runs the local stack's mapping runner on
the built function against a real PostgreSQL (the emulator set up through the APIs Terraform uses),
on a backlog of clickstream records `overload` times what the prediction drains in the run (written
before the mapping starts, so the producer does not compete for the host's CPU while the drain is
measured): the mapping always has more to read than it can process and drains at what it can
sustain. It measures the drain rate (records finished per second, least squares over the steady
part, which starts once the first record is finished) and the iterator age. It prints predicted vs
measured and the error; exit 0 within the tolerance, 1 outside it, 2 on bad input.

The prediction gives each concurrent invocation its whole CPU share: on a host with few cores the
configuration must fit (drain.check_fits_host), and the emulator and PostgreSQL must be able to
carry the rate (--max-records-per-second).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg
from local_stack.demo.clickstream import generate, send
from local_stack.demo.session import LOCAL_DB_ENV
from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.postgres import PostgresServer
from local_stack.esm.mapping_runner import MappingRunner, RunnerOptions
from local_stack.runtime.invoker import LocalOverrides
from local_stack.runtime.runtime_env import STATE_DIR
from pipeline_contract.manifest import load as load_manifest
from repo_paths import REPO_ROOT

from sizing import drain, measurement, model
from sizing.errors import SizingError
from sizing.grid import Grid
from sizing.sample_records import USERS, generated
from sizing.sources.built_function import FUNCTION, BuiltFunctionSource, progress

EXIT_OK, EXIT_OUTSIDE, EXIT_BAD_INPUT = 0, 1, 2
MEASURE_S = 6.0  # of back-to-back batches in each measurement loop
FIRST_BATCH_LIMIT_S = 60.0  # from the mapping's start to its first finished record
LOG_PATH = Path("build/size-validate-functions.log")  # the function's log of the run: START/END/REPORT lines
ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@dataclass(frozen=True)
class Config:
    memory_mb: int = 128
    batch_size: int = 10
    parallelization: int = 2
    shards: int = 1
    seconds: float = 10.0  # of steady draining measured
    warm_s: float = 1.5  # the start of the drain left out of the rate: lanes fill, the first batches go
    overload: float = 1.3  # the backlog: this many times what the prediction drains in the run
    host_share: float = 0.5  # of the host's cores the invocations may take together
    max_records_per_second: float = 3000.0  # what the emulator and PostgreSQL carry on a small host
    tolerance: float = 0.25
    measurements: Path | None = None  # a measurements file with this (memory, batch size); else measured now


@dataclass(frozen=True)
class Result:
    config: dict[str, Any]
    records_per_second_per_invocation: float  # what the prediction uses: the mean of measured_per_invocation
    measured_per_invocation: list[float]  # the measurement loop before and after the drain (or the file's value)
    predicted_records_per_second: float
    measured_records_per_second: float
    backlog_records: int
    error: float  # (predicted - measured) / measured
    predicted_iterator_age_s: float
    measured_iterator_age_s: float
    within_tolerance: bool


def _rate_from_file(path: Path, config: Config) -> float:
    """Records/s per invocation at the configuration's (memory, batch size), as a measurements file has it."""
    found = [p for p in model.points(measurement.load(path)) if (p.memory_mb, p.batch_size) == (config.memory_mb, config.batch_size)]
    if not found:
        raise SizingError(f"{path}: has no measurement at {config.memory_mb} MB, batch size "
                          f"{config.batch_size}: measure it (make size --measure) or pick a measured point")
    return found[0].records_per_second


def _measured_rate(config: Config) -> float:
    """Records/s per invocation at the configuration's (memory, batch size), measured now by the measurement loop.
    Six seconds of batches: over two-second cells this host's speed varied by a quarter from run to run."""
    grid = Grid((config.memory_mb,), (config.batch_size,), batches_per_cell=5, min_cell_seconds=MEASURE_S, records_per_cell=12_000)
    source = BuiltFunctionSource(grid, lambda count, _needed: generated(count), "generated clickstream records")
    [point] = model.points(source.measurements())
    return point.records_per_second


def _deploy(moto: MotoServer, postgres: PostgresServer, config: Config) -> None:
    """The stream, the built function (its layers too) and the mapping, created as Terraform creates them."""
    manifest = load_manifest(REPO_ROOT / "dist" / "manifest.json")
    env = moto.env()
    session = boto3.session.Session(region_name=env["AWS_REGION"], aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=env["AWS_ENDPOINT_URL"])

    lam, kinesis = client("lambda"), client("kinesis")
    role = client("iam").create_role(RoleName=FUNCTION, AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    artifact = manifest.artifacts[FUNCTION]
    layers = [lam.publish_layer_version(LayerName=name, Content={"ZipFile": manifest.zip_path(manifest.artifacts[name]).read_bytes()},
                                        CompatibleRuntimes=["python3.12"])["LayerVersionArn"] for name in artifact.layers]
    dead_letter = client("sqs").create_queue(QueueName="sizing-dead-letter")["QueueUrl"]
    client("s3").create_bucket(Bucket="sizing-dead-letter")
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "validation"')
    lam.create_function(
        FunctionName=FUNCTION, Runtime="python3.12", Role=role, Handler=artifact.handler, Timeout=60, MemorySize=config.memory_mb,
        Code={"ZipFile": manifest.zip_path(artifact).read_bytes()}, Layers=layers, Environment={"Variables": {
            "LOG_LEVEL": "INFO", "DB_HOST": "127.0.0.1", "DB_PORT": str(postgres.port), "DB_NAME": "validation",
            "DB_USER": "postgres", "DLQ_URL": dead_letter, "DLQ_PAYLOAD_BUCKET": "sizing-dead-letter"}})
    kinesis.create_stream(StreamName="validation", ShardCount=config.shards)
    kinesis.get_waiter("stream_exists").wait(StreamName="validation", WaiterConfig={"Delay": 0.2})
    arn = kinesis.describe_stream_summary(StreamName="validation")["StreamDescriptionSummary"]["StreamARN"]
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=FUNCTION, StartingPosition="TRIM_HORIZON",
                                    BatchSize=config.batch_size, ParallelizationFactor=config.parallelization,
                                    MaximumBatchingWindowInSeconds=1)


def _prewarm(runner: MappingRunner, environments: int) -> None:
    """Start every execution environment before the load: cold starts are not part of the sustained rate."""
    invoker = runner.registry.get(FUNCTION)
    results = []
    threads = [threading.Thread(target=lambda: results.append(invoker.invoke({"Records": []}))) for _ in range(environments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [r.error for r in results if r.error]
    if failed or invoker.cold_starts != environments:
        raise SizingError(f"warming {environments} environment(s) of {FUNCTION} failed: {failed or invoker.cold_starts}")


def _finished(runner: MappingRunner) -> int:
    """Records read and finished (checkpointed) over every shard."""
    return sum(s.records_read - s.pending for s in runner.shard_status())


@dataclass(frozen=True)
class _Drain:
    samples: list[tuple[float, int]]  # (seconds since the mapping started, records finished)
    busy_from: float  # seconds since the mapping started when the first record was finished
    started_after_write_s: float  # from the backlog's first write to busy_from
    written_per_second: float
    backlog: int
    iterator_age_s: float  # the mapping's IteratorAge at the end


def _drain(config: Config, backlog: int, say: Any) -> _Drain:
    """Write `backlog` records, then run the mapping on them for the warm part and the measured seconds, sampling
    the records finished. The steady part starts when the first record is finished: until then the reader
    fetches the first 10,000 records, which on AWS takes no time from the function's host."""
    concurrency = config.shards * config.parallelization
    records = generate(backlog, USERS, 0.0, seed=15)
    with ExitStack() as stack:
        moto = MotoServer().start()
        stack.callback(moto.stop)
        postgres = PostgresServer(database="postgres").start()
        stack.callback(postgres.stop)
        _deploy(moto, postgres, config)
        LOG_PATH.parent.mkdir(parents=True, exist_ok=True)
        log = stack.enter_context(open(LOG_PATH, "wb"))
        runner = MappingRunner(moto.env(), REPO_ROOT / "dist" / "manifest.json", STATE_DIR, RunnerOptions(
            poll_interval_s=0.05, max_workers_per_function=concurrency, overrides=LocalOverrides(env=dict(LOCAL_DB_ENV)),
            log=log))
        stack.callback(runner.stop)
        if runner.compute_note:
            raise SizingError(f"{runner.compute_note}: the validation needs each environment's CPU share enforced")
        first_write = time.monotonic()
        send(runner.clients("kinesis"), "validation", records)
        written_rate = len(records) / (time.monotonic() - first_write)
        _prewarm(runner, concurrency)
        say(f"backlog written at {written_rate:,.0f} records/s; draining it for {config.warm_s + config.seconds:g} s")
        samples: list[tuple[float, int]] = []
        began = time.monotonic()
        runner.start()
        busy_from = math.inf
        while (now := time.monotonic() - began) <= busy_from + config.warm_s + config.seconds:
            samples.append((now, finished := _finished(runner)))
            if finished and math.isinf(busy_from):
                busy_from = now
            if math.isinf(busy_from) and now > FIRST_BATCH_LIMIT_S:
                raise SizingError(f"no record was finished {FIRST_BATCH_LIMIT_S:g} s after the mapping started: "
                                  f"see the function log {LOG_PATH}")
            if finished >= len(records):
                raise SizingError(f"the backlog of {len(records):,} records was drained in {now:.1f} s: the load was not "
                                  "above capacity; raise --overload")
            time.sleep(0.2)
        age_s = max(p.stats.iterator_age_ms for p in runner.pollers) / 1000
        if errors := runner.all_errors():
            raise SizingError(f"the mapping failed during the run: {errors[0]}")
    return _Drain(samples, busy_from, began + busy_from - first_write, written_rate, len(records), age_s)


def run(config: Config, say: Any = progress) -> Result:
    """Predicted vs measured at `config`. Measured afresh, records/s per invocation is the mean of the measurement
    loop before and after the drain, so a drift of the host's speed during the run weighs on both sides."""
    concurrency = config.shards * config.parallelization
    drain.check_fits_host(concurrency, config.memory_mb, os.cpu_count() or 1, config.host_share)
    rates = [_rate_from_file(config.measurements, config) if config.measurements else _measured_rate(config)]
    if concurrency * rates[0] > config.max_records_per_second:
        raise SizingError(f"predicted {concurrency * rates[0]:,.0f} records/s is more than this host's emulator and PostgreSQL "
                          f"carry (--max-records-per-second {config.max_records_per_second:,.0f}): pick a smaller memory "
                          "size or batch size")
    backlog = round(concurrency * rates[0] * config.overload * (config.warm_s + config.seconds))
    say(f"predicted {concurrency * rates[0]:,.0f} records/s ({config.shards} shard(s) x {config.parallelization} x "
        f"{rates[0]:,.0f}); writing a backlog of {backlog:,} records ({config.overload:g} x that for "
        f"{config.warm_s + config.seconds:g} s)")
    drained = _drain(config, backlog, say)
    if not config.measurements:
        say("measuring records/s per invocation again, after the drain")
        rates.append(_measured_rate(config))
    per_invocation = sum(rates) / len(rates)
    predicted = concurrency * per_invocation
    start = drained.busy_from + config.warm_s
    measured = drain.drain_rate(drained.samples, start, start + config.seconds)
    error = drain.relative_error(predicted, measured)
    return Result(
        config={k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        records_per_second_per_invocation=per_invocation, measured_per_invocation=rates,
        predicted_records_per_second=predicted, measured_records_per_second=measured, backlog_records=drained.backlog,
        error=error,
        predicted_iterator_age_s=drain.backlog_iterator_age_s(drained.started_after_write_s + config.warm_s + config.seconds,
                                                              drained.started_after_write_s, predicted, drained.written_per_second),
        measured_iterator_age_s=drained.iterator_age_s, within_tolerance=abs(error) <= config.tolerance)


def text(result: Result) -> str:
    c = result.config
    return "\n".join([
        f"Configuration: {c['memory_mb']} MB, batch_size {c['batch_size']}, parallelization_factor {c['parallelization']}, "
        f"{c['shards']} shard(s); a backlog of {result.backlog_records:,} records",
        f"Records/s per invocation (measurement loop): {result.records_per_second_per_invocation:,.0f} "
        f"(mean of {', '.join(f'{r:,.0f}' for r in result.measured_per_invocation)})",
        f"Sustainable records/s: predicted {result.predicted_records_per_second:,.0f}, "
        f"measured drain {result.measured_records_per_second:,.0f}, error {result.error:+.1%} "
        f"({'within' if result.within_tolerance else 'OUTSIDE'} ±{c['tolerance']:.0%})",
        f"Iterator age at the end: predicted {result.predicted_iterator_age_s:.1f} s, "
        f"measured {result.measured_iterator_age_s:.1f} s",
    ]) + "\n"


def parser() -> argparse.ArgumentParser:
    d = Config()
    p = argparse.ArgumentParser(prog="sizing validate", description="Predicted vs measured sustainable records/s on the local stack.")
    p.add_argument("--memory", type=int, default=d.memory_mb, help="MB")
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--parallelization", type=int, default=d.parallelization)
    p.add_argument("--shards", type=int, default=d.shards)
    p.add_argument("--seconds", type=float, default=d.seconds, help="of steady draining measured (after the warm part)")
    p.add_argument("--overload", type=float, default=d.overload, help="the backlog as a multiple of what the prediction drains in the run (> 1)")
    p.add_argument("--host-share", type=float, default=d.host_share, help="of the host's cores the invocations may take")
    p.add_argument("--max-records-per-second", type=float, default=d.max_records_per_second)
    p.add_argument("--tolerance", type=float, default=d.tolerance)
    p.add_argument("--measurements", type=Path, help="take records/s per invocation from this file (default: measure now)")
    p.add_argument("--json", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.overload <= 1:
            raise SizingError("--overload must be above 1: the backlog must outlast the run")
        result = run(Config(args.memory, args.batch_size, args.parallelization, args.shards, args.seconds,
                            overload=args.overload, host_share=args.host_share,
                            max_records_per_second=args.max_records_per_second, tolerance=args.tolerance,
                            measurements=args.measurements))
    except SizingError as exc:
        print(f"sizing validate: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    sys.stdout.write(json.dumps(asdict(result), indent=2) + "\n" if args.json else text(result))
    return EXIT_OK if result.within_tolerance else EXIT_OUTSIDE
