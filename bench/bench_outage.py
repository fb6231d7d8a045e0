"""What a database outage costs the reference pipeline on the local stack: records given up, lag, recovery.

    make bench ARGS="outage"
    make bench ARGS="outage -- --outages 10,60,120 --rate 100"
    .venv/bin/python bench/bench_outage.py [--outages 10,60,120] [--rate 100] [--chart build/bench/outage.svg]

Starts the reference stack once, as `make up` does (build, moto server, PostgreSQL, terraform apply of
the root module with its real settings: 60 s function timeout, 5 retries, bisect, partial batch
responses), sends steady clickstream traffic throughout, and for each outage length stops the
PostgreSQL server (pg_ctl fast shutdown, as in a failover) and starts it again. Sampled every 0.25 s:
Lambda's IteratorAge as the runner records it per invocation (the age of the batch's last record
when the batch is sent: what a CloudWatch alarm on IteratorAge sees), maximum over shards.

Per outage: records given up by the mapping (and on-failure messages), the largest iterator age from
the outage's start until lag is normal again, and the time from the restart until it is normal: the
iterator age stays at or under the normal level (twice the largest age of the quiet minute before the
first outage, at least 1 s) for 5 s. At the end, the failure handler's archive is counted and every
record sent is checked (stored once, order per key). Prints a table and writes an SVG chart.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import boto3  # noqa: E402
from local_stack.demo.clickstream import Traffic, generate, send  # noqa: E402
from local_stack.demo.session import LocalSession, progress  # noqa: E402
from local_stack.demo.sink_faults import server_outage  # noqa: E402
from local_stack.demo.summary import collect  # noqa: E402
from local_stack.esm.mapping_runner import MappingRunner, RunnerOptions  # noqa: E402
from svg_chart import Band, Series, line_chart  # noqa: E402
from text_table import render  # noqa: E402

SAMPLE_S = 0.25
QUIET_S = 60.0
SETTLE_S = 5.0
RECOVERY_LIMIT_S = 600.0


@dataclass
class Sample:
    at: float  # seconds since the measurement started
    iterator_age_ms: int  # maximum over shards


@dataclass
class OutageResult:
    seconds: float
    given_up: int
    on_failure_messages: int
    max_iterator_age_ms: int
    recovery_s: float | None  # from the restart until lag is normal; None: not within RECOVERY_LIMIT_S


def _counts(runner: MappingRunner) -> Counter[str]:
    return Counter(discarded=sum(p.stats.outcome.discarded for p in runner.pollers),
                   on_failure=runner.on_failure_messages)


class TrafficSender(threading.Thread):
    """Steady producer: `rate` new records each second, 0.1% malformed, until stopped."""

    def __init__(self, kinesis: object, stream: str, rate: int) -> None:
        super().__init__(name="traffic", daemon=True)
        self.kinesis, self.stream, self.rate = kinesis, stream, rate
        self.traffic = Traffic()
        self.stop = threading.Event()

    def run(self) -> None:
        second = 0
        started = time.monotonic()
        while not self.stop.is_set():
            send(self.kinesis, self.stream, generate(self.rate, users=200, malformed_share=0.001, seed=second), self.traffic)
            second += 1
            self.stop.wait(max(0.0, started + second - time.monotonic()))


class Sampler(threading.Thread):
    def __init__(self, runner: MappingRunner) -> None:
        super().__init__(name="sampler", daemon=True)
        self.runner = runner
        self.started = time.monotonic()
        self.samples: list[Sample] = []
        self.stop = threading.Event()

    def now(self) -> float:
        return time.monotonic() - self.started

    def run(self) -> None:
        while not self.stop.wait(SAMPLE_S):
            age = max((p.stats.iterator_age_ms for p in self.runner.pollers), default=0)
            self.samples.append(Sample(self.now(), age))

    def since(self, start: float) -> list[Sample]:
        return [s for s in list(self.samples) if s.at >= start]


def recovery_time(samples: list[Sample], restarted_at: float, normal_ms: int, settle_s: float = SETTLE_S) -> float | None:
    """Seconds from `restarted_at` to the start of the first `settle_s` stretch at or under `normal_ms`."""
    calm_since: float | None = None
    for sample in samples:
        if sample.at < restarted_at:
            continue
        if sample.iterator_age_ms <= normal_ms:
            calm_since = sample.at if calm_since is None else calm_since
            if sample.at - calm_since >= settle_s:
                return round(calm_since - restarted_at, 2)
        else:
            calm_since = None
    return None


def _await_calm(sampler: Sampler, restarted_at: float, normal_ms: int) -> float | None:
    deadline = time.monotonic() + RECOVERY_LIMIT_S
    while time.monotonic() < deadline:
        found = recovery_time(sampler.since(restarted_at), restarted_at, normal_ms)
        if found is not None:
            return found
        sampler.stop.wait(1.0)
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outages", default="10,60,120", help="outage lengths in seconds, comma-separated")
    parser.add_argument("--rate", type=int, default=100, help="records per second sent throughout")
    parser.add_argument("--chart", type=Path, default=ROOT / "build" / "bench" / "outage.svg")
    args = parser.parse_args(argv)
    try:
        outages = [float(x) for x in args.outages.split(",") if x.strip()]
    except ValueError:
        parser.error(f"--outages must be seconds separated by commas, e.g. 10,60,120; got {args.outages!r}")
    if not outages or min(outages) <= 0 or args.rate < 1:
        parser.error("--outages must be positive seconds and --rate at least 1 record per second")

    with tempfile.TemporaryDirectory(prefix="bench-outage-") as state, \
            LocalSession(state_dir=Path(state), runner_options=RunnerOptions(poll_interval_s=0.1)) as session:
        assert session.runner and session.moto and session.postgres
        runner, postgres = session.runner, session.postgres
        kinesis = boto3.client("kinesis", endpoint_url=session.moto.endpoint_url, region_name=session.moto.region,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
        sender = TrafficSender(kinesis, session.deployment.stream_name, args.rate)
        sampler = Sampler(runner)
        sender.start()
        sampler.start()
        progress(f"steady traffic at {args.rate} records/s; a quiet minute first, to learn the normal lag")
        sampler.stop.wait(QUIET_S)
        normal_ms = max(1_000, 2 * max((s.iterator_age_ms for s in sampler.since(5.0)), default=0))
        results: list[OutageResult] = []
        bands: list[Band] = []
        for seconds in outages:
            before = _counts(runner)
            progress(f"PostgreSQL stopped for {seconds:g} s")
            down_at = sampler.now()
            with server_outage(postgres.data_dir, postgres.port):
                sampler.stop.wait(seconds)
            restarted_at = sampler.now()
            bands.append(Band(down_at, restarted_at, f"{seconds:g} s outage"))
            progress("PostgreSQL restarted; waiting until the lag is normal again")
            recovery = _await_calm(sampler, restarted_at, normal_ms)
            window_end = restarted_at + (recovery if recovery is not None else RECOVERY_LIMIT_S) + SETTLE_S
            added = _counts(runner)
            added.subtract(before)
            results.append(OutageResult(seconds, added["discarded"], added["on_failure"],
                                        max((s.iterator_age_ms for s in sampler.since(down_at) if s.at <= window_end), default=0),
                                        recovery))
        sender.stop.set()
        sender.join()
        progress("traffic stopped; waiting for the pipeline to drain")
        drained = runner.wait_idle(600)
        sampler.stop.set()
        summary = collect(sender.traffic, runner, session.db_dsn, session.deployment)

    rows = [[f"{r.seconds:g} s", f"{r.given_up:,}", f"{r.on_failure_messages:,}", f"{r.max_iterator_age_ms / 1000:.1f} s",
             "not within limit" if r.recovery_s is None else f"{r.recovery_s:.1f} s"] for r in results]
    print(render(["outage", "records given up", "on-failure messages", "max iterator age", "time to normal lag"], rows))
    print(f"\nnormal lag: iterator age <= {normal_ms / 1000:.1f} s (twice the quiet minute's largest); "
          f"{args.rate} records/s over {len(runner.pollers)} shards")
    print(f"whole run: {summary.sent:,} records sent, {summary.stored_of_sent:,} of {summary.sent_valid:,} valid stored, "
          f"{summary.archived_valid:,} archived, {summary.dead_lettered:,} of {summary.sent_malformed:,} malformed dead-lettered, "
          f"order per key {'kept' if not summary.order_violations else 'BROKEN'}, drained: {drained}")
    args.chart.parent.mkdir(parents=True, exist_ok=True)
    args.chart.write_text(line_chart(
        "Iterator age through PostgreSQL outages (reference settings: 60 s timeout, 5 retries)",
        "seconds since start", "iterator age, s (max over shards)",
        [Series("IteratorAge", [(s.at, s.iterator_age_ms / 1000) for s in sampler.samples])], bands))
    print(f"chart: {args.chart}")
    return 0 if summary.adds_up and drained else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
