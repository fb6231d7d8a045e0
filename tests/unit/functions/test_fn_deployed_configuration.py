"""A deployed function without its configuration refuses to start, with one line naming the variable."""

from __future__ import annotations

import os

from lambda_layout import deploy, run_deployed


def test_stream_processor_refuses_to_start_without_its_configuration(tmp_path):
    task, layer, handler = deploy(tmp_path, "stream_processor", "stream_processor")
    out = run_deployed(tmp_path, task, layer, handler, {"PATH": os.environ.get("PATH", ""), "DB_AUTH": "trust", "DB_USER": "app"},
                       b'{"Records": []}', timeout=60)
    assert out.returncode != 0
    assert out.stderr.decode().strip().splitlines()[-1] == (
        "pipeline_common.config.ConfigError: environment variable DLQ_URL is required but not set; "
        "set it in the function's environment")
