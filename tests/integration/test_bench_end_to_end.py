"""The end-to-end benchmark's harness runs and its data checks hold (a benchmark is never a test: no timing here).

Between calls the benchmark checks that every variant stored exactly the valid events and counted
each once, and at the end that the dead-letter queue holds exactly the poison records; any
mismatch exits non-zero. A tiny batch with a high poison rate exercises all of it for every variant.
"""

from __future__ import annotations

import subprocess
import sys

from repo_paths import REPO_ROOT


def test_tiny_run_stores_every_valid_event_and_dead_letters_every_poison_record() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench/bench_end_to_end.py"), "--sizes", "40", "--mixes", "small,large",
         "--rounds", "1", "--processes", "1", "--cold", "0", "--poison-rate", "0.2"],
        capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    for label in ("this handler", "(a) Powertools", "(b) orjson + COPY"):
        assert done.stdout.count(label) == 2, done.stdout
