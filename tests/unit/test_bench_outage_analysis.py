"""bench/bench_outage.py's reading of the samples: when lag counts as normal again after an outage."""

from __future__ import annotations

import importlib.util
import sys

from repo_paths import REPO_ROOT

_spec = importlib.util.spec_from_file_location("bench_outage", REPO_ROOT / "bench" / "bench_outage.py")
assert _spec and _spec.loader
bench_outage = importlib.util.module_from_spec(_spec)
sys.modules["bench_outage"] = bench_outage  # its dataclasses look their module up there
_spec.loader.exec_module(bench_outage)


def samples(ages: list[int], step: float = 1.0) -> list:
    return [bench_outage.Sample(i * step, age) for i, age in enumerate(ages)]


def test_recovery_starts_at_the_first_calm_stretch_that_lasts() -> None:
    # restart at t=2; a brief dip under normal at t=4 does not count, the calm from t=6 on does
    ages = [0, 0, 90_000, 60_000, 500, 30_000, 800, 700, 600, 500, 400, 300, 200]
    assert bench_outage.recovery_time(samples(ages), restarted_at=2.0, normal_ms=1_000, settle_s=5.0) == 4.0


def test_no_recovery_when_lag_never_settles() -> None:
    assert bench_outage.recovery_time(samples([90_000] * 20), restarted_at=0.0, normal_ms=1_000) is None


def test_samples_before_the_restart_are_ignored() -> None:
    ages = [0] * 10 + [5_000] * 3 + [0] * 10
    assert bench_outage.recovery_time(samples(ages), restarted_at=10.0, normal_ms=1_000, settle_s=3.0) == 3.0
