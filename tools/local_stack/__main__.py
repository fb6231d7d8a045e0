"""`python -m local_stack demo|up|send|wait|down`: the pipeline on this machine, no AWS account needed.

`make status` (python -m operations.status) reports on the running stack as it does on AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import psycopg
from atomic_files import write_text_atomic

from local_stack.demo.clickstream import Traffic, generate, send
from local_stack.demo.session import STATE_DIR, LocalSession, progress
from local_stack.demo.sink_faults import database_outage
from local_stack.demo.summary import collect
from local_stack.demo.timeline import Timeline, transitions_table, write_html
from local_stack.emulators.postgres import server_processes, stop_server
from local_stack.esm.mapping_runner import RunnerOptions
from local_stack.runtime.concurrency import DEFAULT_ACCOUNT_LIMIT
from local_stack.stack_state import (
    REPORT_INTERVAL_S,
    STACK_FILE,
    STATUS_FILE,
    NoStack,
    not_drained,
    process_gone,
    read_running_stack,
    read_stack,
    read_status,
    write_status,
)


def _terminate_gracefully() -> None:
    """SIGTERM ends the process like Ctrl-C, so every `finally` tears down what it started."""
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def _client(service: str, info: dict[str, Any]) -> Any:
    """A boto3 client for the emulator described by `info` (stack.json, or the same keys)."""
    return boto3.client(service, endpoint_url=info["endpoint"], region_name=info["region"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _runner_options(args: argparse.Namespace) -> RunnerOptions:
    return RunnerOptions(account_concurrency=args.account_concurrency)


def demo(args: argparse.Namespace) -> int:
    _terminate_gracefully()
    with LocalSession(build=not args.no_build, runner_options=_runner_options(args)) as session:
        assert session.runner and session.moto
        runner, deployment = session.runner, session.deployment
        stream = deployment.stream_name
        records = generate(args.records, args.users, args.malformed, args.seed)
        info = {"endpoint": session.moto.endpoint_url, "region": session.moto.region}
        kinesis, sqs = _client("kinesis", info), _client("sqs", info)
        traffic = Traffic()
        timeline = Timeline(lambda: (traffic.total, _stored_rows(session.db_dsn),
                                     {p.shard_id: p.stats.iterator_age_ms for p in runner.pollers},
                                     _queue_depth(sqs, deployment.dlq_url))).start()
        half = len(records) // 2
        progress(f"sending {len(records):,} clickstream records ({args.malformed:.1%} malformed) to {stream}")
        send(kinesis, stream, records[:half], traffic)
        if args.outage_seconds > 0:
            progress(f"database outage for {args.outage_seconds:g} s while the second half arrives")
            with database_outage(session.admin_dsn, deployment.db_name):
                send(kinesis, stream, records[half:], traffic)
                time.sleep(args.outage_seconds)
        else:
            send(kinesis, stream, records[half:], traffic)
        progress("waiting until every shard is processed")
        drained = runner.wait_idle(args.timeout)
        timeline.stop()
        summary = collect(traffic, runner, session.db_dsn, deployment)
        if not drained:
            summary.errors.append(f"not drained within {args.timeout:g} s")
        print(summary.render())
        transitions = list(session.alarms.transitions) if session.alarms else []
        print("\n" + transitions_table(transitions, timeline.started))
        chart = write_html(timeline, transitions, args.chart, f"make demo: {len(records):,} records, "
                           f"{args.outage_seconds:g} s database outage")
        print(f"\ntimeline chart: {chart}")
        return 0 if summary.adds_up else 1


def _stored_rows(dsn: str) -> int:
    with psycopg.connect(dsn, connect_timeout=2) as conn:
        row = conn.execute("SELECT count(*) FROM clickstream_events").fetchone()
    return int(row[0]) if row else 0


def _queue_depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def serve(args: argparse.Namespace) -> int:
    """Body of `make up`: keep the stack running until SIGTERM (`make down`)."""
    _terminate_gracefully()
    session = LocalSession(build=not args.no_build, destroy_on_close=False, runner_options=_runner_options(args))
    try:
        session.start()
        assert session.moto and session.postgres and session.runner
        info = {"pid": os.getpid(), "endpoint": session.moto.endpoint_url, "region": session.moto.region,
                "database": session.db_dsn, "stream": session.deployment.stream_name,
                "dlq_url": session.deployment.dlq_url, "outputs": session.stack.outputs() if session.stack else None,
                "postgres": {"data_dir": str(session.postgres.data_dir), "port": session.postgres.port},
                **session.moto.env()}
        write_status(session.runner)
        write_text_atomic(STACK_FILE, json.dumps(info, indent=2))
        while True:  # the report `status` and `wait` read
            time.sleep(REPORT_INTERVAL_S)
            write_status(session.runner)
    except KeyboardInterrupt:
        pass
    finally:
        STACK_FILE.unlink(missing_ok=True)
        STATUS_FILE.unlink(missing_ok=True)
        session.close()
    return 0


def up(args: argparse.Namespace) -> int:
    if STACK_FILE.is_file():
        print(f"a local stack is already running ({STACK_FILE}); `make down` stops it", file=sys.stderr)
        return 1
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    log_path = STATE_DIR / "serve.log"
    command = [sys.executable, "-m", "local_stack", "serve", "--account-concurrency", str(args.account_concurrency)]
    command += ["--no-build"] if args.no_build else []
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + args.timeout
    while not STACK_FILE.is_file():
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.terminate()
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
            print(f"error: the local stack did not come up; last lines of {log_path}:\n{tail}", file=sys.stderr)
            return 1
        time.sleep(0.5)
    info = json.loads(STACK_FILE.read_text())
    print(f"local stack up (pid {info['pid']}): emulator {info['endpoint']}, database {info['database']}, "
          f"stream {info['stream']}\n  use it: export AWS_ENDPOINT_URL={info['endpoint']} "
          f"AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION={info['region']}\n"
          f"  `make send` adds traffic, `make wait` waits until it is processed, `make status` shows where it is, "
          f"`make down` stops it; runner log: {STATE_DIR / 'functions.log'}")
    return 0


def _stop_database(info: dict[str, Any]) -> str:
    """Stop the stack's PostgreSQL by its data directory, whatever runs it now, and delete the data;
    says what was still running."""
    postgres = info.get("postgres")
    if not postgres:
        return ""
    data = Path(postgres["data_dir"])
    left = server_processes(data)
    stop_server(data, postgres["port"], fast=False)
    if data.parent.name.startswith("pg-local-"):  # the stack's own temporary directory, nothing else
        shutil.rmtree(data.parent, ignore_errors=True)
    return f"; stopped {len(left)} PostgreSQL process(es) it had left on port {postgres['port']}" if left else ""


def down(args: argparse.Namespace) -> int:
    try:
        info = read_stack()
    except NoStack:
        print("no local stack is running (`make up` starts one)")
        return 0
    pid = info["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
        stopped = True
    except ProcessLookupError:
        stopped = False
    deadline = time.monotonic() + args.timeout
    while stopped and not process_gone(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    hung = not process_gone(pid)
    if hung:
        os.kill(pid, signal.SIGKILL)
    leftovers = _stop_database(info)  # after a clean stop there is nothing left; after a crash, or a restart, there is
    STACK_FILE.unlink(missing_ok=True)
    STATUS_FILE.unlink(missing_ok=True)
    if hung:
        print(f"error: the local stack (pid {pid}) did not stop within {args.timeout:g} s; killed it{leftovers}", file=sys.stderr)
        return 1
    if not stopped:
        print(f"the local stack (pid {pid}) was already gone; cleaned up its state file{leftovers}")
        return 0
    print(f"local stack (pid {pid}) stopped{leftovers}")
    return 0


def send_command(args: argparse.Namespace) -> int:
    info = read_stack()
    stream = args.stream or info["stream"]
    records = generate(args.records, args.users, args.malformed, args.seed or int(time.time()))
    traffic = send(_client("kinesis", info), stream, records)
    print(f"sent {traffic.total:,} records to {stream} ({len(traffic.malformed)} malformed); "
          f"query them: psql {info['database']} -c 'SELECT count(*) FROM clickstream_events'")
    return 0


def wait_command(args: argparse.Namespace) -> int:
    """Exit 0 once everything sent before this command is processed; 1 with one line on timeout."""
    since = time.time()
    deadline = time.monotonic() + args.timeout
    while True:
        read_running_stack()
        why_not = not_drained(read_status(), since, time.time())
        if why_not is None:
            print(f"drained in {time.time() - since:.1f} s")
            return 0
        if time.monotonic() > deadline:
            print(f"error: not drained within {args.timeout:g} s: {why_not}", file=sys.stderr)
            return 1
        time.sleep(0.1)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    def account_concurrency_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--account-concurrency", type=_positive_int, default=DEFAULT_ACCOUNT_LIMIT,
                       help="Lambda's concurrent executions for the account (AWS default 1,000); beyond it, and beyond a "
                            "function's reserved concurrency, invocations are throttled")

    def traffic_options(p: argparse.ArgumentParser, records: int) -> None:
        p.add_argument("--records", type=int, default=records, help="clickstream records to send")
        p.add_argument("--users", type=int, default=200, help="distinct users (= partition keys)")
        p.add_argument("--malformed", type=float, default=0.001, help="share of malformed records (0.001 = 0.1%%)")
        p.add_argument("--seed", type=int, default=0, help="random seed of the generated traffic")

    p = commands.add_parser("demo", help="run everything end to end, print a summary, tear down")
    traffic_options(p, 10_000)
    p.add_argument("--outage-seconds", type=float, default=3.0,
                   help="the database refuses connections while the second half is sent and this long after (0 = none)")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait for the pipeline to drain")
    p.add_argument("--chart", type=Path, default=STATE_DIR / "demo-timeline.html",
                   help="where to write the timeline chart (HTML with inline SVG)")
    p.add_argument("--no-build", action="store_true", help="use dist/ as it is")
    account_concurrency_option(p)
    p.set_defaults(run=demo)
    for name, run, help_text in (("up", up, "start the stack in the background"), ("serve", serve, "(used by up) run the stack in the foreground")):
        p = commands.add_parser(name, help=help_text)
        p.add_argument("--no-build", action="store_true", help="use dist/ as it is")
        p.add_argument("--timeout", type=float, default=600, help="seconds to wait for the stack to come up")
        account_concurrency_option(p)
        p.set_defaults(run=run)
    p = commands.add_parser("down", help="stop the stack started by `up`")
    p.add_argument("--timeout", type=float, default=60)
    p.set_defaults(run=down)
    p = commands.add_parser("send", help="send traffic into the running stack")
    traffic_options(p, 1000)
    p.add_argument("--stream", help="stream name (default: the root module's stream_name output)")
    p.set_defaults(run=send_command)
    p = commands.add_parser("wait", help="wait until everything sent so far is processed (exit 0), or time out (exit 1)")
    p.add_argument("--timeout", type=float, default=300, help="seconds to wait before giving up")
    p.set_defaults(run=wait_command)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except KeyboardInterrupt:
        print("interrupted; everything started was stopped", file=sys.stderr)
        return 130
    except NoStack as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
