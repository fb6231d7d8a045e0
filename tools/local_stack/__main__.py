"""`python -m local_stack demo|up|down|send`: the pipeline on this machine, no AWS account needed."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import boto3
from atomic_files import write_text_atomic

from local_stack.demo.clickstream import generate, send
from local_stack.demo.session import STATE_DIR, LocalSession, progress
from local_stack.demo.sink_faults import database_outage
from local_stack.demo.summary import collect

STACK_FILE = STATE_DIR / "stack.json"


def _terminate_gracefully() -> None:
    """SIGTERM ends the process like Ctrl-C, so every `finally` tears down what it started."""
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, handler)


def _kinesis(endpoint: str, region: str) -> Any:
    return boto3.client("kinesis", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def demo(args: argparse.Namespace) -> int:
    _terminate_gracefully()
    with LocalSession(build=not args.no_build) as session:
        assert session.runner and session.moto
        stream = session.deployment.stream_name
        records = generate(args.records, args.users, args.malformed, args.seed)
        kinesis = _kinesis(session.moto.endpoint_url, session.moto.region)
        half = len(records) // 2
        progress(f"sending {len(records):,} clickstream records ({args.malformed:.1%} malformed) to {stream}")
        traffic = send(kinesis, stream, records[:half])
        if args.outage_seconds > 0:
            progress(f"database outage for {args.outage_seconds:g} s while the second half arrives")
            with database_outage(session.admin_dsn, session.deployment.db_name):
                send(kinesis, stream, records[half:], traffic)
                time.sleep(args.outage_seconds)
        else:
            send(kinesis, stream, records[half:], traffic)
        progress("waiting until every shard is processed")
        drained = session.runner.wait_idle(args.timeout)
        summary = collect(traffic, session.runner, session.db_dsn, session.deployment)
        if not drained:
            summary.errors.append(f"not drained within {args.timeout:g} s")
        print(summary.render())
        return 0 if summary.adds_up else 1


def serve(args: argparse.Namespace) -> int:
    """Body of `make up`: keep the stack running until SIGTERM (`make down`)."""
    _terminate_gracefully()
    session = LocalSession(build=not args.no_build, destroy_on_close=False)
    try:
        session.start()
        assert session.moto and session.postgres
        info = {"pid": os.getpid(), "endpoint": session.moto.endpoint_url, "region": session.moto.region,
                "database": session.db_dsn, "stream": session.deployment.stream_name, **session.moto.env()}
        write_text_atomic(STACK_FILE, json.dumps(info, indent=2))
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        STACK_FILE.unlink(missing_ok=True)
        session.close()
    return 0


def up(args: argparse.Namespace) -> int:
    if STACK_FILE.is_file():
        print(f"a local stack is already running ({STACK_FILE}); `make down` stops it", file=sys.stderr)
        return 1
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    log_path = STATE_DIR / "serve.log"
    command = [sys.executable, "-m", "local_stack", "serve"] + (["--no-build"] if args.no_build else [])
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
          f"  `make send` adds traffic, `make down` stops it; runner log: {STATE_DIR / 'functions.log'}")
    return 0


def down(args: argparse.Namespace) -> int:
    if not STACK_FILE.is_file():
        print("no local stack is running (`make up` starts one)")
        return 0
    pid = json.loads(STACK_FILE.read_text())["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        STACK_FILE.unlink(missing_ok=True)
        print(f"the local stack (pid {pid}) was already gone; cleaned up its state file")
        return 0
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print(f"local stack (pid {pid}) stopped")
            return 0
        time.sleep(0.2)
    print(f"error: the local stack (pid {pid}) did not stop within {args.timeout:g} s", file=sys.stderr)
    return 1


def send_command(args: argparse.Namespace) -> int:
    if not STACK_FILE.is_file():
        print("error: no local stack is running; start one with `make up`", file=sys.stderr)
        return 1
    info = json.loads(STACK_FILE.read_text())
    stream = args.stream or info["stream"]
    records = generate(args.records, args.users, args.malformed, args.seed or int(time.time()))
    traffic = send(_kinesis(info["endpoint"], info["region"]), stream, records)
    print(f"sent {traffic.total:,} records to {stream} ({len(traffic.malformed)} malformed); "
          f"query them: psql {info['database']} -c 'SELECT count(*) FROM clickstream_events'")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

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
    p.add_argument("--no-build", action="store_true", help="use dist/ as it is")
    p.set_defaults(run=demo)
    for name, run, help_text in (("up", up, "start the stack in the background"), ("serve", serve, "(used by up) run the stack in the foreground")):
        p = commands.add_parser(name, help=help_text)
        p.add_argument("--no-build", action="store_true", help="use dist/ as it is")
        p.add_argument("--timeout", type=float, default=600, help="seconds to wait for the stack to come up")
        p.set_defaults(run=run)
    p = commands.add_parser("down", help="stop the stack started by `up`")
    p.add_argument("--timeout", type=float, default=60)
    p.set_defaults(run=down)
    p = commands.add_parser("send", help="send traffic into the running stack")
    traffic_options(p, 1000)
    p.add_argument("--stream", help="stream name (default: the root module's stream_name output)")
    p.set_defaults(run=send_command)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except KeyboardInterrupt:
        print("interrupted; everything started was stopped", file=sys.stderr)
        return 130
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
