"""One local stack: build, emulator, PostgreSQL, terraform apply of the root module, mapping runner,
Lambda's metrics and the alarm evaluator.

What the apply created (stream, queues, bucket, database) is read from the root module's outputs
(pipeline_contract.outputs), never from the functions' environments.

`start()` brings it up step by step (progress lines on stderr), `close()`
takes down whatever was started, in reverse order, also after a failure
half-way, so no emulator, database or worker process outlives it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import psycopg
from pipeline_contract.outputs import Deployment, read_deployment
from repo_paths import REPO_ROOT

from local_stack.emulators.moto_server import MotoServer
from local_stack.emulators.postgres import PostgresServer
from local_stack.emulators.terraform_stack import TerraformStack, stage
from local_stack.esm.aws_clients import AwsClients
from local_stack.esm.mapping_runner import MappingRunner, RunnerOptions
from local_stack.monitoring.alarm_evaluator import AlarmEvaluator, EvaluatorOptions
from local_stack.monitoring.lambda_metrics import LambdaMetrics
from local_stack.monitoring.metric_publisher import MetricPublisher
from local_stack.monitoring.queue_metrics import QueueMetrics
from local_stack.runtime.invoker import LocalOverrides

STATE_DIR = Path(os.environ.get("LOCAL_STACK_STATE_DIR") or REPO_ROOT / ".local-stack")
# Local-only settings of functions that talk to the database: the local PostgreSQL trusts loopback
# connections and has no TLS, where RDS Proxy requires IAM or secret auth over TLS.
LOCAL_DB_ENV = {"DB_AUTH": "trust", "DB_SSLMODE": "disable"}
# Root module inputs for a throwaway emulator deployment: path-style S3 (moto serves no bucket
# subdomains), and a database that `terraform destroy` may delete without a final snapshot.
LOCAL_TF_VARS = {"s3_use_path_style": "true", "db_deletion_protection": "false", "db_skip_final_snapshot": "true"}


def progress(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


@dataclass
class LocalSession:
    state_dir: Path = STATE_DIR
    build: bool = True
    runner_options: RunnerOptions = field(default_factory=RunnerOptions)
    alarm_options: EvaluatorOptions = field(default_factory=EvaluatorOptions)
    moto: MotoServer | None = None
    postgres: PostgresServer | None = None
    stack: TerraformStack | None = None
    runner: MappingRunner | None = None
    metrics: MetricPublisher | None = None
    alarms: AlarmEvaluator | None = None
    _deployment: Deployment | None = None
    destroy_on_close: bool = True
    destroy_error: str | None = None
    _exit: ExitStack = field(default_factory=ExitStack)

    def start(self) -> LocalSession:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.build:
            progress("building dist/ (build.py build)")
            subprocess.run([sys.executable, "build.py", "build"], cwd=REPO_ROOT, check=True)
        progress("starting moto server and PostgreSQL")
        self.moto = MotoServer(log_path=self.state_dir / "moto.log").start()
        self._exit.callback(self.moto.stop)
        self.postgres = PostgresServer(database="postgres").start()
        self._exit.callback(self.postgres.stop)
        progress(f"terraform apply of the root module against {self.moto.endpoint_url} (about two minutes: the AWS provider's fixed waiters)")
        workdir = self.state_dir / "terraform"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        self.stack = TerraformStack(stage(".", workdir), self.moto.env(),
                                    dict(LOCAL_TF_VARS, region=self.moto.region), progress=True)
        self.stack.init()
        if self.destroy_on_close:
            self._exit.callback(self._destroy)
        self.stack.apply()
        self._deployment = read_deployment(self.stack.outputs())
        self._start_runner()

    @property
    def deployment(self) -> Deployment:
        """What the applied root module created, from its outputs."""
        if self._deployment is None:
            raise RuntimeError("the local stack is not started: nothing is deployed yet")
        return self._deployment

    def _start_runner(self) -> None:
        assert self.moto and self.postgres
        self._prepare_database()
        overrides = LocalOverrides(env=dict(LOCAL_DB_ENV))
        overrides.host_map[self.deployment.db_host] = ("127.0.0.1", self.postgres.port)
        self.runner_options.overrides = overrides
        log = open(self.state_dir / "functions.log", "ab")  # noqa: SIM115
        self._exit.callback(log.close)
        self.runner_options.log = log
        clients = AwsClients(self.moto.env())
        # Stopped last of the three (callbacks run in reverse), so it sends what the runner recorded to the end.
        self.metrics = MetricPublisher(clients("cloudwatch").put_metric_data).start()
        self._exit.callback(self.metrics.close)
        self._exit.callback(QueueMetrics(clients, self.metrics).start().stop)
        self.runner_options.metrics = LambdaMetrics(self.metrics)
        progress(f"starting the event source mapping runner for {self.deployment.stream_name}")
        self.runner = MappingRunner(self.moto.env(), REPO_ROOT / "dist" / "manifest.json", self.state_dir, self.runner_options)
        self._exit.callback(self.runner.stop)
        self.runner.start()
        progress("starting the alarm evaluator (every metric alarm, once per completed minute)")
        self.alarms = AlarmEvaluator(clients, self.moto.region, self.alarm_options, publish=self.runner.sns.publish).start()
        self._exit.callback(self.alarms.stop)

    def _prepare_database(self) -> None:
        """The database and login role the function expects behind RDS Proxy, created in the local server."""
        assert self.postgres
        name, user = self.deployment.db_name, self.deployment.db_user
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone():
                conn.execute(f'CREATE ROLE "{user}" LOGIN')
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}" OWNER "{user}"')

    @property
    def admin_dsn(self) -> str:
        assert self.postgres
        return f"postgresql://postgres@127.0.0.1:{self.postgres.port}/postgres"

    @property
    def db_dsn(self) -> str:
        assert self.postgres
        return f"postgresql://postgres@127.0.0.1:{self.postgres.port}/{self.deployment.db_name}"

    def _empty_archive(self) -> None:
        """The archive bucket is protected (force_destroy = false); locally its copies are throwaway."""
        if not (self.moto and self._deployment):
            return
        s3 = boto3.client("s3", endpoint_url=self.moto.endpoint_url, region_name=self.moto.region,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=self.deployment.archive_bucket):
            versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
            if versions:
                s3.delete_objects(Bucket=self.deployment.archive_bucket, Delete={
                    "Objects": [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]})

    def _destroy(self) -> None:
        if self.stack:
            progress("terraform destroy")
            try:
                self._empty_archive()
                self.stack.destroy()
            except Exception as exc:  # the emulator goes away next anyway; say so, don't mask the first error
                self.destroy_error = str(exc)
                print(f"warning: {exc}", file=sys.stderr)

    def close(self) -> None:
        self._exit.close()

    def __enter__(self) -> LocalSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
